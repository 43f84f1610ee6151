"""What the firmware tests share: running `doorwatch scan --format json` as a user does, and
finding a target's children by their path inside the image."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def scan_json(*images: Path) -> tuple[int, dict]:
    """The exit status and JSON document of `doorwatch scan --format json IMAGE...`."""
    command = [sys.executable, "-m", "doorwatch", "scan", "--format", "json", *map(str, images)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1), f"doorwatch scan failed: {result.stderr.strip()}"
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def children_by_path(target: dict) -> dict[str, dict]:
    """Every child of a target, nested ones too, by its path inside the image."""
    found = {}
    for child in target.get("children") or []:
        found[child["path"]] = child
        found.update(children_by_path(child))
    return found
