"""Location hardware: GNSS receivers and the GNSS (NMEA) ports of cellular modems.

Three places say a port carries positions:
- the kernel's GNSS class (/sys/class/gnss) and WWAN ports of type NMEA;
- ModemManager's port-type rules on the machine (77-mm-*-port-types.rules), which
  name the modem interface that speaks NMEA, and the udev database entries those
  rules wrote on the live machine (ID_MM_PORT_TYPE_GPS);
- a USB interface whose own string names GNSS, GPS or NMEA.
"""

from __future__ import annotations

import os
import re
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import BusDevice, bus_device, evidence
from doorwatch.model import Component, Evidence, Feature

SOURCE = "location"
ORDER = 61

_RULE_DIRS = ("/usr/lib/udev/rules.d", "/lib/udev/rules.d", "/etc/udev/rules.d")
_ATTR = re.compile(r'ATTRS\{(idVendor|idProduct)\}=="([0-9a-fA-F]{4})"')
_IFNUM = re.compile(r'ENV\{\.MM_USBIFNUM\}=="([0-9a-fA-F]{2})"')
_LOCATION_WORDS = re.compile(r"\b(gnss|gps|nmea|glonass|beidou)\b", re.I)


def gps_port_rules(machine: MachineRoot) -> dict[tuple[str, str | None, str], str]:
    """(vendor, product or None, interface number) -> the rules file that marks that interface as GPS."""
    rules: dict[tuple[str, str | None, str], str] = {}
    for directory in _RULE_DIRS:
        for path in machine.glob(directory, "*mm-*port-types.rules", SOURCE):
            for line in (machine.read_text(path, SOURCE) or "").splitlines():
                if "ID_MM_PORT_TYPE_GPS" not in line or line.lstrip().startswith("#"):
                    continue
                attrs = {key: value.lower() for key, value in _ATTR.findall(line)}
                interface = _IFNUM.search(line)
                if "idVendor" in attrs and interface:
                    rules[(attrs["idVendor"], attrs.get("idProduct"), interface.group(1).lower())] = path
    return rules


def _tty_location(machine: MachineRoot, tty: str, rules: dict[tuple[str, str | None, str], str]) -> tuple[BusDevice, Evidence] | None:
    """The modem and the evidence when a USB serial port carries NMEA."""
    base = f"/sys/class/tty/{tty}"
    device = bus_device(machine, base)
    if device is None or device.bus != "usb":
        return None
    port = machine.realpath(f"{base}/device")
    interface_dir = port.rsplit("/", 1)[0] if ":" not in os.path.basename(port) else port
    number = (machine.read_value(f"{interface_dir}/bInterfaceNumber", SOURCE) or "").lower()
    vendor, _, product = device.ids.get("usb", ":").partition(":")
    for key in ((vendor, product, number), (vendor, None, number)):
        if key in rules:
            return device, evidence(rules[key], f"{vendor}:{product} interface {number}: ID_MM_PORT_TYPE_GPS", kind="file")
    dev = machine.read_value(f"{base}/dev", SOURCE)
    if dev:
        udev_entry = f"/run/udev/data/c{dev}"
        if "E:ID_MM_PORT_TYPE_GPS=1" in (machine.read_text(udev_entry, SOURCE) or "").split():
            return device, evidence(udev_entry, "ID_MM_PORT_TYPE_GPS=1", kind="file")
    label = machine.read_value(f"{interface_dir}/interface", SOURCE)
    if label and _LOCATION_WORDS.search(label):
        return device, evidence(f"{interface_dir}/interface", label)
    return None


def _component(ref: str, name: str, device: BusDevice | None, port: str, seen: Evidence) -> Iterator[Component | Feature]:
    properties = device.as_parent() if device else {}
    properties["port"] = port
    yield Component(ref=ref, kind="location", category="hardware", name=name, ids=dict(device.ids) if device else {}, properties=properties)
    yield Feature(id="gnss", component=ref, state="present", evidence=[seen])


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    for gnss in machine.listdir("/sys/class/gnss", SOURCE):
        base = f"/sys/class/gnss/{gnss}"
        kind = machine.read_value(f"{base}/type", SOURCE) or "unknown"
        device = bus_device(machine, base)
        name = f"{device.name} GNSS receiver" if device else f"GNSS receiver {gnss} ({kind})"
        yield from _component(f"location:{gnss}", name, device, f"/dev/{gnss}", evidence(f"{base}/type", kind))
    for port in machine.listdir("/sys/class/wwan", SOURCE):
        base = f"/sys/class/wwan/{port}"
        if (machine.read_value(f"{base}/type", SOURCE) or "").upper() == "NMEA":
            device = bus_device(machine, base)
            name = f"{device.name} GNSS (NMEA port)" if device else f"GNSS (NMEA port {port})"
            yield from _component(f"location:{port}", name, device, f"/dev/{port}", evidence(f"{base}/type", "NMEA"))
    rules = gps_port_rules(machine)
    for tty in machine.listdir("/sys/class/tty", SOURCE):
        if not machine.exists(f"/sys/class/tty/{tty}/device"):
            continue  # virtual consoles and ptys
        found = _tty_location(machine, tty, rules)
        if found:
            device, seen = found
            yield from _component(f"location:{tty}", f"{device.name} GNSS (NMEA port {tty})", device, f"/dev/{tty}", seen)
