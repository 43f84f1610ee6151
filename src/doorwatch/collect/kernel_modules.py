"""Loaded kernel modules (/proc/modules), with whether each is in-tree.

A module built outside the kernel tree (taint O) or under a proprietary
licence (taint P) is the kind an auditor asks about: vendor drivers, and
rootkits that load as modules.
"""

from __future__ import annotations

import os
import re
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component

SOURCE = "kernel-modules"
ORDER = 65

MODULES_PATH = "/proc/modules"
_MODULE_DIRS = ("/lib/modules", "/usr/lib/modules")
# "nvidia 56512512 2 nvidia_modeset, Live 0xffffffffc0a00000 (POE)"
_TAINT = re.compile(r"\(([A-Z]+)\)\s*$")
_KO_SUFFIX = re.compile(r"\.ko(\.(xz|zst|gz))?$")


def kernel_release(machine: MachineRoot) -> str | None:
    """The running kernel's release: uname for the live machine, /proc for a recorded tree."""
    if machine.live:
        return os.uname().release
    recorded = machine.read_value("/proc/sys/kernel/osrelease", SOURCE)
    if recorded:
        return recorded
    installed = [name for base in _MODULE_DIRS for name in machine.listdir(base, SOURCE)]
    return installed[0] if len(set(installed)) == 1 else None


def module_paths(machine: MachineRoot, release: str | None) -> dict[str, str]:
    """Module name -> machine path of its .ko file, from the kernel's modules.dep."""
    if not release:
        return {}
    for base in _MODULE_DIRS:
        directory = f"{base}/{release}"
        text = machine.read_text(f"{directory}/modules.dep", SOURCE)
        if text is None:
            continue
        paths = {}
        for line in text.splitlines():
            relative = line.partition(":")[0]
            if relative:
                name = _KO_SUFFIX.sub("", relative.rsplit("/", 1)[-1]).replace("-", "_")
                paths[name] = relative if relative.startswith("/") else f"{directory}/{relative}"
        return paths
    return {}


def parse_modules(text: str) -> Iterator[dict[str, str]]:
    """The fields of each /proc/modules line."""
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        taint = _TAINT.search(line)
        yield {
            "name": parts[0],
            "size": parts[1],
            "refcount": parts[2],
            "used_by": parts[3].strip(",") if len(parts) > 3 and parts[3] != "-" else "",
            "state": parts[4] if len(parts) > 4 else "",
            "taint": taint.group(1) if taint else "",
        }


def collect(machine: MachineRoot) -> Iterator[Component]:
    text = machine.read_text(MODULES_PATH, SOURCE, expected=machine.live)
    if text is None:
        return
    paths = module_paths(machine, kernel_release(machine))
    for module in parse_modules(text):
        name = module["name"]
        # /sys/module/NAME/taint holds the same letters; older kernels show them only there.
        taint = module["taint"] or machine.read_value(f"/sys/module/{name}/taint", SOURCE) or ""
        properties = {
            "version": machine.read_value(f"/sys/module/{name}/version", SOURCE),
            "srcversion": machine.read_value(f"/sys/module/{name}/srcversion", SOURCE),
            "in_tree": not ("O" in taint or "P" in taint),
            "proprietary": "P" in taint,
            "taint": taint or None,
            "size": int(module["size"]) if module["size"].isdigit() else None,
            "used_by": module["used_by"].split(",") if module["used_by"] else None,
            "install_path": paths.get(name),
        }
        yield Component(
            ref=f"module:{name}",
            kind="kernel-module",
            category="software",
            name=name,
            ids={"module": name},
            properties={key: value for key, value in properties.items() if value is not None},
        )
