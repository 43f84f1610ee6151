"""Trusted Platform Modules (/sys/class/tpm): version, interface, and the maker where the kernel says it.

TPM 1.2 chips report their TCG vendor id in `caps`; the ACPI/PnP id of the
device (IFX0102, NTC0702, STM0125...) often names the maker of either version.
"""

from __future__ import annotations

import re
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import evidence, hardware_id, pnp_vendor
from doorwatch.model import Component, Feature

SOURCE = "tpm"
ORDER = 72

_CAPS_MANUFACTURER = re.compile(r"Manufacturer:\s*0x([0-9a-fA-F]{1,8})")
_CAPS_FIELD = re.compile(r"^(TCG version|Firmware version):\s*(.+)$", re.M)


def tcg_vendor(value: int) -> str:
    """The four-byte TCG vendor id as the ASCII it encodes (0x49465800 -> 'IFX')."""
    return value.to_bytes(4, "big").rstrip(b"\x00").decode("ascii", errors="replace").strip()


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    for tpm in machine.listdir("/sys/class/tpm", SOURCE):
        base = f"/sys/class/tpm/{tpm}"
        device_path = machine.realpath(f"{base}/device")
        caps = machine.read_text(f"{base}/device/caps", SOURCE) or ""
        fields = dict(_CAPS_FIELD.findall(caps))
        major = machine.read_value(f"{base}/tpm_version_major", SOURCE)
        version = major or fields.get("TCG version", "").split(".")[0] or None
        chip_id = hardware_id(machine, device_path, SOURCE)
        properties = {
            "version": fields.get("TCG version") or (f"{version}.0" if version else None),
            "hardware_id": chip_id,
            "driver": machine.readlink_name(f"{base}/device/driver"),
            "firmware_version": fields.get("Firmware version"),
            "bus_path": device_path,
        }
        ids = {}
        manufacturer = _CAPS_MANUFACTURER.search(caps)
        if manufacturer:
            properties["tcg_vendor"] = tcg_vendor(int(manufacturer.group(1), 16))
        if pnp_vendor(chip_id):
            ids["pnp"] = pnp_vendor(chip_id)
        description = machine.read_value(f"{device_path}/description", SOURCE)
        name = description or f"TPM {properties['version'] or ''}".strip()
        ref = f"tpm:{tpm}"
        yield Component(ref=ref, kind="tpm", category="hardware", name=name, ids=ids, properties={k: v for k, v in properties.items() if v})
        if major:
            seen = evidence(f"{base}/tpm_version_major", major)
        elif caps:
            seen = evidence(f"{base}/device/caps", caps.splitlines()[0])
        else:
            seen = evidence(base, tpm)
        yield Feature(id="tpm", component=ref, state="present", evidence=[seen])
