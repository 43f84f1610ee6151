"""rfkill: a physical switch turns a radio off; a switch on another radio's device does not."""

from __future__ import annotations

from doorwatch.collect import radio
from doorwatch.collect.machine import MachineRoot
from machines import Tree


def bluetooth_state(tmp_path) -> dict[str, str]:
    records = list(radio.collect(MachineRoot(tmp_path)))
    return {record.component: record.state for record in records if getattr(record, "id", None) == "bluetooth"}


def two_adapters(tree: Tree) -> tuple[str, str]:
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    hub = tree.usb_device(xhci, "usb1", 0x1D6B, 0x0002, device_class=9)
    hcis = []
    for index, port in enumerate(("1-10", "1-2")):
        adapter = tree.usb_device(hub, port, 0x8087, 0x0026, device_class=0xE0)
        interface = tree.usb_interface(adapter, 0, 0xE0, 0x01, 0x01, driver="btusb")
        hcis.append(tree.class_device("bluetooth", f"hci{index}", interface, address=f"a0:e7:0b:12:34:5{index}"))
    return hcis[0], hcis[1]


def test_hard_blocked_adapter_is_off_and_the_other_stays_on(tmp_path):
    tree = Tree(tmp_path)
    first, second = two_adapters(tree)
    tree.rfkill(first, 0, "bluetooth", "hci0", hard=1)
    tree.rfkill(second, 1, "bluetooth", "hci1")
    assert bluetooth_state(tmp_path) == {"radio:hci0": "off", "radio:hci1": "on"}


def test_platform_switch_turns_every_adapter_of_its_type_off(tmp_path):
    tree = Tree(tmp_path)
    two_adapters(tree)
    tree.rfkill(tree.attrs("/sys/devices/platform/dell-rbtn"), 2, "bluetooth", "dell-rbtn", soft=1)
    assert bluetooth_state(tmp_path) == {"radio:hci0": "off", "radio:hci1": "off"}


def test_a_bluetooth_controller_without_its_driver_is_still_reported(tmp_path):
    tree = Tree(tmp_path)
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    hub = tree.usb_device(xhci, "usb1", 0x1D6B, 0x0002, device_class=9)
    adapter = tree.usb_device(hub, "1-14", 0x0BDA, 0x4853, manufacturer="Realtek", product_name="Bluetooth Radio", device_class=0xE0)
    tree.usb_interface(adapter, 0, 0xE0, 0x01, 0x01)
    assert bluetooth_state(tmp_path) == {"radio:usb:1-14": "present"}


def test_an_mbim_modem_without_its_driver_is_a_wwan_radio(tmp_path):
    tree = Tree(tmp_path)
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    hub = tree.usb_device(xhci, "usb1", 0x1D6B, 0x0002, device_class=9)
    modem = tree.usb_device(hub, "1-9", 0x2CB7, 0x0210, manufacturer="Fibocom", product_name="L830-EB-00 LTE WWAN Modem")
    tree.usb_interface(modem, 0, 0x02, 0x0E, 0x00)
    tree.usb_interface(modem, 1, 0x0A, 0x00, 0x02)
    records = list(radio.collect(MachineRoot(tmp_path)))
    assert [(r.id, r.component, r.state) for r in records if getattr(r, "id", None) == "wwan"] == [("wwan", "radio:usb:1-9", "on")]
