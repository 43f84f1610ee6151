"""The operating system, from /etc/os-release (or /usr/lib/os-release).

Also answers `distribution(machine)`, the distribution name every package
collector records, so a Kylin or UOS package is told apart from a Debian one.
"""

from __future__ import annotations

import shlex
import weakref
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component

SOURCE = "os-release"
ORDER = 10

_OS_RELEASE_PATHS = ("/etc/os-release", "/usr/lib/os-release")


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting, as os-release(5) defines them."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            parts = shlex.split(value)
        except ValueError:
            parts = [value.strip("\"'")]
        fields[key.strip()] = " ".join(parts)
    return fields


_CACHE: "weakref.WeakKeyDictionary[MachineRoot, dict[str, str]]" = weakref.WeakKeyDictionary()


def os_release(machine: MachineRoot) -> dict[str, str]:
    """The machine's os-release fields, read once per machine; {} when neither file exists."""
    if machine not in _CACHE:
        texts = (machine.read_text(path, SOURCE) for path in _OS_RELEASE_PATHS)
        _CACHE[machine] = parse_os_release(next((text for text in texts if text is not None), ""))
    return _CACHE[machine]


def distribution(machine: MachineRoot) -> str | None:
    """A short distribution name such as "Debian", "Ubuntu", "Kylin" or "UOS"."""
    fields = os_release(machine)
    name = fields.get("NAME") or fields.get("ID")
    if not name:
        return None
    # NAME is often "Debian GNU/Linux" or "Kylin Linux Advanced Server": keep the brand word.
    first = name.split()[0]
    if first.lower() in {"linux", "gnu/linux"}:
        return name
    # A short all-lowercase NAME ("uos") is an acronym written as an id.
    return first.upper() if first.islower() and len(first) <= 4 else first


def collect(machine: MachineRoot) -> Iterator[Component]:
    fields = os_release(machine)
    if not fields:
        machine.note(SOURCE, _OS_RELEASE_PATHS[0], "missing: operating system unknown")
        return
    os_id = fields.get("ID", "linux")
    properties = {
        "version": fields.get("VERSION_ID") or fields.get("VERSION"),
        "distribution": distribution(machine),
        "id_like": fields.get("ID_LIKE"),
        "codename": fields.get("VERSION_CODENAME"),
        "homepage": fields.get("HOME_URL"),
        "vendor_name": fields.get("VENDOR_NAME"),
    }
    yield Component(
        ref=f"os:{os_id}",
        kind="operating-system",
        category="software",
        name=fields.get("PRETTY_NAME") or fields.get("NAME") or os_id,
        ids={"os": os_id},
        properties={key: value for key, value in properties.items() if value},
    )
