"""Who publishes a program: known proprietary products, distributions and their own packages, Python publishers.

Built once per knowledge base from the curated `software.yaml` and `platform.yaml` records into plain
dicts, so recognising a package is a dict hit or a short prefix scan.
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from functools import lru_cache
from typing import Any

PACKAGE_SPACES = ("deb", "rpm", "snap", "flatpak", "pypi")


class SoftwareIndex:
    def __init__(self, index: dict[str, Any]) -> None:
        self.exact: dict[tuple[str, str], dict] = {}
        # Globs bucketed by their first two literal characters, so a name is tried against a handful, not hundreds.
        self.globs: dict[tuple[str, str], list[tuple[str, dict]]] = defaultdict(list)
        self.paths: list[tuple[str, dict]] = []
        self.keys: list[tuple[str, dict]] = []
        for product in index["products"]:
            for space in ("deb", "rpm", "snap", "flatpak"):
                for pattern in product.get(space, []):
                    self._add(space, pattern, product)
            for path in product.get("paths", []):
                self.paths.append((path.rstrip("/") + "/", product))
            for key in product.get("keys", []):
                self.keys.append((key.lower(), product))
        for record in index["pypi"]:
            for pattern in record["packages"]:
                self._add("pypi", pattern, record)
        self.paths.sort(key=lambda item: -len(item[0]))
        # Each bucket's globs become one regular expression whose matching group names the record.
        self.glob_matchers = {
            bucket: (re.compile("|".join(f"(?P<g{i}>{fnmatch.translate(pattern)})" for i, (pattern, _) in enumerate(entries))), [record for _, record in entries])
            for bucket, entries in self.globs.items()
        }
        self.distributions = index["distributions"]
        self.distribution = lru_cache(maxsize=4096)(self._distribution)
        self.domains = {record["domain"]: record for record in index["domains"]}
        self.modules = {name: record for record in index["modules"] for name in record["names"]}
        self.firmware = sorted(((prefix, record) for record in index["firmware"] for prefix in record["prefixes"]), key=lambda item: -len(item[0]))

    def _add(self, space: str, pattern: str, record: dict) -> None:
        pattern = pattern.lower()
        if any(char in pattern for char in "*?["):
            head = pattern[:2] if not any(char in pattern[:2] for char in "*?[") else ""
            self.globs[(space, head)].append((pattern, record))
        else:
            self.exact[(space, pattern)] = record

    def product(self, space: str, name: str) -> dict | None:
        """The curated product (or Python publisher record) a package name belongs to."""
        name = name.lower()
        if space == "pypi":
            name = name.replace("_", "-").replace(".", "-")
        found = self.exact.get((space, name))
        if found:
            return found
        for head in (name[:2], ""):
            matcher = self.glob_matchers.get((space, head))
            match = matcher[0].match(name) if matcher else None
            if match:
                return matcher[1][int(match.lastgroup[1:])]
        return None

    def product_by_path(self, path: str) -> dict | None:
        path = path.rstrip("/") + "/"
        for prefix, product in self.paths:
            if path.startswith(prefix):
                return product
        return None

    def product_by_key(self, text: str) -> dict | None:
        """A product whose package-signing key user id appears in the text."""
        text = text.lower()
        for key, product in self.keys:
            if key in text:
                return product
        return None

    def _distribution(self, *clues: str | None) -> dict | None:
        """The distribution named by an os-release id, a name, a maintainer address or an rpm Vendor."""
        for clue in clues:
            if not clue:
                continue
            lowered = clue.lower()
            for record in self.distributions:
                if lowered in record["ids"] or any(marker in lowered for marker in record.get("markers", [])):
                    return record
        return None

    def own_package(self, distribution: dict, name: str) -> bool:
        """True for the distribution's own tools (Kylin's kylin-*, Deepin's dde-*), which its company makes."""
        return any(fnmatch.fnmatchcase(name.lower(), pattern) for pattern in distribution.get("own_packages", []))

    def publisher_domain(self, app_id: str) -> dict | None:
        """A Flatpak/Snap reverse-DNS id ('com.tencent.WeChat') -> the domain record of its publisher."""
        parts = app_id.lower().split(".")
        if len(parts) >= 2:
            return self.domains.get(f"{parts[1]}.{parts[0]}")
        return None

    def publisher_of_address(self, text: str | None) -> dict | None:
        """The domain record of an e-mail address or URL ('Tencent <linux@tencent.com>', 'https://www.wps.cn/')."""
        match = re.search(r"(?:@|//)([a-z0-9.-]+)", (text or "").lower())
        if not match:
            return None
        labels = match.group(1).strip(".").split(".")
        return self.domains.get(".".join(labels[-2:])) if len(labels) >= 2 else None

    def firmware_maker(self, path: str) -> dict | None:
        path = path.lstrip("/").removeprefix("lib/firmware/")
        for prefix, record in self.firmware:
            if path.startswith(prefix):
                return record
        return None
