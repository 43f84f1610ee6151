"""Saved `dmidecode` output: the firmware's own description of the machine (SMBIOS).

Read: BIOS (type 0), System (1), Base Board (2), Processor (4), Memory Device
(17), IPMI Device (38) and Management Controller Host Interface (42); the two
last reveal a BMC even when its PCI functions are hidden.
"""

from __future__ import annotations

import re
from typing import Iterator

from doorwatch.collect.imports.devices import features_of
from doorwatch.collect.imports.result import ImportedMachine
from doorwatch.model import Component, Evidence

NAME = "dmidecode"

_HANDLE = re.compile(r"^Handle 0x(?P<handle>[0-9A-Fa-f]+), DMI type (?P<type>\d+), \d+ bytes")
# Values the firmware leaves unset; not worth a property.
_PLACEHOLDERS = {"", "not specified", "not present", "unknown", "to be filled by o.e.m.", "default string", "none", "n/a", "not provided", "system product name", "system manufacturer", "0123456789"}
# The CPUID vendor string a processor manufacturer stands for (what `kb lookup cpu:...` takes).
_CPU_VENDOR_IDS = {
    "intel": "GenuineIntel",
    "amd": "AuthenticAMD",
    "advanced micro devices": "AuthenticAMD",
    "hygon": "HygonGenuine",
    "zhaoxin": "  Shanghai  ",
    "centaur": "CentaurHauls",
    "via": "CentaurHauls",
}


def cpu_vendor_id(manufacturer: str) -> str | None:
    """"Intel(R) Corporation" -> "GenuineIntel"; a CPUID vendor string passes through."""
    if manufacturer in _CPU_VENDOR_IDS.values():
        return manufacturer
    return next((cpu_id for word, cpu_id in _CPU_VENDOR_IDS.items() if re.search(rf"\b{word}\b", manufacturer, re.I)), None)


def detect(text: str) -> str | None:
    return "dmidecode" if any(_HANDLE.match(line) for line in text.splitlines()[:400]) else None


def structures(text: str) -> Iterator[tuple[int, str, dict[str, str]]]:
    """(DMI type, title, fields) of each structure, in file order."""
    dmi_type, title, fields = None, "", {}
    for line in text.splitlines():
        handle = _HANDLE.match(line)
        if handle:
            if dmi_type is not None:
                yield dmi_type, title, fields
            dmi_type, title, fields = int(handle["type"]), "", {}
        elif dmi_type is None or not line.strip():
            continue
        elif not line[0].isspace() and not title:
            title = line.strip()
        elif line.startswith("\t") and not line.startswith("\t\t"):
            key, _, value = line.strip().partition(":")
            fields[key.strip()] = value.strip()
    if dmi_type is not None:
        yield dmi_type, title, fields


def parse(text: str, format_name: str) -> ImportedMachine:
    imported = ImportedMachine(format=format_name)
    counts: dict[int, int] = {}
    for dmi_type, title, fields in structures(text):
        index = counts[dmi_type] = counts.get(dmi_type, -1) + 1
        builder = _BUILDERS.get(dmi_type)
        component = builder(fields, index) if builder else None
        if component is None:
            continue
        component.properties["dmi_type"] = dmi_type
        component.properties.setdefault("dmi_title", title)
        imported.add(component, features_of(component, seen=Evidence(kind="smbios", value=f"DMI type {dmi_type}: {title}", detail=component.name)))
    return imported


def _value(fields: dict[str, str], key: str) -> str | None:
    value = fields.get(key, "").strip()
    return None if value.lower() in _PLACEHOLDERS else value


def _values(fields: dict[str, str], **keys: str) -> dict[str, object]:
    """Properties named by `keys` (property=dmidecode field), set ones only."""
    found = {prop: _value(fields, field) for prop, field in keys.items()}
    return {prop: value for prop, value in found.items() if value}


def _bios(fields: dict[str, str], index: int) -> Component:
    return Component(
        ref="dmi:bios" if index == 0 else f"dmi:bios:{index}",
        kind="bios",
        category="firmware",
        name=_value(fields, "Version") or "BIOS",
        properties=_values(fields, vendor_name="Vendor", bios_version="Version", bios_date="Release Date", bios_release="BIOS Revision", ec_firmware_release="Firmware Revision"),
    )


def _system(fields: dict[str, str], index: int) -> Component:
    return Component(
        ref="dmi:system" if index == 0 else f"dmi:system:{index}",
        kind="system",
        category="hardware",
        name=_value(fields, "Product Name") or f"{_value(fields, 'Manufacturer') or 'unknown'} system",
        properties=_values(
            fields, vendor_name="Manufacturer", product_name="Product Name", product_version="Version", product_family="Family", product_sku="SKU Number", product_serial="Serial Number", product_uuid="UUID"
        ),
    )


def _board(fields: dict[str, str], index: int) -> Component:
    return Component(
        ref="dmi:board" if index == 0 else f"dmi:board:{index}",
        kind="board",
        category="hardware",
        name=_value(fields, "Product Name") or f"{_value(fields, 'Manufacturer') or 'unknown'} board",
        properties=_values(fields, vendor_name="Manufacturer", board_name="Product Name", board_version="Version", board_serial="Serial Number"),
    )


def _processor(fields: dict[str, str], index: int) -> Component | None:
    if "Not Populated" in fields.get("Status", "") or fields.get("Type", "Central Processor") != "Central Processor":
        return None
    manufacturer = _value(fields, "Manufacturer") or ""
    vendor_id = cpu_vendor_id(manufacturer)
    return Component(
        ref=f"cpu:{index}",
        kind="cpu",
        category="hardware",
        name=_value(fields, "Version") or manufacturer or "processor",
        ids={"cpu": vendor_id} if vendor_id else {},
        properties=_values(
            fields, vendor_name="Manufacturer", socket="Socket Designation", family="Family", signature="Signature", cpuid="ID", cores="Core Count", threads="Thread Count", max_speed="Max Speed"
        ),
    )


def _memory(fields: dict[str, str], index: int) -> Component | None:
    size = fields.get("Size", "")
    if not size or size.startswith("No Module"):
        return None
    return Component(
        ref=f"memory:{index}",
        kind="memory",
        category="hardware",
        name=" ".join(filter(None, [_value(fields, "Manufacturer"), _value(fields, "Part Number"), size])),
        properties=_values(fields, vendor_name="Manufacturer", part_number="Part Number", size="Size", type="Type", speed="Speed", locator="Locator", bank="Bank Locator"),
    )


def _ipmi(fields: dict[str, str], index: int) -> Component:
    return Component(
        ref=f"bmc:{index}",
        kind="bmc",
        category="hardware",
        name=f"IPMI BMC ({_value(fields, 'Interface Type') or 'unknown interface'})",
        properties=_values(fields, interface="Interface Type", ipmi_version="Specification Version", base_address="Base Address", i2c_address="I2C Slave Address"),
    )


def _host_interface(fields: dict[str, str], index: int) -> Component:
    return Component(
        ref=f"bmc:host-interface:{index}",  # a second way into the same BMC, kept apart from its IPMI record
        kind="bmc",
        category="hardware",
        name=f"Management controller host interface ({_value(fields, 'Host Interface Type') or 'unknown'})",
        properties=_values(fields, interface="Host Interface Type", protocol="Protocol ID"),
    )


_BUILDERS = {0: _bios, 1: _system, 2: _board, 4: _processor, 17: _memory, 38: _ipmi, 42: _host_interface}
