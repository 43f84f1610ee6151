"""Processors from /proc/cpuinfo: one component per package (socket) and core type, not per thread.

x86 gives `vendor_id` (GenuineIntel, AuthenticAMD, HygonGenuine, CentaurHauls,
'  Shanghai  ', kept verbatim); ARM gives `CPU implementer` and `CPU part`;
LoongArch, MIPS and RISC-V give `model name`, `cpu model` or `uarch`.
"""

from __future__ import annotations

from typing import Any, Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component

SOURCE = "cpu"
ORDER = 10

_NAME_KEYS = ("model name", "cpu model", "uarch", "cpu")


def parse_cpuinfo(text: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """(one dict per processor, the lines outside processor blocks such as ARM's `Hardware`).

    Keys are lower-cased (LoongArch writes `Model Name`); x86 `vendor_id` values keep their spaces.
    """
    processors: list[dict[str, str]] = []
    general: dict[str, str] = {}
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep:
                fields.setdefault(key.strip().lower(), _value(key.strip(), value))
        if "processor" in fields and fields["processor"].isdigit():
            processors.append(fields)
        else:
            general.update(fields)
    return processors, general


def _value(key: str, raw: str) -> str:
    # The kernel prints "vendor_id\t: " then the 12 CPUID bytes, which may hold spaces themselves ("  Shanghai  ").
    if key == "vendor_id":
        return raw[1:] if raw.startswith(" ") else raw
    return raw.strip()


def _package(machine: MachineRoot, processor: dict[str, str]) -> str:
    for key in ("physical id", "package"):
        if key in processor:
            return processor[key]
    topology = f"/sys/devices/system/cpu/cpu{processor['processor']}/topology/physical_package_id"
    return machine.read_value(topology, SOURCE) or "0"


def _identity(processor: dict[str, str], general: dict[str, str]) -> tuple[str, ...]:
    """What makes two processors the same model: vendor and name, or ARM implementer/part/variant."""
    if "cpu implementer" in processor:
        return ("arm", processor["cpu implementer"], processor.get("cpu part", ""), processor.get("cpu variant", ""))
    name = next((processor[key] for key in _NAME_KEYS if processor.get(key)), None) or next((general[key] for key in _NAME_KEYS if general.get(key)), "")
    return (processor.get("vendor_id", ""), name)


def _component(ref: str, identity: tuple[str, ...], threads: list[dict[str, str]], general: dict[str, str], soc: dict[str, str]) -> Component:
    first = threads[0]
    ids: dict[str, str] = {}
    properties: dict[str, Any] = {"threads": len(threads)}
    cores = {thread.get("core id") or thread.get("core") for thread in threads} - {None}
    if cores:
        properties["cores"] = len(cores)
    if identity[0] == "arm":
        _, implementer, part, variant = identity
        ids["arm"] = implementer.lower()
        properties.update(part=part.lower(), variant=variant, revision=first.get("cpu revision"), architecture=first.get("cpu architecture"))
        name = first.get("model name") or f"ARM CPU implementer {implementer.lower()} part {part.lower()}"
    else:
        vendor_id, name = identity
        if vendor_id:
            ids["cpu"] = vendor_id
        name = name or (f"{vendor_id.strip()} CPU" if vendor_id.strip() else "CPU")
        for key in ("cpu family", "model", "stepping", "microcode", "mvendorid", "marchid", "isa"):
            if first.get(key):
                properties[key.replace(" ", "_")] = first[key]
    if "hypervisor" in first.get("flags", "").split():
        properties["virtualized"] = True
    for key in ("hardware", "system type", "machine", "model"):
        if general.get(key):
            properties[f"platform_{key.replace(' ', '_')}"] = general[key]
    properties.update(soc)
    return Component(ref=ref, kind="cpu", category="hardware", name=name, ids=ids, properties={k: v for k, v in properties.items() if v not in (None, "")})


def _soc(machine: MachineRoot) -> dict[str, str]:
    """The SoC as the device tree and the soc bus name it (ARM, RISC-V, LoongArch boards)."""
    found = {}
    compatible = machine.read_text("/sys/firmware/devicetree/base/compatible", SOURCE)
    if compatible:
        found["soc_compatible"] = ", ".join(part for part in compatible.split("\x00") if part)
    for key in ("machine", "family", "soc_id"):
        value = machine.read_value(f"/sys/devices/soc0/{key}", SOURCE)
        if value:
            found[f"soc_{key}"] = value
    return found


def collect(machine: MachineRoot) -> Iterator[Component]:
    text = machine.read_text("/proc/cpuinfo", SOURCE, expected=True)
    if not text:
        return
    processors, general = parse_cpuinfo(text)
    groups: dict[str, dict[tuple[str, ...], list[dict[str, str]]]] = {}
    for processor in processors:
        groups.setdefault(_package(machine, processor), {}).setdefault(_identity(processor, general), []).append(processor)
    soc = _soc(machine)
    for package, kinds in sorted(groups.items(), key=lambda item: int(item[0]) if item[0].isdigit() else 0):
        for index, (identity, threads) in enumerate(kinds.items()):
            ref = f"cpu:{package}" if len(kinds) == 1 else f"cpu:{package}.{index}"
            component = _component(ref, identity, threads, general, soc)
            component.properties["package"] = package
            yield component
