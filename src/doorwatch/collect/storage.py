"""Storage devices: NVMe controllers (/sys/class/nvme) and other block devices (/sys/block).

NVMe namespaces are reported through their controller (model, serial, firmware
revision); SCSI, SATA, USB and MMC disks through their block device. Loop,
RAM, device-mapper and other software block devices are left out.
"""

from __future__ import annotations

from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import bus_device, is_virtual
from doorwatch.model import Component

SOURCE = "storage"
ORDER = 80


def _nvme(machine: MachineRoot) -> Iterator[Component]:
    for controller in machine.listdir("/sys/class/nvme", SOURCE):
        base = f"/sys/class/nvme/{controller}"
        device = bus_device(machine, base)
        model = machine.read_value(f"{base}/model", SOURCE)
        properties = device.as_parent() if device else {}
        properties.update(
            model=model,
            serial=machine.read_value(f"{base}/serial", SOURCE),
            firmware_version=machine.read_value(f"{base}/firmware_rev", SOURCE),
            transport=machine.read_value(f"{base}/transport", SOURCE),
            interface="nvme",
        )
        yield Component(
            ref=f"storage:{controller}",
            kind="storage",
            category="hardware",
            name=model or (device.name if device else f"NVMe controller {controller}"),
            ids=dict(device.ids) if device else {},
            properties={key: value for key, value in properties.items() if value},
        )


def _block(machine: MachineRoot) -> Iterator[Component]:
    for disk in machine.listdir("/sys/block", SOURCE):
        base = f"/sys/block/{disk}"
        if disk.startswith("nvme") or is_virtual(machine, base) or not machine.exists(f"{base}/device"):
            continue
        dev = f"{base}/device"
        vendor = machine.read_value(f"{dev}/vendor", SOURCE)
        if vendor and vendor.startswith("0x"):
            vendor = None  # virtio puts its PCI vendor id here, not a name
        model = machine.read_value(f"{dev}/model", SOURCE) or machine.read_value(f"{dev}/name", SOURCE)  # mmc: name
        device = bus_device(machine, base)
        properties = device.as_parent() if device else {}
        properties.update(
            vendor_name=vendor,
            model=model,
            revision=machine.read_value(f"{dev}/rev", SOURCE) or machine.read_value(f"{dev}/fwrev", SOURCE),
            wwid=machine.read_value(f"{dev}/wwid", SOURCE),
            serial=machine.read_value(f"{dev}/serial", SOURCE),
            mmc_manufacturer_id=machine.read_value(f"{dev}/manfid", SOURCE),  # SD/MMC cards: JEDEC/SDA-assigned
            mmc_oem_id=machine.read_value(f"{dev}/oemid", SOURCE),
            removable=machine.read_value(f"{base}/removable", SOURCE) == "1" or None,
            size_bytes=_size(machine.read_value(f"{base}/size", SOURCE)),
            driver=machine.readlink_name(f"{dev}/driver"),
        )
        ids = dict(device.ids) if device and device.bus == "usb" else {}  # a SATA disk is not its controller
        if device and device.bus == "pci":
            properties["controller"] = properties.pop("parent")
        name = " ".join(part for part in (vendor, model) if part) or (f"{device.name} ({disk})" if device else disk)
        yield Component(ref=f"storage:{disk}", kind="storage", category="hardware", name=name, ids=ids, properties={k: v for k, v in properties.items() if v})


def _size(sectors: str | None) -> int | None:
    return int(sectors) * 512 if sectors and sectors.isdigit() else None


def collect(machine: MachineRoot) -> Iterator[Component]:
    yield from _nvme(machine)
    yield from _block(machine)
