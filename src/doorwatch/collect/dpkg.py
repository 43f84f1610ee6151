"""Debian packages (Debian, Ubuntu, Kylin, UOS, Deepin...) from dpkg's own database.

`/var/lib/dpkg/status` is read directly (no `dpkg-query`), so a recorded tree
given with `--root` is read the same way as the live machine.
"""

from __future__ import annotations

import os
import weakref
from typing import Iterable, Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.packaging import installed_package
from doorwatch.model import Component
from doorwatch.collect.os_release import distribution

SOURCE = "dpkg"
ORDER = 60

STATUS_PATH = "/var/lib/dpkg/status"
INFO_DIR = "/var/lib/dpkg/info"
_INSTALLED = "install ok installed"


def parse_control(text: str) -> Iterator[dict[str, str]]:
    """The stanzas of a deb822 file (dpkg status), first line of each field only.

    Written by hand: python-debian is not a dependency and only the one-line
    fields are needed; continuation lines (descriptions, conffiles) are skipped.
    """
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if not line or line[0] in " \t":
                continue
            key, sep, value = line.partition(":")
            if sep:
                fields[key] = value.strip()
        if fields:
            yield fields


def _source_package(field: str | None) -> str | None:
    """`Source: openssl (3.0.11-1)` names the source package `openssl`."""
    return field.split()[0] if field else None


def package_component(fields: dict[str, str], ref: str, distro: str | None) -> Component:
    name = fields["Package"]
    properties = {
        "version": fields.get("Version"),
        "architecture": fields.get("Architecture"),
        "maintainer": fields.get("Maintainer"),
        "original_maintainer": fields.get("Original-Maintainer"),
        "homepage": fields.get("Homepage"),
        "source_package": _source_package(fields.get("Source")) or name,
        "section": fields.get("Section"),
        "distribution": distro,
    }
    return installed_package("deb", name, properties, ref=ref)


def collect(machine: MachineRoot) -> Iterator[Component]:
    text = machine.read_text(STATUS_PATH, SOURCE)
    if text is None:
        return
    distro = distribution(machine)
    seen: set[str] = set()
    for fields in parse_control(text):
        name = fields.get("Package")
        if not name or fields.get("Status") != _INSTALLED:
            continue
        # Multi-arch packages (libc6:amd64 and libc6:i386) share a name.
        ref = f"deb:{name}" if name not in seen else f"deb:{name}:{fields.get('Architecture', '')}"
        seen.add(name)
        yield package_component(fields, ref, distro)


def owning_packages(machine: MachineRoot, paths: Iterable[str]) -> dict[str, str]:
    """Which dpkg package installed each of `paths`, from /var/lib/dpkg/info/*.list.

    One pass over the file lists answers any number of paths (ask once, with
    all of them). Merged-/usr systems list `/bin/x` for `/usr/bin/x` and the
    other way round, so both spellings are tried.
    """
    wanted: dict[bytes, str] = {}
    for path in paths:
        other = path[4:] if path.startswith("/usr/") else "/usr" + path
        wanted[os.fsencode(path)] = path
        wanted.setdefault(os.fsencode(other), path)
    owners: dict[str, str] = {}
    if not wanted:
        return owners
    # Only lists naming one of the wanted directories are split into lines: most packages ship no unit or daemon.
    directories = {b"\n" + path.rsplit(b"/", 1)[0] + b"/" for path in wanted}
    for package, data in _file_lists(machine):
        if any(directory in data for directory in directories):
            for found in wanted.keys() & data.split(b"\n"):
                owners.setdefault(wanted[found], package)
    return owners


_FILE_LISTS: "weakref.WeakKeyDictionary[MachineRoot, list[tuple[str, bytes]]]" = weakref.WeakKeyDictionary()


def _file_lists(machine: MachineRoot) -> list[tuple[str, bytes]]:
    """(package, its file list) for every package, read once per machine: several collectors ask."""
    lists = _FILE_LISTS.get(machine)
    if lists is None:
        lists = []
        for list_path in machine.glob(INFO_DIR, "*.list", SOURCE):
            data = machine.read_bytes(list_path, SOURCE)
            if data:
                lists.append((list_path.rsplit("/", 1)[-1][: -len(".list")].split(":")[0], data))
        _FILE_LISTS[machine] = lists
    return lists
