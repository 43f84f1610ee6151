"""Importing saved `lspci -vvnn` and `lsusb -v` outputs of real machines.

The outputs come from the linux-hardware.org probe collection (github.com/linuxhw,
LsPCI and LsUSB), licence CC BY 4.0; each folder's SOURCE.txt names the probe.
They cover notebooks, desktops and servers with a BMC, Loongson MIPS and
LoongArch machines, root and non-root runs, and pciutils from 2010 to 2024.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from doorwatch.collect.imports import import_file

PROBES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "probes"
LSPCI_FILES = sorted(PROBES.glob("*/lspci.txt"))
LSUSB_FILES = sorted(PROBES.glob("*/lsusb.txt"))

# What a reader counts by eye: one unindented "BB:DD.F ..." line per PCI function, one "Bus ..." line per USB device.
PCI_DEVICE_LINE = re.compile(r"^([0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] ", re.M)
USB_DEVICE_LINE = re.compile(r"^Bus \d{3} Device \d{3}: ID ", re.M)


def test_the_probe_collection_is_there():
    assert len(LSPCI_FILES) >= 9 and len(LSUSB_FILES) >= 3


@pytest.mark.parametrize("path", LSPCI_FILES, ids=lambda path: path.parent.name)
def test_every_lspci_device_is_imported_with_its_ids_and_driver(path):
    text = path.read_text(errors="replace")
    imported = import_file(path)
    assert imported.format == "lspci-vvnn"
    assert imported.machine.source == "import"
    assert len(imported.components) == len(PCI_DEVICE_LINE.findall(text))
    assert len({component.ref for component in imported.components}) == len(imported.components)
    # Every "[vvvv:dddd]" at the end of a device line becomes ids["pci"].
    listed_ids = set(re.findall(r"^\S+ .*\[([0-9a-f]{4}:[0-9a-f]{4})\](?: \(rev [0-9a-f]{2}\))?(?: \(prog-if .*\))?$", text, re.M))
    assert listed_ids == {component.ids["pci"] for component in imported.components if "pci" in component.ids}
    drivers = [component.properties["driver"] for component in imported.components if "driver" in component.properties]
    assert len(drivers) == text.count("Kernel driver in use:")
    assert all(component.category == "hardware" and component.ref.startswith("pci:0000:") for component in imported.components)


@pytest.mark.parametrize("path", LSUSB_FILES, ids=lambda path: path.parent.name)
def test_every_lsusb_device_is_imported(path):
    text = path.read_text(errors="replace")
    imported = import_file(path)
    assert imported.format == "lsusb-v"
    assert len(imported.components) == len(USB_DEVICE_LINE.findall(text))
    listed = set(re.findall(r"^Bus \d{3} Device \d{3}: ID ([0-9a-f]{4}:[0-9a-f]{4})", text, re.M))
    assert {component.ids["usb"] for component in imported.components} == listed


def by_ref(imported):
    return {component.ref: component for component in imported.components}


def features(imported):
    """The features found present (BMCs and MEs also bring "unknown" ones the host cannot decide)."""
    return {(feature.id, feature.component) for feature in imported.features if feature.state == "present"}


def test_supermicro_server_bmc_is_found_behind_its_bridge():
    imported = import_file(PROBES / "supermicro-a1sam" / "lspci.txt")
    bmc = by_ref(imported)["pci:0000:02:00.0"]
    assert bmc.kind == "bmc"
    assert bmc.ids == {"pci": "1a03:2000", "pci_subsystem": "15d9:0820"}
    assert bmc.properties["driver"] == "ast"
    assert bmc.properties["device_label"] == "ASPEED Video AST2400"
    assert features(imported) == {("bmc", "pci:0000:02:00.0")}
    assert [(feature.id, feature.state) for feature in imported.features if feature.state != "present"] == [("ipmi-over-lan", "unknown")]
    nics = [component for component in imported.components if component.kind == "nic"]
    assert [nic.ids["pci"] for nic in nics] == ["8086:1f41"] * 4
    assert {nic.properties["driver"] for nic in nics} == {"igb"}


def test_supermicro_usb_wifi_dongle_and_leading_warning_line():
    imported = import_file(PROBES / "supermicro-a1sam" / "lsusb.txt")
    dongle = by_ref(imported)["usb:001:013"]
    assert dongle.ids["usb"] == "148f:5370"
    assert dongle.kind == "radio"
    assert ("wifi", "usb:001:013") in features(imported)
    aten = by_ref(imported)["usb:001:007"]
    assert aten.ids["usb"] == "0557:2419" and aten.name.startswith("ATEN International")


def test_sugon_server_old_pciutils_with_truncated_names():
    imported = import_file(PROBES / "sugon-i620g20" / "lspci.txt")
    components = by_ref(imported)
    assert components["pci:0000:09:00.0"].kind == "bmc"
    assert components["pci:0000:09:00.0"].ids["pci"] == "1a03:2000"
    # "... Registers [8086... (rev 02)": the device id is cut off, the vendor is kept.
    truncated = components["pci:0000:7f:13.0"]
    assert "pci" not in truncated.ids and truncated.ids["pci_vendor"] == "8086"
    assert any("without vendor:device ids" in note.message for note in imported.notes)
    assert {("management-engine", "pci:0000:00:16.0"), ("management-engine", "pci:0000:00:16.1")} <= features(imported)


@pytest.mark.parametrize("probe", ["loongson-3a3000", "loongson-3a6000-nuc"])
def test_loongson_machines_show_vendor_0014(probe):
    imported = import_file(PROBES / probe / "lspci.txt")
    loongson = [component for component in imported.components if component.ids.get("pci", "").startswith("0014:")]
    assert len(loongson) >= 15
    host_bridge = by_ref(imported)["pci:0000:00:00.0"]
    assert host_bridge.ids["pci"] == "0014:7a00" and host_bridge.properties["class"] == "0x060000"


def test_loongson_3a3000_ethernet_driver_and_usb():
    imported = import_file(PROBES / "loongson-3a3000" / "lspci.txt")
    nic = by_ref(imported)["pci:0000:00:03.0"]
    assert nic.kind == "nic" and nic.properties["driver"] == "stmmaceth"
    usb = import_file(PROBES / "loongson-3a3000" / "lsusb.txt")
    assert {component.ids["usb"] for component in usb.components} >= {"1c4f:0016", "093a:2510"}


def test_huawei_notebook_camera_microphone_bluetooth_and_management_engine():
    usb = import_file(PROBES / "huawei-matebook" / "lsusb.txt")
    components = by_ref(usb)
    assert components["usb:001:003"].kind == "camera"
    assert components["usb:001:004"].kind == "microphone"  # Sennheiser headset: an audio input terminal
    assert components["usb:001:007"].kind == "radio"
    assert features(usb) == {("camera", "usb:001:003"), ("microphone", "usb:001:004"), ("bluetooth", "usb:001:007")}
    # Names with non-ASCII characters survive.
    assert components["usb:001:008"].properties["product"] == "Natural® Ergonomic Keyboard 4000"
    pci = import_file(PROBES / "huawei-matebook" / "lspci.txt")
    assert {("wifi", "pci:0000:00:14.3"), ("management-engine", "pci:0000:00:16.0")} == features(pci)
    assert by_ref(pci)["pci:0000:00:14.3"].ids == {"pci": "8086:a0f0", "pci_subsystem": "8086:0074"}


def test_wifi_card_reporting_the_ethernet_class_is_a_radio():
    """The MacBook's Atheros card says "Ethernet controller [0200]"; its name says wireless."""
    imported = import_file(PROBES / "apple-macbook11" / "lspci.txt")
    card = by_ref(imported)["pci:0000:02:00.0"]
    assert card.kind == "radio" and card.ids["pci_subsystem"] == "106b:0086"
    assert by_ref(imported)["pci:0000:01:00.0"].kind == "nic"
    assert card.properties["kernel_modules"] == ["ath5k"]


def test_non_root_desktop_with_chinese_nvme_and_unnamed_subsystem_vendor():
    imported = import_file(PROBES / "huawei-pum-desktop" / "lspci.txt")
    nvme = by_ref(imported)["pci:0000:01:00.0"]
    assert nvme.ids["pci"] == "1e49:1001" and nvme.properties["prog_if_name"] == "NVM Express"
    assert any(component.ids.get("pci_subsystem", "").startswith("1ee8:") for component in imported.components)
