"""System, board and BIOS from the SMBIOS tables the kernel exports in /sys/class/dmi/id.

Serial numbers and the system UUID are readable by root only; they are read when
running as root or from a recorded tree. Machines without SMBIOS (most ARM
boards) name themselves in the device tree instead.
"""

from __future__ import annotations

from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component

SOURCE = "dmi"
ORDER = 5

_DMI = "/sys/class/dmi/id"

# Values firmware writers leave in unused SMBIOS strings; they name nothing.
_PLACEHOLDERS = {
    "to be filled by o.e.m.", "default string", "system product name", "system manufacturer", "not specified",
    "not applicable", "none", "n/a", "0123456789", "o.e.m.", "oem", "base board product name", "x.x", "123456789",
}

# (ref, kind, category, vendor attribute, name attributes, other attributes, root-only attributes)
_PARTS = (
    ("dmi:system", "system", "hardware", "sys_vendor", ("product_name",),
     ("product_version", "product_family", "product_sku", "chassis_vendor", "chassis_type", "chassis_version"),
     ("product_serial", "product_uuid", "chassis_serial")),
    ("dmi:board", "board", "hardware", "board_vendor", ("board_name",), ("board_version",), ("board_serial",)),
    ("dmi:bios", "bios", "firmware", "bios_vendor", ("bios_version",), ("bios_date", "bios_release", "ec_firmware_release"), ()),
)


def _value(machine: MachineRoot, attribute: str) -> str | None:
    value = machine.read_value(f"{_DMI}/{attribute}", SOURCE)
    if value is None or value.lower() in _PLACEHOLDERS:
        return None
    return value


def collect(machine: MachineRoot) -> Iterator[Component]:
    if not machine.exists(_DMI):
        yield from _device_tree(machine)
        return
    read_private = machine.privileged or not machine.live
    for ref, kind, category, vendor_attr, name_attrs, attrs, private in _PARTS:
        vendor = _value(machine, vendor_attr)
        values = {attr: _value(machine, attr) for attr in (*name_attrs, *attrs, *(private if read_private else ()))}
        name = next((values[attr] for attr in name_attrs if values.get(attr)), None)
        if vendor is None and name is None:
            continue
        properties = {"vendor_name": vendor, **values, "source_path": f"{_DMI}/{name_attrs[0]}"}
        if kind == "system" and values.get("product_version") and name and not any(c.isspace() for c in name):
            # Some makers (Lenovo) put a machine-type code in product_name and the model in product_version.
            properties["model"] = values["product_version"]
        yield Component(
            ref=ref,
            kind=kind,
            category=category,
            name=name or f"{vendor} {kind}",
            properties={key: value for key, value in properties.items() if value},
        )


def _device_tree(machine: MachineRoot) -> Iterator[Component]:
    model = machine.read_value("/sys/firmware/devicetree/base/model", SOURCE)
    if not model:
        return
    compatible = machine.read_text("/sys/firmware/devicetree/base/compatible", SOURCE) or ""
    parts = [part for part in compatible.split("\x00") if part]
    properties = {"compatible": parts, "source_path": "/sys/firmware/devicetree/base/model"}
    if parts and "," in parts[0]:
        properties["vendor_name"] = parts[0].split(",", 1)[0]
    yield Component(ref="dmi:system", kind="system", category="hardware", name=model, properties=properties)
