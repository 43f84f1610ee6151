"""Results of unchanged files, kept by content hash so rescanning a tree is near-instant.

The key is the file's sha256 plus the doorwatch version and the rules' digest: a new release
or a changed rule never serves an old answer. Entries are written atomically, so parallel
workers and an interrupted scan never leave half an entry.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import platformdirs

from doorwatch import __version__


class ResultCache:
    def __init__(self, rules_digest: str, root: Path | None = None) -> None:
        base = root or Path(platformdirs.user_cache_dir("doorwatch")) / "scan"
        self.directory = base / f"{__version__}-{rules_digest}"

    def _file(self, sha256: str) -> Path:
        return self.directory / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str) -> dict | None:
        try:
            return json.loads(self._file(sha256).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, sha256: str, entry: dict) -> None:
        target = self._file(sha256)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=target.parent, delete=False, suffix=".tmp", encoding="utf-8") as tmp:
                json.dump(entry, tmp)
            os.replace(tmp.name, target)
        except OSError:
            pass  # a cache that cannot be written only costs time
