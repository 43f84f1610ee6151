"""Baseboard management controllers: the IPMI interface the kernel found, its BMC, and the BMC's own PCI display.

Signs, each evidence on its own: IPMI device nodes (/dev/ipmi0), the ipmi class,
ipmi_si / ipmi_ssif bound devices, the BMC device the IPMI driver registered
(with its IANA manufacturer id and firmware revision), the SMBIOS type 38 record
(IPMI device information), and a display function of a BMC chip on PCI.
Whether the BMC answers on the LAN cannot be read from the host without
sending IPMI commands; `ipmi-over-lan` stays "unknown".
"""

from __future__ import annotations

from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import evidence, pci_devices
from doorwatch.model import Component, Evidence, Feature

SOURCE = "bmc"
ORDER = 71

# PCI vendors whose chips are BMCs (their display function is the remote console's frame buffer).
BMC_PCI_VENDORS = {"1a03": "ASPEED", "1d64": "Nuvoton"}
# Other BMC functions on PCI: HPE iLO management processors.
BMC_PCI_DEVICES = {"103c:3306", "103c:3307", "103c:3308"}
_DEV_NODES = ("/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0")
_SMBIOS_INTERFACES = {0: "unknown", 1: "KCS", 2: "SMIC", 3: "BT", 4: "SSIF"}


def smbios_type38(raw: bytes) -> dict[str, str]:
    """Interface type, IPMI revision and base address of an SMBIOS type 38 (IPMI device) record."""
    if len(raw) < 16 or raw[0] != 38:
        return {}
    base = int.from_bytes(raw[8:16], "little")
    space = "io" if base & 1 else "memory"
    return {
        "interface": _SMBIOS_INTERFACES.get(raw[4], f"type {raw[4]}"),
        "ipmi_version": f"{raw[5] >> 4}.{raw[5] & 0xF}",
        "base_address": f"{space}:0x{base & ~1:x}",
    }


def _bmc_attributes(machine: MachineRoot) -> tuple[dict[str, str], list[Evidence]]:
    """What the IPMI driver learnt from the BMC (Get Device ID), from /sys/devices/platform/ipmi_bmc.*."""
    for name in machine.glob("/sys/bus/platform/devices", "ipmi_bmc*", SOURCE):
        values = {attr: machine.read_value(f"{name}/{attr}", SOURCE) for attr in ("manufacturer_id", "product_id", "firmware_revision", "ipmi_version", "device_id", "guid")}
        values = {key: value for key, value in values.items() if value}
        if values:
            return values, [evidence(f"{name}/manufacturer_id", values.get("manufacturer_id", ""), detail="IPMI Get Device ID, read by the kernel driver")]
    return {}, []


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    seen: list[Evidence] = []
    properties: dict[str, object] = {}
    for node in _DEV_NODES:
        if machine.exists(node):
            seen.append(Evidence(kind="file", value=node, path=node))
            properties.setdefault("device_node", node)
    for interface in machine.listdir("/sys/class/ipmi", SOURCE):
        base = f"/sys/class/ipmi/{interface}"
        driver = machine.readlink_name(f"{base}/device/driver")
        seen.append(evidence(base, f"{interface} ({driver or 'no driver'})"))
        properties.setdefault("driver", driver)
    for driver in ("ipmi_si", "ipmi_ssif"):
        for bus in ("platform", "i2c", "pnp", "pci"):
            bound = [name for name in machine.listdir(f"/sys/bus/{bus}/drivers/{driver}", SOURCE) if ":" in name or "." in name]
            if bound:
                seen.append(evidence(f"/sys/bus/{bus}/drivers/{driver}", ", ".join(bound)))
                properties.setdefault("driver", driver)
    bmc_values, bmc_evidence = _bmc_attributes(machine)
    seen.extend(bmc_evidence)
    properties.update(bmc_values)
    for entry in machine.glob("/sys/firmware/dmi/entries", "38-*", SOURCE):
        raw = machine.read_bytes(f"{entry}/raw", SOURCE)
        record = smbios_type38(raw or b"")
        if record:
            seen.append(evidence(f"{entry}/raw", f"SMBIOS type 38: {record['interface']} IPMI {record['ipmi_version']} at {record['base_address']}"))
            for key, value in record.items():
                properties.setdefault(f"smbios_{key}", value)
    chip = None
    for device in pci_devices(machine):
        pci_id = device.ids.get("pci", "")
        if (pci_id[:4] in BMC_PCI_VENDORS and (device.properties.get("class") or "").startswith("0x03")) or pci_id in BMC_PCI_DEVICES:
            chip = chip or device
            seen.append(evidence(f"/sys/bus/pci/devices/{device.properties['address']}/vendor", pci_id, detail="display or management function of a BMC chip"))
    if not seen:
        return
    ids = dict(chip.ids) if chip else {}
    if bmc_values.get("manufacturer_id"):
        ids["iana"] = str(int(bmc_values["manufacturer_id"], 16) if bmc_values["manufacturer_id"].startswith("0x") else bmc_values["manufacturer_id"])
    if chip:
        properties.update(chip.as_parent())
    name = f"BMC ({chip.name})" if chip else "IPMI baseboard management controller"
    yield Component(ref="bmc:0", kind="bmc", category="hardware", name=name, ids=ids, properties={k: v for k, v in properties.items() if v})
    yield Feature(id="bmc", component="bmc:0", state="present", evidence=seen)
    yield Feature(id="ipmi-over-lan", component="bmc:0", state="unknown")
