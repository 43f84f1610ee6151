"""Every PCI function in /sys/bus/pci/devices: ids, subsystem ids, class, revision and driver."""

from __future__ import annotations

from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import bus_device, pci_devices
from doorwatch.model import Component

SOURCE = "pci"
ORDER = 20


def collect(machine: MachineRoot) -> Iterator[Component]:
    for device in pci_devices(machine):
        properties = dict(device.properties)
        upstream = bus_device(machine, device.path.rsplit("/", 1)[0])
        if upstream is not None:
            properties["parent"] = upstream.ref
        yield Component(ref=device.ref, kind="pci", category="hardware", name=device.name, ids=dict(device.ids), properties=properties)
