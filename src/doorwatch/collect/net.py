"""Network interfaces with hardware behind them: MAC address, the PCI/USB device, Wake-on-LAN.

Wake-on-LAN comes from the kernel's ethtool netlink interface (through pyroute2)
on the live machine. Where that is not available (a recorded tree, a driver
without WoL support, no permission) the device's `power/wakeup` attribute is
the fallback: drivers arm it when Wake-on-LAN is enabled.
"""

from __future__ import annotations

from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import BusDevice, bus_device, evidence, is_virtual
from doorwatch.model import Component, Evidence, Feature

SOURCE = "net"
ORDER = 40

_NET = "/sys/class/net"
# addr_assign_type: 0 permanent, 1 random, 2 stolen, 3 set by user space; only a permanent address names a maker.
_PERMANENT = "0"


def interface_kind(machine: MachineRoot, ifname: str) -> str:
    """'wifi', 'wwan' or 'ethernet', from the interface's own sysfs entries."""
    base = f"{_NET}/{ifname}"
    if machine.exists(f"{base}/wireless") or machine.exists(f"{base}/phy80211"):
        return "wifi"
    uevent = machine.read_text(f"{base}/uevent", SOURCE) or ""
    if "DEVTYPE=wwan" in uevent.split():
        return "wwan"
    if "DEVTYPE=wlan" in uevent.split():
        return "wifi"
    return "ethernet"


def hardware_interfaces(machine: MachineRoot) -> list[str]:
    """Interfaces a device stands behind (not loopback, bridges, tunnels or veths)."""
    return [name for name in machine.listdir(_NET, SOURCE) if not is_virtual(machine, f"{_NET}/{name}")]


class WakeOnLanReader:
    """Reads Wake-on-LAN over ethtool netlink on the live machine; answers None where it cannot.

    pyroute2 is imported on first use: its import costs more than the rest of the
    hardware inventory, and machines whose NICs cannot wake the system never need it.
    """

    def __init__(self, machine: MachineRoot) -> None:
        self.live = machine.live
        self.ethtool = None

    def read(self, ifname: str) -> Evidence | None:
        if not self.live:
            return None
        if self.ethtool is None:
            try:
                from pyroute2.ethtool import Ethtool

                self.ethtool = Ethtool()
            except Exception:  # no netlink (containers, old kernels): fall back to sysfs
                self.live = False
                return None
        try:
            wol = self.ethtool.get_wol(ifname)
        except Exception:  # the driver has no WoL support or refuses the request: fall back to sysfs
            return None
        if not wol.modes:
            return None
        enabled = sorted(name for name, bit in wol.modes.items() if bit.enable)
        return Evidence(kind="netlink", value=",".join(enabled) or "disabled", detail=f"ethtool wake modes of {ifname}; supported: {','.join(sorted(wol.modes))}")

    def close(self) -> None:
        if self.ethtool is not None:
            self.ethtool.close()


def _wakeup_attribute(machine: MachineRoot, ifname: str, device: BusDevice | None) -> tuple[str, str | None]:
    """(path, value) of the `power/wakeup` attribute of the NIC's device; a USB NIC has it on its USB device."""
    candidates = [f"{_NET}/{ifname}/device/power/wakeup"]
    if device is not None:
        candidates.append(f"{device.path}/power/wakeup")
    for path in candidates:
        value = machine.read_value(path, SOURCE)
        if value is not None:
            return path, value
    return candidates[0], None


def _wake_on_lan(machine: MachineRoot, reader: WakeOnLanReader, ifname: str, device: BusDevice | None, ref: str) -> Feature:
    path, wakeup = _wakeup_attribute(machine, ifname, device)
    if wakeup is None:
        return Feature(id="wake-on-lan", component=ref, state="unknown", evidence=[evidence(path, "absent", detail="the device declares no wakeup capability")])
    seen = reader.read(ifname)
    if seen is not None:
        return Feature(id="wake-on-lan", component=ref, state="off" if seen.value == "disabled" else "on", evidence=[seen])
    state = "on" if wakeup == "enabled" else "off"
    return Feature(id="wake-on-lan", component=ref, state=state, evidence=[evidence(path, wakeup, detail="device wakeup armed by the driver")])


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    reader = WakeOnLanReader(machine)
    try:
        for ifname in hardware_interfaces(machine):
            yield from _interface(machine, reader, ifname)
    finally:
        reader.close()


def _interface(machine: MachineRoot, reader: WakeOnLanReader, ifname: str) -> Iterator[Component | Feature]:
    base = f"{_NET}/{ifname}"
    device = bus_device(machine, base)
    ids = dict(device.ids) if device else {}
    properties = device.as_parent() if device else {}
    kind = interface_kind(machine, ifname)
    mac = machine.read_value(f"{base}/address", SOURCE)
    assignment = machine.read_value(f"{base}/addr_assign_type", SOURCE)
    if mac and mac.strip("0:") and assignment in (_PERMANENT, None):
        ids["mac"] = mac.lower()
    elif mac and mac.strip("0:"):
        properties["assigned_mac"] = mac.lower()  # random or set by software: names no maker
    properties.update(interface=ifname, link=kind, driver=machine.readlink_name(f"{base}/device/driver"), operstate=machine.read_value(f"{base}/operstate", SOURCE))
    ref = f"net:{ifname}"
    yield Component(
        ref=ref,
        kind="nic",
        category="hardware",
        name=f"{device.name} ({ifname})" if device else ifname,
        ids=ids,
        properties={key: value for key, value in properties.items() if value is not None},
    )
    if kind == "ethernet":
        yield _wake_on_lan(machine, reader, ifname, device, ref)
