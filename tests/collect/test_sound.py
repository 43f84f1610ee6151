"""Microphones beyond the recorded machines: USB audio devices read from their own descriptors."""

from __future__ import annotations

from doorwatch.collect import sound
from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component
from machines import Tree

DEVICE = bytes.fromhex("12 01 00 02 00 00 00 08 8d 0d 0c 00 10 01 01 02 00 01")
AUDIO_CONTROL = bytes.fromhex("09 04 00 00 00 01 01 00 00") + bytes.fromhex("0a 24 01 00 01 26 00 02 01 02")
USB_STREAMING_IN = bytes.fromhex("0c2402010101000203000000")
MICROPHONE_IN = bytes.fromhex("0c2402020102000101000000")
SPEAKER_OUT = bytes.fromhex("092403060103000900")
STREAMING = bytes.fromhex("090401000001020000") + bytes.fromhex("090402000001020000")


def descriptors(*terminals: bytes) -> bytes:
    body = AUDIO_CONTROL + b"".join(terminals) + STREAMING
    config = bytes([9, 2]) + (9 + len(body)).to_bytes(2, "little") + bytes([3, 1, 0, 0x80, 50])
    return DEVICE + config + body


def usb_audio_device(tmp_path, blob: bytes) -> list[Component]:
    tree = Tree(tmp_path)
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, driver="xhci_hcd")
    hub = tree.usb_device(xhci, "usb1", 0x1D6B, 0x0002, device_class=9)
    headset = tree.usb_device(hub, "1-8", 0x0D8C, 0x000C, manufacturer="C-Media Electronics Inc.", product_name="USB PnP Sound Device", speed=12)
    for number, subclass in ((0, 1), (1, 2), (2, 2)):
        tree.usb_interface(headset, number, 0x01, subclass, 0x00)
    tree.write(f"{headset}/descriptors", blob)
    return [record for record in sound.collect(MachineRoot(tmp_path)) if isinstance(record, Component)]


def test_a_usb_microphone_without_a_sound_card_is_found_in_its_descriptors(tmp_path):
    [mic] = usb_audio_device(tmp_path, descriptors(USB_STREAMING_IN, MICROPHONE_IN, SPEAKER_OUT))
    assert mic.ref == "mic:usb:1-8" and mic.ids == {"usb": "0d8c:000c"}
    assert mic.properties["terminal_types"] == ["0x0201"]


def test_a_usb_speaker_is_not_a_microphone(tmp_path):
    assert usb_audio_device(tmp_path, descriptors(USB_STREAMING_IN, SPEAKER_OUT)) == []


def test_truncated_descriptors_do_not_crash(tmp_path):
    assert usb_audio_device(tmp_path, descriptors(MICROPHONE_IN)[:40] + b"\x00") == []
