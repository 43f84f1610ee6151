"""Cameras beyond the recorded machines: no driver loaded, codecs, loopback devices."""

from __future__ import annotations

from doorwatch.collect import video
from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component
from machines import Tree


def cameras(root) -> list[Component]:
    return [record for record in video.collect(MachineRoot(root)) if isinstance(record, Component)]


def test_a_usb_camera_without_its_driver_is_still_a_camera(tmp_path):
    tree = Tree(tmp_path)
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    hub = tree.usb_device(xhci, "usb1", 0x1D6B, 0x0002, device_class=9)
    camera = tree.usb_device(hub, "1-6", 0x0C45, 0x6366, manufacturer="Sonix Technology Co., Ltd.", product_name="USB 2.0 Camera", device_class=0xEF)
    tree.usb_interface(camera, 0, 0x0E, 0x01, 0x00)
    tree.usb_interface(camera, 1, 0x0E, 0x02, 0x00)
    [found] = cameras(tmp_path)
    assert found.ref == "camera:usb:1-6" and found.ids == {"usb": "0c45:6366"}
    assert found.properties["nodes"] == []


def test_codecs_and_loopback_devices_are_not_cameras(tmp_path):
    tree = Tree(tmp_path)
    vpu = tree.attrs("/sys/devices/platform/soc/fdea0400.video-codec")
    tree.class_device("video4linux", "video0", vpu, name="rockchip,rk3588-vpu-dec")
    tree.class_device("video4linux", "video1", tree.attrs("/sys/devices/platform/bcm2835-codec"), name="bcm2835-codec-decode")
    tree.class_device("video4linux", "video2", "/sys/devices/virtual", name="OBS Virtual Camera")
    assert cameras(tmp_path) == []
