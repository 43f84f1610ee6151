"""Network interfaces beyond the recorded machines: USB NICs, software-set addresses, virtual interfaces."""

from __future__ import annotations

from doorwatch.collect import net
from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component, Feature
from machines import Tree


def records(root) -> tuple[dict[str, Component], dict[str, Feature]]:
    found = list(net.collect(MachineRoot(root)))
    return (
        {r.ref: r for r in found if isinstance(r, Component)},
        {r.component: r for r in found if isinstance(r, Feature)},
    )


def test_usb_nic_wake_on_lan_is_read_on_its_usb_device(tmp_path):
    tree = Tree(tmp_path)
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    hub = tree.usb_device(xhci, "usb2", 0x1D6B, 0x0003, device_class=9)
    dongle = tree.usb_device(hub, "2-1", 0x0BDA, 0x8153, manufacturer="Realtek", product_name="USB 10/100/1000 LAN", speed=5000)
    tree.attrs(f"{dongle}/power", wakeup="enabled")
    interface = tree.usb_interface(dongle, 0, 0xFF, 0xFF, 0x00, driver="r8152")
    tree.net(interface, "enx00e04c680001", "00:e0:4c:68:00:01")
    components, features = records(tmp_path)
    nic = components["net:enx00e04c680001"]
    assert nic.ids == {"usb": "0bda:8153", "mac": "00:e0:4c:68:00:01"}
    assert nic.properties["driver"] == "r8152"
    assert features["net:enx00e04c680001"].state == "on"
    assert features["net:enx00e04c680001"].evidence[0].path == "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/power/wakeup"


def test_a_software_set_address_names_no_maker_and_virtual_interfaces_are_skipped(tmp_path):
    tree = Tree(tmp_path)
    wifi = tree.pci("0000:00:14.3", 0x8086, 0xA0F0, 0x028000, driver="iwlwifi")
    tree.net(wifi, "wlan0", "ee:11:22:33:44:55", devtype="wlan", assign_type=3)
    tree.class_device("net", "lo", "/sys/devices/virtual", address="00:00:00:00:00:00")
    tree.class_device("net", "br0", "/sys/devices/virtual", address="52:54:00:12:34:56")
    components, features = records(tmp_path)
    assert set(components) == {"net:wlan0"}
    assert "mac" not in components["net:wlan0"].ids
    assert components["net:wlan0"].properties["assigned_mac"] == "ee:11:22:33:44:55"
    assert features == {}, "Wake-on-LAN is an Ethernet feature"
