"""Saved `lsusb` and `lsusb -v` output.

Plain `lsusb` gives ids and names only; `lsusb -v` adds the device, interface
and function classes, the strings the device reports, and the audio terminals
that tell a microphone from a speaker.
"""

from __future__ import annotations

import re

from doorwatch.collect.imports.devices import usb_component
from doorwatch.collect.imports.result import ImportedMachine
from doorwatch.model import Component, Feature

NAME = "lsusb"

_BUS_LINE = re.compile(r"^Bus (?P<bus>\d{3}) Device (?P<device>\d{3}): ID (?P<vendor>[0-9a-fA-F]{4}):(?P<product>[0-9a-fA-F]{4})\s?(?P<name>.*)$")
# "      bInterfaceClass        14 Video": a descriptor field, its number, and lsusb's reading of it.
_FIELD = re.compile(r"^\s+(?P<key>[a-zA-Z]+)\s+(?P<value>0x[0-9a-fA-F]+|\d+(?:\.\d+)?)(?:\s+(?P<text>.*?))?\s*$")
_CLASS_KEYS = {"bDeviceClass", "bInterfaceClass", "bFunctionClass"}
_SUBCLASS_KEYS = {"bDeviceSubClass", "bInterfaceSubClass", "bFunctionSubClass"}
_PROTOCOL_KEYS = {"bDeviceProtocol", "bInterfaceProtocol", "bFunctionProtocol"}
_STRING_KEYS = {"iManufacturer": "vendor_name", "iProduct": "product"}
_USB_STREAMING_TERMINALS = 0x01  # wTerminalType 0x01xx: a USB stream, not a sound from the room


def detect(text: str) -> str | None:
    """"lsusb-v" or "lsusb" when the text is made of lsusb device lines (and their descriptors)."""
    lines = [line for line in text.splitlines() if line.strip()]
    devices = sum(1 for line in lines if _BUS_LINE.match(line))
    if not devices:
        return None
    if "Device Descriptor:" in text:
        return "lsusb-v"
    return "lsusb" if devices >= len(lines) * 0.8 else None


def parse(text: str, format_name: str) -> ImportedMachine:
    imported = ImportedMachine(format=format_name)
    block: list[str] = []
    for line in text.splitlines():
        if _BUS_LINE.match(line):
            if block:
                imported.add(*_device(block))
            block = [line]
        elif block:
            block.append(line)
    if block:
        imported.add(*_device(block))
    return imported


def _number(value: str) -> int:
    """lsusb prints descriptor numbers in decimal, or in hex with 0x."""
    return int(value, 16) if value.startswith("0x") else int(float(value))


def _device(block: list[str]) -> tuple[Component, list[Feature]]:
    head = _BUS_LINE.match(block[0])
    assert head is not None
    functions: list[list[int | None]] = []
    strings: dict[str, str] = {}
    properties: dict[str, object] = {"bus": head["bus"], "device": head["device"]}
    descriptor = ""
    input_terminal = has_capture = False
    for line in block[1:]:
        stripped = line.strip()
        if stripped.endswith("Descriptor:"):
            descriptor, input_terminal = stripped, False
        field = _FIELD.match(line)
        if not field:
            continue
        key, value, reading = field["key"], field["value"], field["text"] or ""
        if key in _CLASS_KEYS:
            functions.append([_number(value), None, None])
            if key == "bDeviceClass":
                properties["device_class"] = reading or value
        elif key in _SUBCLASS_KEYS and functions:
            functions[-1][1] = _number(value)
        elif key in _PROTOCOL_KEYS and functions:
            functions[-1][2] = _number(value)
        elif key in _STRING_KEYS and reading:
            strings[_STRING_KEYS[key]] = reading
        elif key == "bcdUSB":
            properties["usb_version"] = value
        elif key == "bDescriptorSubtype" and descriptor == "AudioControl Interface Descriptor:":
            input_terminal = reading == "(INPUT_TERMINAL)"
        elif key == "wTerminalType" and input_terminal and value.startswith("0x"):
            # An input terminal that is not a USB stream takes sound in: a microphone, a headset, a line in.
            has_capture = has_capture or int(value, 16) >> 8 != _USB_STREAMING_TERMINALS
    name = head["name"].strip() or " ".join(strings.values()).strip()
    properties.update(strings)
    return usb_component(
        f"usb:{head['bus']}:{head['device']}",
        vendor_id=head["vendor"],
        product_id=head["product"],
        name=name,
        described_as=" ".join([name, *strings.values()]),
        functions=[(cls, sub, proto) for cls, sub, proto in functions],  # type: ignore[misc]
        has_capture=has_capture,
        properties=properties,
    )
