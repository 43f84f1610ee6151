"""Location hardware beyond the recorded machines: GNSS class, udev's port types, interface strings."""

from __future__ import annotations

from doorwatch.collect import location
from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component, Feature
from machines import Tree


def usb_host(tree: Tree) -> str:
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    return tree.usb_device(xhci, "usb1", 0x1D6B, 0x0002, device_class=9)


def found(root) -> tuple[list[Component], list[Feature]]:
    records = list(location.collect(MachineRoot(root)))
    return [r for r in records if isinstance(r, Component)], [r for r in records if isinstance(r, Feature)]


def test_a_usb_gnss_receiver_in_the_gnss_class(tmp_path):
    tree = Tree(tmp_path)
    receiver = tree.usb_device(usb_host(tree), "1-2", 0x1546, 0x01A9, manufacturer="u-blox AG - www.u-blox.com", product_name="u-blox GNSS receiver")
    interface = tree.usb_interface(receiver, 0, 0x02, 0x02, 0x01, driver="gnss-usb", module="gnss_usb")
    tree.class_device("gnss", "gnss0", interface, type="UBX")
    [component], [feature] = found(tmp_path)
    assert component.ref == "location:gnss0" and component.ids == {"usb": "1546:01a9"}
    assert feature.id == "gnss" and feature.evidence[0].value == "UBX"


def test_udev_database_marks_a_modem_port_as_gps(tmp_path):
    tree = Tree(tmp_path)
    modem = tree.usb_device(usb_host(tree), "1-5", 0x1199, 0x9091, manufacturer="Sierra Wireless, Incorporated", product_name="EM7565")
    for number in range(3):
        tree.tty(tree.usb_interface(modem, number, 0xFF, 0xFF, 0xFF, driver="qcserial"), f"ttyUSB{number}")
    tree.write("/run/udev/data/c188:2", "E:ID_MM_CANDIDATE=1\nE:ID_MM_PORT_TYPE_GPS=1\n")
    [component], [feature] = found(tmp_path)
    assert component.ref == "location:ttyUSB2" and component.ids == {"usb": "1199:9091"}
    assert feature.evidence[0].path == "/run/udev/data/c188:2"


def test_an_interface_string_naming_nmea(tmp_path):
    tree = Tree(tmp_path)
    modem = tree.usb_device(usb_host(tree), "1-6", 0x1E0E, 0x9001, manufacturer="SimTech, Incorporated", product_name="SimTech SIM7600")
    tree.tty(tree.usb_interface(modem, 1, 0xFF, 0x00, 0x00, driver="option", interface="NMEA Port"), "ttyUSB1")
    tree.tty(tree.usb_interface(modem, 2, 0xFF, 0x00, 0x00, driver="option", interface="AT Port"), "ttyUSB2")
    [component], _ = found(tmp_path)
    assert component.ref == "location:ttyUSB1"


def test_a_modem_without_any_sign_of_gnss_is_not_location_hardware(tmp_path):
    tree = Tree(tmp_path)
    modem = tree.usb_device(usb_host(tree), "1-7", 0x12D1, 0x15C1, manufacturer="Huawei Technologies Co., Ltd.", product_name="ME906s")
    tree.tty(tree.usb_interface(modem, 2, 0xFF, 0x06, 0x13, driver="option"), "ttyUSB0")
    assert found(tmp_path) == ([], [])
