"""Whether a file on this machine belongs to an installed Debian package."""

from __future__ import annotations

import glob
import os


class PackageIndex:
    """The paths listed in /var/lib/dpkg/info/*.list, read once on first use."""

    def __init__(self, info_dir: str = "/var/lib/dpkg/info") -> None:
        self.info_dir = info_dir
        self._paths: set[str] | None = None

    def _load(self) -> set[str]:
        paths: set[str] = set()
        for listing in glob.glob(os.path.join(self.info_dir, "*.list")):
            try:
                with open(listing, encoding="utf-8", errors="surrogateescape") as handle:
                    paths.update(handle.read().splitlines())
            except OSError:
                continue
        return paths

    def owns(self, path: str | None) -> bool:
        """True when a package ships this path (also under its merged-/usr alias)."""
        if not path:
            return False
        if self._paths is None:
            self._paths = self._load()
        # With merged /usr, /bin/x and /usr/bin/x are one file but dpkg lists only one spelling.
        alias = path[4:] if path.startswith("/usr/") else "/usr" + path
        return path in self._paths or alias in self._paths
