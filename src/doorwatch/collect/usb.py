"""Every USB device in /sys/bus/usb/devices: ids, strings, device and interface classes, drivers."""

from __future__ import annotations

from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import bus_device, usb_devices
from doorwatch.model import Component

SOURCE = "usb"
ORDER = 21

_LINUX_FOUNDATION = "1d6b"  # the kernel's own root hubs


def collect(machine: MachineRoot) -> Iterator[Component]:
    for device in usb_devices(machine):
        properties = dict(device.properties)
        upstream = bus_device(machine, device.path.rsplit("/", 1)[0])
        if upstream is not None:
            properties["parent"] = upstream.ref
        if device.ids.get("usb", "").startswith(_LINUX_FOUNDATION + ":"):
            properties["root_hub"] = True
        yield Component(
            ref=device.ref,
            kind="usb",
            category="hardware",
            name=device.name,
            ids=dict(device.ids),
            properties={key: value for key, value in properties.items() if value is not None},
        )
