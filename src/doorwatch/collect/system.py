"""The running kernel: release and build line (the distribution itself comes from os-release)."""

from __future__ import annotations

import platform
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component

SOURCE = "system"
ORDER = 1


def kernel_release(machine: MachineRoot) -> str | None:
    """The kernel release (`uname -r`) of the machine read: from /proc, or from uname on the live machine."""
    return machine.read_value("/proc/sys/kernel/osrelease", SOURCE) or (platform.release() if machine.live else None)


def collect(machine: MachineRoot) -> Iterator[Component]:
    release = kernel_release(machine)
    if not release:
        return
    properties = {"release": release, "path": "/proc/sys/kernel/osrelease"}
    build = machine.read_value("/proc/version", SOURCE)
    if build:
        properties["build"] = build
    yield Component(ref="kernel", kind="kernel", category="software", name=f"Linux {release}", properties=properties)
