"""GPUs: PCI display controllers (class 0x03), with what NVIDIA's and AMD's drivers add about them."""

from __future__ import annotations

import re
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import pci_devices
from doorwatch.model import Component

SOURCE = "gpu"
ORDER = 30

_NVIDIA = "/proc/driver/nvidia"
_NVRM_VERSION = re.compile(r"Kernel Module(?: for \S+)?\s+(\d[\w.]*)")


def _nvidia_information(machine: MachineRoot, address: str) -> dict[str, str]:
    """Fields of /proc/driver/nvidia/gpus/ADDRESS/information (Model, GPU UUID, Video BIOS...)."""
    text = machine.read_text(f"{_NVIDIA}/gpus/{address}/information", SOURCE) or ""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _nvidia_driver_version(text: str | None) -> str | None:
    """'NVRM version: NVIDIA UNIX [Open ]Kernel Module [for x86_64]  550.54.14  ...' -> '550.54.14'."""
    match = _NVRM_VERSION.search(text or "")
    return match.group(1) if match else None


def collect(machine: MachineRoot) -> Iterator[Component]:
    nvidia_version = machine.read_value(f"{_NVIDIA}/version", SOURCE)
    for device in pci_devices(machine):
        if not (device.properties.get("class") or "").lower().startswith("0x03"):
            continue
        address = device.properties["address"]
        properties = {
            "parent": device.ref,
            "driver": device.driver,
            "class_name": device.properties.get("class_name"),
            "bus_path": device.path,
        }
        name = device.name
        vbios = machine.read_value(f"/sys/bus/pci/devices/{address}/vbios_version", SOURCE)  # amdgpu
        if device.driver == "nvidia":
            info = _nvidia_information(machine, address)
            name = info.get("Model") or name
            vbios = info.get("Video BIOS") or vbios
            properties["uuid"] = info.get("GPU UUID")
            properties["driver_version"] = _nvidia_driver_version(nvidia_version)
        properties["vbios_version"] = vbios
        yield Component(
            ref=f"gpu:{address}",
            kind="gpu",
            category="hardware",
            name=name,
            ids=dict(device.ids),
            properties={key: value for key, value in properties.items() if value},
        )
