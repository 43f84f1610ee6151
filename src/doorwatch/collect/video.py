"""Cameras: video4linux capture devices (/sys/class/video4linux) and the device behind each.

A UVC camera registers several nodes (capture and metadata); they are one
camera, keyed by the device they sit on. Memory-to-memory codecs and scalers
also register video4linux nodes; they see nothing and are left out. A USB
camera whose driver is not loaded is still a camera: its Video-class interface
shows it. Nothing
here opens a device node, so no camera is switched on by the inventory.
"""

from __future__ import annotations

import re
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import bus_device, evidence, is_virtual, usb_devices
from doorwatch.model import Component, Feature

SOURCE = "video"
ORDER = 50

_V4L = "/sys/class/video4linux"
_USB_VIDEO_CLASS = "0e"
_NOT_A_CAMERA = re.compile(r"codec|decoder|encoder|\bvpu\b|hantro|\brga\b|jpeg|m2m|mem2mem|scaler|deinterlace|vicodec|vim2m", re.I)


def _video4linux_cameras(machine: MachineRoot) -> dict[str, list[tuple[str, str]]]:
    """Device path -> its (node, name) capture nodes."""
    cameras: dict[str, list[tuple[str, str]]] = {}
    for node in machine.listdir(_V4L, SOURCE):
        base = f"{_V4L}/{node}"
        if is_virtual(machine, base):
            continue  # v4l2loopback and the like: software, not a sensor
        name = machine.read_value(f"{base}/name", SOURCE) or node
        if _NOT_A_CAMERA.search(name):
            continue
        cameras.setdefault(machine.realpath(f"{base}/device"), []).append((node, name))
    return cameras


def _undriven_usb_cameras(machine: MachineRoot, driven: set[str]) -> Iterator[Component | Feature]:
    """USB devices with a Video-class interface but no video4linux node: a camera whose driver is not loaded."""
    for device in usb_devices(machine):
        video = [i for i in device.properties.get("interfaces", []) if i.get("class") == _USB_VIDEO_CLASS]
        if not video or device.ref in driven:
            continue
        ref = f"camera:{device.ref}"
        properties = {**device.as_parent(), "nodes": [], "driver": video[0].get("driver")}
        yield Component(ref=ref, kind="camera", category="hardware", name=device.name, ids=dict(device.ids), properties={k: v for k, v in properties.items() if v is not None})
        seen = evidence(f"/sys/bus/usb/devices/{video[0]['name']}/bInterfaceClass", _USB_VIDEO_CLASS, detail="USB Video class interface without a video4linux node")
        yield Feature(id="camera", component=ref, state="present", evidence=[seen])


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    driven: set[str] = set()
    for device_path, nodes in _video4linux_cameras(machine).items():
        first_node, first_name = nodes[0]
        device = bus_device(machine, device_path)
        if device is not None:
            driven.add(device.ref)
        properties = device.as_parent() if device else {"bus_path": device_path}
        properties.update(nodes=[f"/dev/{node}" for node, _ in nodes], driver=machine.readlink_name(f"{_V4L}/{first_node}/device/driver"))
        ref = f"camera:{first_node}"
        yield Component(
            ref=ref,
            kind="camera",
            category="hardware",
            name=first_name,
            ids=dict(device.ids) if device else {},
            properties={key: value for key, value in properties.items() if value},
        )
        yield Feature(id="camera", component=ref, state="present", evidence=[evidence(f"{_V4L}/{node}/name", name) for node, name in nodes])
    yield from _undriven_usb_cameras(machine, driven)
