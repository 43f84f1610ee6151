"""Radios: Bluetooth, Wi-Fi, WWAN modems and NFC, with their rfkill state.

A radio is "off" when an rfkill switch of its type blocks it (soft: software,
hard: a physical switch). A switch that sits on the radio's own device applies
to that radio; one that sits on no PCI/USB device (a laptop's platform switch
such as thinkpad_acpi's) applies to every radio of its type.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.net import hardware_interfaces, interface_kind
from doorwatch.collect.util import BusDevice, bus_device, evidence, hardware_id, pci_devices, pnp_vendor, usb_devices
from doorwatch.model import Component, Evidence, Feature

SOURCE = "radio"
ORDER = 60

# Kernel drivers that bind only to cellular modems (USB interfaces and PCI functions).
WWAN_DRIVERS = frozenset(
    {"qmi_wwan", "cdc_mbim", "option", "sierra", "sierra_net", "qcserial", "huawei_cdc_ncm", "GobiNet", "GobiSerial",
     "mhi-pci-generic", "mhi_pci_generic", "mtk_t7xx", "iosm"}
)
# USB interface class, subclass and protocol of a Bluetooth controller (Wireless Controller, RF, Bluetooth).
_USB_BLUETOOTH = ("e0", "01", "01")
# USB class and subclass of a Mobile Broadband Interface Model function (CDC MBIM): a cellular modem.
_USB_MBIM = ("02", "0e")


@dataclass
class _Switch:
    path: str
    kind: str
    name: str
    soft: bool
    hard: bool
    device: BusDevice | None


def _switches(machine: MachineRoot) -> list[_Switch]:
    switches = []
    for entry in machine.glob("/sys/class/rfkill", "rfkill*", SOURCE):
        kind = machine.read_value(f"{entry}/type", SOURCE)
        if kind is None:
            continue
        switches.append(
            _Switch(
                path=entry,
                kind=kind,
                name=machine.read_value(f"{entry}/name", SOURCE) or os.path.basename(entry),
                soft=machine.read_value(f"{entry}/soft", SOURCE) == "1",
                hard=machine.read_value(f"{entry}/hard", SOURCE) == "1",
                device=bus_device(machine, entry),
            )
        )
    return switches


def radio_state(switches: list[_Switch], kind: str, device: BusDevice | None) -> tuple[str, list[Evidence]]:
    """'off' when a switch of this kind on the radio's device, or on the platform, blocks it; else 'on'."""
    applicable = [s for s in switches if s.kind == kind and (s.device is None or (device is not None and s.device.ref == device.ref))]
    seen = [evidence(s.path, f"{s.name}: soft={int(s.soft)} hard={int(s.hard)}", detail=f"rfkill {s.kind}") for s in applicable]
    blocked = any(s.soft or s.hard for s in applicable)
    return ("off" if blocked else "on"), seen


def _label(device: BusDevice | None, what: str, node: str, fallback: str) -> str:
    """'Intel Wi-Fi 6 AX201 (phy0)', 'Quectel EM05 WWAN (usb:1-3)': the device's name, the radio type when it lacks it."""
    if device is None:
        return f"{fallback} ({node})"
    if what.lower() in device.name.lower():
        return f"{device.name} ({node})"
    return f"{device.name} {what} ({node})"


def _radio(ref: str, radio: str, name: str, device: BusDevice | None, found: Evidence, switches: list[_Switch], **extra) -> Iterator[Component | Feature]:
    rfkill_kind = {"wifi": "wlan"}.get(radio, radio)
    state, rfkill_evidence = radio_state(switches, rfkill_kind, device)
    properties = device.as_parent() if device else {}
    properties.update(radio=radio, **{key: value for key, value in extra.items() if value})
    yield Component(ref=ref, kind="radio", category="hardware", name=name, ids=dict(device.ids) if device else {}, properties=properties)
    yield Feature(id=radio, component=ref, state=state, evidence=[found, *rfkill_evidence])


def _bluetooth(machine: MachineRoot, switches: list[_Switch]) -> Iterator[Component | Feature]:
    adapters = set()
    for hci in machine.listdir("/sys/class/bluetooth", SOURCE):
        if ":" in hci:
            continue  # hci0:12 is a connection, not an adapter
        base = f"/sys/class/bluetooth/{hci}"
        device = bus_device(machine, base)
        if device is not None:
            adapters.add(device.ref)
        name = _label(device, "Bluetooth", hci, "Bluetooth adapter")
        yield from _radio(f"radio:{hci}", "bluetooth", name, device, evidence(base, hci), switches, address=machine.read_value(f"{base}/address", SOURCE))
    for device in usb_devices(machine):
        interface = next((i for i in device.properties.get("interfaces", []) if (i.get("class"), i.get("subclass"), i.get("protocol")) == _USB_BLUETOOTH), None)
        if interface is None or device.ref in adapters:
            continue
        seen = evidence(f"/sys/bus/usb/devices/{interface['name']}/bInterfaceClass", "e0/01/01", detail="USB Bluetooth interface without an adapter: no driver bound")
        ref = f"radio:{device.ref}"
        yield Component(ref=ref, kind="radio", category="hardware", name=_label(device, "Bluetooth", device.ref, ""), ids=dict(device.ids), properties={**device.as_parent(), "radio": "bluetooth"})
        yield Feature(id="bluetooth", component=ref, state="present", evidence=[seen])


def _wifi(machine: MachineRoot, switches: list[_Switch]) -> Iterator[Component | Feature]:
    phys: dict[str, list[str]] = {phy: [] for phy in machine.listdir("/sys/class/ieee80211", SOURCE)}
    for ifname in hardware_interfaces(machine):
        if interface_kind(machine, ifname) == "wifi":
            phy = machine.readlink_name(f"/sys/class/net/{ifname}/phy80211") or ifname
            phys.setdefault(phy, []).append(ifname)
    for phy, interfaces in phys.items():
        where = f"/sys/class/ieee80211/{phy}" if machine.exists(f"/sys/class/ieee80211/{phy}") else f"/sys/class/net/{interfaces[0]}"
        device = bus_device(machine, where)
        name = _label(device, "Wi-Fi", phy, "Wi-Fi adapter")
        yield from _radio(f"radio:{phy}", "wifi", name, device, evidence(where, phy), switches, interfaces=interfaces)


def modems(machine: MachineRoot) -> dict[str, tuple[BusDevice, list[Evidence]]]:
    """Cellular modems by the ref of their device, with what shows each to be a modem."""
    found: dict[str, tuple[BusDevice, list[Evidence]]] = {}

    def add(device: BusDevice | None, seen: Evidence) -> None:
        if device is not None:
            found.setdefault(device.ref, (device, []))[1].append(seen)

    for entry in machine.listdir("/sys/class/wwan", SOURCE):
        if not machine.exists(f"/sys/class/wwan/{entry}/type"):  # ports have a type; the wwan device has none
            add(bus_device(machine, f"/sys/class/wwan/{entry}"), evidence(f"/sys/class/wwan/{entry}", entry))
    for ifname in hardware_interfaces(machine):
        if interface_kind(machine, ifname) == "wwan":
            add(bus_device(machine, f"/sys/class/net/{ifname}"), evidence(f"/sys/class/net/{ifname}/uevent", "DEVTYPE=wwan"))
    for device in usb_devices(machine):
        for interface in device.properties.get("interfaces", []):
            if interface.get("driver") in WWAN_DRIVERS:
                add(device, evidence(f"/sys/bus/usb/devices/{interface['name']}/driver", interface["driver"]))
            elif (interface.get("class"), interface.get("subclass")) == _USB_MBIM:
                add(device, evidence(f"/sys/bus/usb/devices/{interface['name']}/bInterfaceSubClass", "0e", detail="USB CDC MBIM interface"))
    for device in pci_devices(machine):
        if device.driver in WWAN_DRIVERS:
            add(device, evidence(f"/sys/bus/pci/devices/{device.properties['address']}/driver", device.driver))
    return found


def _wwan(machine: MachineRoot, switches: list[_Switch]) -> Iterator[Component | Feature]:
    for ref, (device, seen) in modems(machine).items():
        yield from _radio(f"radio:{ref}", "wwan", _label(device, "WWAN modem", ref, "WWAN modem"), device, seen[0], switches, seen_by=[item.path for item in seen])


def _nfc(machine: MachineRoot, switches: list[_Switch]) -> Iterator[Component | Feature]:
    for nfc in machine.listdir("/sys/class/nfc", SOURCE):
        base = f"/sys/class/nfc/{nfc}"
        device = bus_device(machine, base)
        holder = machine.realpath(f"{base}/device")
        chip = hardware_id(machine, holder, SOURCE)
        name = _label(device, "NFC", nfc, f"NFC controller {chip or os.path.basename(holder)}")
        components = list(_radio(f"radio:{nfc}", "nfc", name, device, evidence(base, nfc), switches, hardware_id=chip, bus_path=holder))
        if pnp_vendor(chip):
            components[0].ids["pnp"] = pnp_vendor(chip)
        yield from components


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    switches = _switches(machine)
    yield from _bluetooth(machine, switches)
    yield from _wifi(machine, switches)
    yield from _wwan(machine, switches)
    yield from _nfc(machine, switches)
