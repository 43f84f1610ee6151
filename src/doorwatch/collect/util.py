"""What several collectors share: the PCI and USB device lists, the bus device behind a class device, names.

The PCI and USB lists are read once per MachineRoot and kept, so collectors that
look at the same devices (GPUs, NICs, the ME, the BMC) neither read sysfs twice
nor note an unreadable attribute twice.
"""

from __future__ import annotations

import functools
import re
import weakref
from dataclasses import dataclass, field
from typing import Any

from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Evidence

_PCI_ROOT = "/sys/bus/pci/devices"
_USB_ROOT = "/sys/bus/usb/devices"


@dataclass
class BusDevice:
    """A PCI function or USB device as sysfs describes it."""

    ref: str
    bus: str
    name: str
    path: str
    ids: dict[str, str] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def driver(self) -> str | None:
        return self.properties.get("driver")

    def as_parent(self) -> dict[str, Any]:
        """How a component found on this device names it: its ref and sysfs path."""
        return {"parent": self.ref, "bus_path": self.path}


@dataclass
class _Buses:
    pci: list[BusDevice]
    usb: list[BusDevice]
    by_path: dict[str, BusDevice]


_CACHE: "weakref.WeakKeyDictionary[MachineRoot, _Buses]" = weakref.WeakKeyDictionary()


@functools.cache
def _knowledge_base():
    """The shared knowledge base, or None where it cannot be loaded (names then fall back to ids)."""
    try:
        from doorwatch.kb import KnowledgeBase

        return KnowledgeBase.load()
    except Exception:  # a missing or damaged index must not stop the inventory; names fall back to ids
        return None


def id_names(bus: str, vendor: str, device: str) -> tuple[str | None, str | None]:
    """(vendor name, device name) from pci.ids / usb.ids through the knowledge base."""
    kb = _knowledge_base()
    if kb is None:
        return None, None
    return kb.pci_names(vendor, device) if bus == "pci" else kb.usb_names(vendor, device)


def pci_class_name(class_code: str) -> str | None:
    kb = _knowledge_base()
    return kb.pci_class_name(class_code) if kb is not None else None


def device_name(bus: str, vendor: str | None, device: str | None, fallback: str) -> str:
    """'Vendor Device' from the id databases; `fallback` (such as 'PCI device 8086:a0f0') after the vendor's name when only that is known."""
    if not vendor or not device:
        return fallback
    vendor_name, product_name = id_names(bus, vendor, device)
    if product_name:
        return f"{vendor_name} {product_name}" if vendor_name else product_name
    return f"{vendor_name} {fallback}" if vendor_name and fallback else fallback


def hex_id(value: str | None) -> str | None:
    """'0x8086' -> '8086', lower case, 4 digits; None when absent or not hex."""
    if not value:
        return None
    text = value.strip().lower().removeprefix("0x")
    try:
        int(text, 16)
    except ValueError:
        return None
    return text.zfill(4)


def evidence(machine_path: str, value: str, kind: str = "sysfs", detail: str | None = None) -> Evidence:
    return Evidence(kind=kind, value=value, path=machine_path, detail=detail)


def _read_pci(machine: MachineRoot, source: str, address: str) -> BusDevice:
    base = f"{_PCI_ROOT}/{address}"
    vendor = hex_id(machine.read_value(f"{base}/vendor", source))
    device = hex_id(machine.read_value(f"{base}/device", source))
    sub_vendor = hex_id(machine.read_value(f"{base}/subsystem_vendor", source))
    sub_device = hex_id(machine.read_value(f"{base}/subsystem_device", source))
    pci_class = machine.read_value(f"{base}/class", source)
    ids = {}
    if vendor and device:
        ids["pci"] = f"{vendor}:{device}"
    else:
        machine.note(source, base, "PCI device without readable vendor and device ids")
    if sub_vendor and sub_device and sub_vendor != "0000":
        ids["pci_subsystem"] = f"{sub_vendor}:{sub_device}"
    properties: dict[str, Any] = {
        "address": address,
        "class": pci_class,
        "class_name": pci_class_name(pci_class) if pci_class else None,
        "revision": machine.read_value(f"{base}/revision", source),
        "driver": machine.readlink_name(f"{base}/driver"),
        "module": machine.readlink_name(f"{base}/driver/module"),
        "path": machine.realpath(base),
    }
    name = device_name("pci", vendor, device, f"PCI device {ids.get('pci', address)}")
    return BusDevice(f"pci:{address}", "pci", name, properties["path"], ids, _clean(properties))


def _read_usb(machine: MachineRoot, source: str, name: str) -> BusDevice:
    base = f"{_USB_ROOT}/{name}"
    vendor = hex_id(machine.read_value(f"{base}/idVendor", source))
    product = hex_id(machine.read_value(f"{base}/idProduct", source))
    ids = {"usb": f"{vendor}:{product}"} if vendor and product else {}
    if not ids:
        machine.note(source, base, "USB device without readable idVendor and idProduct")
    manufacturer = machine.read_value(f"{base}/manufacturer", source)
    product_string = machine.read_value(f"{base}/product", source)
    fallback = f"USB device {ids.get('usb', name)}"
    properties: dict[str, Any] = {
        "vendor_name": manufacturer,
        "product": product_string,
        "serial": machine.read_value(f"{base}/serial", source),
        "class": machine.read_value(f"{base}/bDeviceClass", source),
        "speed_mbps": machine.read_value(f"{base}/speed", source),
        "usb_version": machine.read_value(f"{base}/version", source),
        "removable": machine.read_value(f"{base}/removable", source),
        "interfaces": _usb_interfaces(machine, source, name),
        "path": machine.realpath(base),
    }
    registry_name = device_name("usb", vendor, product, "")
    display = product_string or registry_name or fallback
    if product_string and manufacturer and not product_string.startswith(manufacturer):
        display = f"{manufacturer} {product_string}"
    return BusDevice(f"usb:{name}", "usb", display, properties["path"], ids, _clean(properties))


def _usb_interfaces(machine: MachineRoot, source: str, device: str) -> list[dict[str, Any]]:
    """Each interface of the active configuration: number, class triple, driver and its string."""
    found = []
    for name in machine.listdir(f"{_USB_ROOT}/{device}", source):
        if not name.startswith(f"{device}:"):
            continue
        base = f"{_USB_ROOT}/{device}/{name}"
        found.append(
            _clean(
                {
                    "name": name,
                    "number": machine.read_value(f"{base}/bInterfaceNumber", source),
                    "class": machine.read_value(f"{base}/bInterfaceClass", source),
                    "subclass": machine.read_value(f"{base}/bInterfaceSubClass", source),
                    "protocol": machine.read_value(f"{base}/bInterfaceProtocol", source),
                    "driver": machine.readlink_name(f"{base}/driver"),
                    "interface": machine.read_value(f"{base}/interface", source),
                }
            )
        )
    return found


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "", [])}


def buses(machine: MachineRoot) -> _Buses:
    """The machine's PCI and USB devices, read once per MachineRoot."""
    cached = _CACHE.get(machine)
    if cached is None:
        pci = [_read_pci(machine, "pci", address) for address in machine.listdir(_PCI_ROOT, "pci")]
        usb = [_read_usb(machine, "usb", name) for name in machine.listdir(_USB_ROOT, "usb") if ":" not in name]
        cached = _Buses(pci, usb, {device.path: device for device in [*pci, *usb]})
        _CACHE[machine] = cached
    return cached


def pci_devices(machine: MachineRoot) -> list[BusDevice]:
    return buses(machine).pci


def usb_devices(machine: MachineRoot) -> list[BusDevice]:
    return buses(machine).usb


# Buses whose devices are devices of their own even when their controller sits on PCI or USB
# (an NFC chip on I2C, Wi-Fi on SDIO): the controller's ids would name the wrong maker.
_OWN_BUSES = frozenset({"i2c", "i3c", "spi", "sdio", "mmc", "serio", "platform", "spmi", "w1", "pnp", "acpi"})


def bus_device(machine: MachineRoot, machine_path: str) -> BusDevice | None:
    """The PCI or USB device a class device (such as /sys/class/net/eth0) belongs to, or None.

    Walks up from the device; stops at a device of another bus (I2C, SPI, SDIO, platform) in between.
    """
    by_path = buses(machine).by_path
    real = machine.realpath(machine_path)
    while real not in ("/", ""):
        if real in by_path:
            return by_path[real]
        if machine.readlink_name(f"{real}/subsystem") in _OWN_BUSES:
            return None
        real = real.rsplit("/", 1)[0]
    return None


_PNP_ID = re.compile(r"^([A-Z]{3})[0-9A-F]{4}$")


def hardware_id(machine: MachineRoot, device_path: str, source: str) -> str | None:
    """The ACPI or PnP hardware id of a device (IFX0102, NXP1001, MSFT0101), from sysfs."""
    for attribute in ("firmware_node/hid", "hid"):
        value = machine.read_value(f"{device_path}/{attribute}", source)
        if value:
            return value
    pnp = machine.read_value(f"{device_path}/id", source)  # PnP devices list their ids one a line, own id first
    if pnp:
        return pnp.split()[0]
    modalias = machine.read_value(f"{device_path}/modalias", source) or ""
    if modalias.startswith("acpi:"):
        return modalias.split(":")[1] or None
    return None


def pnp_vendor(hardware_id_value: str | None) -> str | None:
    """The three-letter maker code of a PnP id ('IFX0102' -> 'IFX'); None for generic (PNP) and ACPI-style ids."""
    match = _PNP_ID.match(hardware_id_value or "")
    if not match or match.group(1) == "PNP":
        return None
    return match.group(1)


def is_virtual(machine: MachineRoot, machine_path: str) -> bool:
    """True for software devices (loopback, bridges, loop disks) that no hardware stands behind."""
    return machine.realpath(machine_path).startswith("/sys/devices/virtual/")
