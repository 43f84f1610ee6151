"""Saved `lspci` output: `-nn`, `-k`, `-v`, `-vv`, with or without `-D` domains.

Each device starts with an unindented line `SLOT CLASS [cccc]: NAME [vvvv:dddd] (rev rr)`;
the indented lines after it (verbose and `-k` output) add the subsystem and the
kernel driver. pciutils of every age prints these lines the same way; old ones
truncate long names (`... [8086... (rev 02)`), which keeps the vendor id only.
"""

from __future__ import annotations

import re

from doorwatch.collect.imports.devices import pci_component
from doorwatch.collect.imports.result import ImportedMachine
from doorwatch.model import Component, Feature

NAME = "lspci"

_DEVICE = re.compile(
    r"^(?P<slot>(?:[0-9a-fA-F]{4,}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])\s+"
    r"(?P<class_name>[^\[:]+?)(?:\s*\[(?P<class>[0-9a-fA-F]{4})\])?:\s+(?P<rest>.*)$"
)
_PROG_IF = re.compile(r"\s*\(prog-if (?P<prog_if>[0-9a-fA-F]{2})(?: \[(?P<prog_if_name>.*)\])?\)\s*$")
_REVISION = re.compile(r"\s*\(rev (?P<revision>[0-9a-fA-F]{2})\)\s*$")
_IDS = re.compile(r"\s*\[(?P<vendor>[0-9a-fA-F]{4}):(?P<device>[0-9a-fA-F]{4})\]\s*$")
_TRUNCATED_IDS = re.compile(r"\s*\[(?P<vendor>[0-9a-fA-F]{4})\.\.\.\s*$")
_VERBOSE_KEYS = ("Control:", "Status:", "Flags:", "Capabilities:", "Latency:", "Region ", "Interrupt:")
_DETAIL_KEYS = {
    "Subsystem": "subsystem",
    "Kernel driver in use": "driver",
    "Kernel modules": "kernel_modules",
    "DeviceName": "device_label",
    "Physical Slot": "physical_slot",
    "IOMMU group": "iommu_group",
}


def detect(text: str) -> str | None:
    """"lspci" or "lspci-vvnn" when most unindented lines are lspci device lines."""
    heads = [line for line in text.splitlines() if line.strip() and not line[0].isspace()]
    devices = sum(1 for line in heads if _DEVICE.match(line))
    if not devices or devices < len(heads) * 0.8:
        return None
    verbose = any(line.startswith("\t") and line.lstrip().startswith(_VERBOSE_KEYS) for line in text.splitlines())
    return "lspci-vvnn" if verbose else "lspci"


def parse(text: str, format_name: str) -> ImportedMachine:
    imported = ImportedMachine(format=format_name)
    blocks: list[tuple[re.Match, dict[str, str]]] = []
    for line in text.splitlines():
        match = _DEVICE.match(line)
        if match:
            blocks.append((match, {}))
        elif blocks and line.startswith("\t") and not line.startswith("\t\t"):
            key, sep, value = line.strip().partition(": ")
            if sep and key in _DETAIL_KEYS:
                blocks[-1][1][_DETAIL_KEYS[key]] = value.strip()
    without_ids = 0
    for match, details in blocks:
        component, features = _device(match, details)
        without_ids += "pci" not in component.ids
        imported.add(component, features)
    if without_ids:
        imported.note(NAME, f"{without_ids} device(s) without vendor:device ids (saved without -nn, or names truncated)")
    return imported


def _device(match: re.Match, details: dict[str, str]) -> tuple[Component, list[Feature]]:
    rest = match["rest"]
    properties: dict[str, object] = {}
    for pattern in (_PROG_IF, _REVISION):  # pciutils prints (rev) before (prog-if)
        found = pattern.search(rest)
        if found:
            properties.update({key: value for key, value in found.groupdict().items() if value})
            rest = rest[: found.start()]
    ids = _IDS.search(rest) or _TRUNCATED_IDS.search(rest)
    name = rest[: ids.start()].strip() if ids else rest.strip()
    subsystem_line = details.pop("subsystem", "")
    subsystem = _IDS.search(subsystem_line)
    if subsystem_line:
        properties["subsystem"] = subsystem_line[: subsystem.start()].strip() if subsystem else subsystem_line
    modules = details.pop("kernel_modules", "")
    if modules:
        properties["kernel_modules"] = [module.strip() for module in modules.split(",")]
    properties.update(details)
    return pci_component(
        match["slot"].lower(),
        class_code=match["class"].lower() if match["class"] else None,
        class_name=match["class_name"].strip(),
        vendor_id=ids["vendor"] if ids else None,
        device_id=ids.groupdict().get("device") if ids else None,
        name=name,
        properties=properties,
        subsystem=(subsystem["vendor"], subsystem["device"]) if subsystem else None,
        prog_if=properties.pop("prog_if", None),  # type: ignore[arg-type]
    )
