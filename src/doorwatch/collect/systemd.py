"""Enabled systemd units: services, sockets and timers that start on their own.

A unit is enabled when a `*.wants/` or `*.requires/` directory links to it:
by the administrator under /etc/systemd/system, or by the distribution under
/usr/lib/systemd/system. Each unit file gives its description and the program
it starts; dpkg's file lists give the package that shipped it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterator

from doorwatch.collect.dpkg import owning_packages
from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component

SOURCE = "systemd"
ORDER = 66

# (directory, who enabled its units) in systemd's own precedence order.
ENABLING_DIRS = (("/etc/systemd/system", "admin"), ("/usr/lib/systemd/system", "vendor"), ("/lib/systemd/system", "vendor"))
UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system")
UNIT_TYPES = (".service", ".socket", ".timer")
_EXEC_PREFIXES = "@-:+!"


@dataclass
class EnabledUnit:
    enabled_by: str
    link: str | None
    wanted_by: set[str] = field(default_factory=set)


def enabled_units(machine: MachineRoot) -> dict[str, EnabledUnit]:
    """Unit name -> the targets that want it, who enabled it and where the link points."""
    units: dict[str, EnabledUnit] = {}
    for base, enabled_by in ENABLING_DIRS:
        for wants_dir in machine.glob(base, "*.wants", SOURCE) + machine.glob(base, "*.requires", SOURCE):
            target = wants_dir.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            for unit in machine.listdir(wants_dir, SOURCE):
                if not unit.endswith(UNIT_TYPES):
                    continue
                if unit not in units:
                    units[unit] = EnabledUnit(enabled_by, _link_target(machine, f"{wants_dir}/{unit}"))
                units[unit].wanted_by.add(target)
    return units


def _link_target(machine: MachineRoot, machine_path: str) -> str | None:
    """Where an enablement symlink points, as a machine path (links are absolute or relative)."""
    try:
        target = os.readlink(machine.path(machine_path))
    except OSError:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(machine_path), target))


def unit_file(machine: MachineRoot, unit: str, link: str | None) -> str | None:
    """The machine path of the unit's file; instances `getty@tty1` use the template `getty@`."""
    candidates = [link] if link else []
    names = [unit]
    if "@" in unit:
        prefix, _, suffix = unit.partition("@")
        names.append(f"{prefix}@{suffix[suffix.rfind('.'):]}")
    candidates += [f"{directory}/{name}" for directory in UNIT_DIRS for name in names]
    for candidate in candidates:
        resolved = _resolve(machine, candidate)
        if resolved and machine.exists(resolved) and not machine.is_dir(resolved):
            return resolved
    return None


def _resolve(machine: MachineRoot, machine_path: str) -> str | None:
    """Follow a chain of unit symlinks (aliases) inside the machine; an absolute target is a machine path."""
    for _ in range(8):
        if not os.path.islink(machine.path(machine_path)):
            return machine_path
        resolved = _link_target(machine, machine_path)
        if resolved is None or resolved == "/dev/null":  # masked
            return None
        machine_path = resolved
    return None


def parse_unit(text: str) -> dict[str, str]:
    """Description and the first ExecStart program of a unit file."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        key = key.strip()
        if not sep or key in fields or key not in ("Description", "ExecStart", "ListenStream", "OnCalendar"):
            continue
        value = value.strip()
        if key == "ExecStart":
            value = value.lstrip(_EXEC_PREFIXES).split(maxsplit=1)[0] if value.lstrip(_EXEC_PREFIXES) else ""
        if value:
            fields[key] = value
    return fields


def collect(machine: MachineRoot) -> Iterator[Component]:
    units = enabled_units(machine)
    paths = {unit: unit_file(machine, unit, entry.link) for unit, entry in units.items()}
    packages = owning_packages(machine, [path for path in paths.values() if path])
    for unit, entry in sorted(units.items()):
        path = paths[unit]
        fields = parse_unit(machine.read_text(path, SOURCE) or "") if path else {}
        properties = {
            "state": "enabled",
            "enabled_by": entry.enabled_by,
            "wanted_by": sorted(entry.wanted_by),
            "description": fields.get("Description"),
            "executable": fields.get("ExecStart"),
            "listen": fields.get("ListenStream"),
            "schedule": fields.get("OnCalendar"),
            "install_path": path,
            "package": packages.get(path) if path else None,
        }
        if path is None:
            machine.note(SOURCE, entry.link, f"unit file of enabled {unit} not found")
        yield Component(
            ref=f"service:{unit}",
            kind="service",
            category="software",
            name=unit,
            ids={"service": unit},
            properties={key: value for key, value in properties.items() if value},
        )
