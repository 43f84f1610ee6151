"""System identity without SMBIOS, and disks on USB and SD buses."""

from __future__ import annotations

from doorwatch.collect import dmi, storage
from doorwatch.collect.machine import MachineRoot
from machines import Tree


def test_a_board_without_smbios_names_itself_in_the_device_tree(tmp_path):
    tree = Tree(tmp_path)
    tree.write("/sys/firmware/devicetree/base/model", "Radxa ROCK 5B\x00")
    tree.write("/sys/firmware/devicetree/base/compatible", "radxa,rock-5b\x00rockchip,rk3588\x00")
    [system] = dmi.collect(MachineRoot(tmp_path))
    assert system.ref == "dmi:system" and system.name == "Radxa ROCK 5B"
    assert system.properties["vendor_name"] == "radxa"
    assert system.properties["compatible"] == ["radxa,rock-5b", "rockchip,rk3588"]


def test_placeholder_smbios_strings_are_dropped(tmp_path):
    tree = Tree(tmp_path)
    tree.dmi(sys_vendor="To Be Filled By O.E.M.", product_name="To Be Filled By O.E.M.", board_vendor="ASRock", board_name="B450M Pro4", bios_vendor="American Megatrends Inc.", bios_version="P5.60")
    found = {component.ref: component for component in dmi.collect(MachineRoot(tmp_path))}
    assert set(found) == {"dmi:board", "dmi:bios"}
    assert found["dmi:board"].properties["vendor_name"] == "ASRock"


def test_usb_disk_carries_its_usb_ids_and_sd_card_its_own_name(tmp_path):
    tree = Tree(tmp_path)
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    hub = tree.usb_device(xhci, "usb2", 0x1D6B, 0x0003, device_class=9)
    stick = tree.usb_device(hub, "2-2", 0x0781, 0x5581, manufacturer="SanDisk", product_name="Ultra", serial="4C530001", speed=5000)
    interface = tree.usb_interface(stick, 0, 0x08, 0x06, 0x50, driver="usb-storage", module="usb_storage")
    scsi = tree.attrs(f"{interface}/host2/target2:0:0/2:0:0:0", vendor="SanDisk ", model="Ultra           ", rev="1.00")
    tree.link("/sys/block/sdb", tree.class_device("block", "sdb", scsi, size=60063744, removable=1))
    sdhci = tree.pci("0000:00:1a.0", 0x8086, 0xA0C4, 0x080501, driver="sdhci-pci", module="sdhci_pci")
    card = tree.attrs(f"{sdhci}/mmc_host/mmc0/mmc0:aaaa", name="SC64G", manfid="0x000003", oemid="0x5344", serial="0x1a2b3c4d", type="SD")
    tree.link(f"{card}/subsystem", "/sys/bus/mmc")
    tree.link("/sys/block/mmcblk0", tree.class_device("block", "mmcblk0", card, size=124735488))
    tree.link("/sys/block/loop0", tree.class_device("block", "loop0", "/sys/devices/virtual", size=0))
    found = {component.ref: component for component in storage.collect(MachineRoot(tmp_path))}
    assert set(found) == {"storage:sdb", "storage:mmcblk0"}
    assert found["storage:sdb"].ids == {"usb": "0781:5581"} and found["storage:sdb"].name == "SanDisk Ultra"
    assert found["storage:sdb"].properties["removable"] is True
    assert found["storage:mmcblk0"].ids == {} and found["storage:mmcblk0"].name == "SC64G"
    assert found["storage:mmcblk0"].properties["serial"] == "0x1a2b3c4d"
    assert found["storage:mmcblk0"].properties["mmc_manufacturer_id"] == "0x000003"
