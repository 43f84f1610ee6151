"""RPM packages (Fedora, RHEL and its clones, openSUSE, openEuler, Kylin Server...).

The rpm database is read directly: the `rpm` command, where it exists at all,
cannot be trusted to read a recorded tree given with `--root`. Modern systems
keep it in SQLite (`rpmdb.sqlite`), one header blob per package; old ones in
Berkeley DB (`Packages`) or SUSE's `Packages.db`, which are noted, not read.
"""

from __future__ import annotations

import sqlite3
import struct
from contextlib import closing
from typing import Iterator
from urllib.parse import quote

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.packaging import installed_package
from doorwatch.model import Component
from doorwatch.collect.os_release import distribution

SOURCE = "rpm"
ORDER = 61

DB_DIRS = ("/var/lib/rpm", "/usr/lib/sysimage/rpm")
_UNREAD_FORMATS = {"Packages": "Berkeley DB", "Packages.db": "NDB"}

# Header tags (rpm's include/rpm/rpmtag.h) and the data types this reader decodes.
TAGS = {
    1000: "name",
    1001: "version",
    1002: "release",
    1003: "epoch",
    1004: "summary",
    1011: "vendor",
    1014: "license",
    1015: "packager",
    1020: "url",
    1022: "arch",
    1044: "sourcerpm",
}
_INT32, _STRING, _STRING_ARRAY, _I18NSTRING = 4, 6, 8, 9
_INDEX_ENTRY = struct.Struct(">iiii")


def parse_header(blob: bytes) -> dict[str, str | int]:
    """The tags of TAGS from one rpm header blob as stored in rpmdb.sqlite.

    Written by hand because no maintained Python library reads rpmdb headers
    without librpm. Layout (rpm's "Package header" format, without the 8-byte
    magic): big-endian index count and data size, index entries of
    (tag, type, offset, count), then the data store they point into.
    """
    if len(blob) < 8:
        raise ValueError("header too short")
    entries, data_size = struct.unpack_from(">ii", blob, 0)
    store_start = 8 + entries * _INDEX_ENTRY.size
    if entries < 0 or data_size < 0 or store_start + data_size > len(blob):
        raise ValueError("header sizes out of range")
    store = blob[store_start : store_start + data_size]
    values: dict[str, str | int] = {}
    for position in range(entries):
        tag, kind, offset, count = _INDEX_ENTRY.unpack_from(blob, 8 + position * _INDEX_ENTRY.size)
        name = TAGS.get(tag)
        if name is None or not 0 <= offset < data_size:
            continue
        if kind in (_STRING, _STRING_ARRAY, _I18NSTRING):
            end = store.find(b"\0", offset)
            values[name] = store[offset : end if end >= 0 else None].decode("utf-8", errors="replace")
        elif kind == _INT32 and count >= 1 and offset + 4 <= data_size:
            values[name] = struct.unpack_from(">i", store, offset)[0]
    return values


def _open_readonly(path: str) -> sqlite3.Connection:
    # immutable=1: never create journal or lock files beside a recorded tree's database.
    return sqlite3.connect(f"file:{quote(path)}?mode=ro&immutable=1", uri=True)


def package_component(header: dict[str, str | int], ref: str, distro: str | None) -> Component:
    name = str(header["name"])
    version = str(header.get("version", ""))
    if header.get("release"):
        version = f"{version}-{header['release']}"
    if header.get("epoch") not in (None, 0):
        version = f"{header['epoch']}:{version}"
    source_rpm = str(header.get("sourcerpm") or "")
    properties = {
        "version": version or None,
        "architecture": header.get("arch"),
        "vendor_name": header.get("vendor"),
        "maintainer": header.get("packager"),
        "homepage": header.get("url"),
        "license": header.get("license"),
        "summary": header.get("summary"),
        # "bash-5.2.15-3.fc38.src.rpm" -> "bash": drop ".src.rpm", then version and release.
        "source_package": source_rpm.rsplit("-", 2)[0] if source_rpm.count("-") >= 2 else None,
        "distribution": distro,
    }
    return installed_package("rpm", name, properties, ref=ref)


def collect(machine: MachineRoot) -> Iterator[Component]:
    for db_dir in DB_DIRS:
        sqlite_path = f"{db_dir}/rpmdb.sqlite"
        if machine.exists(sqlite_path):
            yield from _read_sqlite(machine, sqlite_path)
            return
    for db_dir in DB_DIRS:
        for file_name, format_name in _UNREAD_FORMATS.items():
            if machine.exists(f"{db_dir}/{file_name}"):
                machine.note(SOURCE, f"{db_dir}/{file_name}", f"{format_name} rpm database not read; rpm packages not listed")
                return


def _read_sqlite(machine: MachineRoot, machine_path: str) -> Iterator[Component]:
    distro = distribution(machine)
    try:
        with closing(_open_readonly(str(machine.path(machine_path)))) as connection:
            rows = connection.execute("SELECT hnum, blob FROM Packages").fetchall()
    except sqlite3.Error as err:
        machine.note(SOURCE, machine_path, f"unreadable rpm database: {err}")
        return
    seen: set[str] = set()
    for hnum, blob in rows:
        try:
            header = parse_header(bytes(blob))
        except (ValueError, struct.error) as err:
            machine.note(SOURCE, machine_path, f"package header {hnum} unreadable: {err}")
            continue
        if "name" not in header:
            continue
        name = str(header["name"])
        # Several versions of one name coexist (kernel, gpg-pubkey): keep each.
        ref = f"rpm:{name}" if name not in seen else f"rpm:{name}-{header.get('version')}-{header.get('release')}.{header.get('arch', '')}"
        seen.add(name)
        yield package_component(header, ref, distro)
