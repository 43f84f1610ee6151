"""Microphones: ALSA capture PCMs, from /proc/asound and /sys/class/sound.

ALSA cannot tell a microphone from a line input; every capture PCM of a
hardware sound card is reported, named as the card and the PCM name it.
Loopback and dummy cards (software) are left out. A USB device whose audio
descriptors declare a microphone is reported even when no driver made it a card.
"""

from __future__ import annotations

import re
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import bus_device, evidence, is_virtual, usb_devices
from doorwatch.model import Component, Evidence, Feature

SOURCE = "sound"
ORDER = 51

_SOUND = "/sys/class/sound"
_SOFTWARE_CARDS = {"snd_aloop", "snd_dummy", "snd-aloop", "snd-dummy"}
_PCM_LINE = re.compile(r"^(\d+)-(\d+):\s*(.*)$")
_CARD_LINE = re.compile(r"^\s*(\d+)\s+\[([^\]]*)\]:\s*(.*?)\s*$")
_CAPTURE_NODE = re.compile(r"^pcmC(\d+)D(\d+)c$")
_USB_INTERFACE, _CS_INTERFACE = 0x04, 0x24
_USB_AUDIO, _AUDIO_CONTROL, _INPUT_TERMINAL = 0x01, 0x01, 0x02
# USB Audio terminal types that capture sound: microphones (0x0201-0x0206) and bidirectional headsets/speakerphones (0x0401-0x0405).
_MICROPHONE_TERMINALS = frozenset(range(0x0201, 0x0207)) | frozenset(range(0x0401, 0x0406))


def _card_names(machine: MachineRoot) -> dict[int, str]:
    """Card number -> the long name in /proc/asound/cards ('HDA Intel PCH')."""
    names = {}
    for line in (machine.read_text("/proc/asound/cards", SOURCE) or "").splitlines():
        match = _CARD_LINE.match(line)
        if match:
            names[int(match.group(1))] = match.group(3).split(" - ", 1)[-1]
    return names


def _capture_pcms(machine: MachineRoot) -> dict[tuple[int, int], tuple[str, Evidence]]:
    """(card, device) -> (PCM name, evidence), from /proc/asound/pcm, then the sysfs pcmC*D*c nodes."""
    found: dict[tuple[int, int], tuple[str, Evidence]] = {}
    for line in (machine.read_text("/proc/asound/pcm", SOURCE) or "").splitlines():
        match = _PCM_LINE.match(line)
        if not match:
            continue
        fields = [field.strip() for field in match.group(3).split(" : ")]
        if any(field.startswith("capture") for field in fields):
            key = (int(match.group(1)), int(match.group(2)))
            found[key] = (fields[1] if len(fields) > 1 else fields[0], Evidence(kind="procfs", value=line.strip(), path="/proc/asound/pcm"))
    for node in machine.listdir(_SOUND, SOURCE):
        match = _CAPTURE_NODE.match(node)
        if match:
            key = (int(match.group(1)), int(match.group(2)))
            found.setdefault(key, (node, evidence(f"{_SOUND}/{node}", node)))
    return found


def _software_card(machine: MachineRoot, card: int) -> bool:
    base = f"{_SOUND}/card{card}"
    if not machine.exists(base):
        return False
    return is_virtual(machine, base) or machine.readlink_name(f"{base}/device/driver") in _SOFTWARE_CARDS


def usb_microphone_terminals(descriptors: bytes) -> list[int]:
    """Terminal types of the microphone input terminals in a USB device's raw descriptors.

    Walks the descriptors the kernel exposes in sysfs: Input Terminal descriptors
    (CS_INTERFACE, subtype 2) of Audio Control interfaces carry wTerminalType at
    offset 4 in UAC 1, 2 and 3. No library parses descriptors from a file.
    """
    found = []
    audio_control = False
    offset = 0
    while offset + 2 <= len(descriptors):
        length, kind = descriptors[offset], descriptors[offset + 1]
        if length < 2:
            break
        block = descriptors[offset:offset + length]
        if kind == _USB_INTERFACE and len(block) >= 7:
            audio_control = (block[5], block[6]) == (_USB_AUDIO, _AUDIO_CONTROL)
        elif kind == _CS_INTERFACE and audio_control and len(block) >= 6 and block[2] == _INPUT_TERMINAL:
            terminal = int.from_bytes(block[4:6], "little")
            if terminal in _MICROPHONE_TERMINALS:
                found.append(terminal)
        offset += length
    return found


def _undriven_usb_microphones(machine: MachineRoot, driven: set[str]) -> Iterator[Component | Feature]:
    """USB audio devices with a microphone terminal and no ALSA card: a microphone whose driver is not loaded."""
    for device in usb_devices(machine):
        if device.ref in driven or not any(i.get("class") == "01" for i in device.properties.get("interfaces", [])):
            continue
        path = f"{device.path}/descriptors"
        terminals = usb_microphone_terminals(machine.read_bytes(path, SOURCE) or b"")
        if not terminals:
            continue
        ref = f"mic:{device.ref}"
        yield Component(ref=ref, kind="microphone", category="hardware", name=device.name, ids=dict(device.ids), properties={**device.as_parent(), "terminal_types": [f"0x{t:04x}" for t in terminals]})
        seen = evidence(path, f"input terminal 0x{terminals[0]:04x}", detail="USB Audio microphone terminal without an ALSA card")
        yield Feature(id="microphone", component=ref, state="present", evidence=[seen])


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    cards = _card_names(machine)
    driven: set[str] = set()
    for (card, device_number), (pcm_name, seen) in sorted(_capture_pcms(machine).items()):
        if _software_card(machine, card):
            continue
        node = f"{_SOUND}/pcmC{card}D{device_number}c"
        device = bus_device(machine, node if machine.exists(node) else f"{_SOUND}/card{card}")
        if device is not None:
            driven.add(device.ref)
        card_name = cards.get(card) or f"card {card}"
        ref = f"mic:card{card}-pcm{device_number}c"
        properties = device.as_parent() if device else {}
        properties.update(card=card, device=device_number, card_name=card_name, pcm_name=pcm_name, node=f"/dev/snd/pcmC{card}D{device_number}c")
        yield Component(ref=ref, kind="microphone", category="hardware", name=f"{pcm_name} on {card_name}", ids=dict(device.ids) if device else {}, properties=properties)
        yield Feature(id="microphone", component=ref, state="present", evidence=[seen])
    yield from _undriven_usb_microphones(machine, driven)
