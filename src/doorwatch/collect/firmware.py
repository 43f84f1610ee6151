"""Firmware: what the platform and the loaded drivers say about the firmware on this machine.

What can be known without executing anything:
- the UEFI System Resource Table (/sys/firmware/efi/esrt): each firmware the
  platform can update, with its GUID, type and current version;
- the firmware files loaded drivers declare (`modinfo -F firmware`) that are
  present in the kernel's firmware search path. The kernel does not record which
  of them it actually loaded, so these are reported as available to the driver.
Device-reported versions (BIOS, ME, NVMe, GPU VBIOS) are on their own components.
"""

from __future__ import annotations

import gzip
import lzma
import re
from typing import Iterator

import zstandard

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.system import kernel_release
from doorwatch.collect.util import pci_devices, usb_devices
from doorwatch.model import Component

SOURCE = "firmware"
ORDER = 90

_ESRT = "/sys/firmware/efi/esrt/entries"
_ESRT_TYPES = {"0": "unknown", "1": "system", "2": "device", "3": "driver"}
# The strings of a module's .modinfo section are NUL-separated "key=value" pairs; scanning for them
# is what modinfo does after locating the section, and avoids parsing a whole relocatable ELF per module.
_FIRMWARE_ENTRY = re.compile(rb"(?:^|\x00)firmware=([A-Za-z0-9_./+-]+)(?=\x00)")


def _zstd_decompress(data: bytes) -> bytes:
    # Kernel modules are zstd frames without a declared size, so decompress as a stream.
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


_DECOMPRESS = {".xz": lzma.decompress, ".gz": gzip.decompress, ".zst": _zstd_decompress}
_FIRMWARE_SUFFIXES = ("", ".zst", ".xz")
MAX_MODULE_BYTES = 64 * 1024 * 1024


def _esrt(machine: MachineRoot) -> Iterator[Component]:
    for entry in machine.listdir(_ESRT, SOURCE):
        base = f"{_ESRT}/{entry}"
        guid = machine.read_value(f"{base}/fw_class", SOURCE)
        if not guid:
            continue
        version = machine.read_value(f"{base}/fw_version", SOURCE)
        fw_type = _ESRT_TYPES.get(machine.read_value(f"{base}/fw_type", SOURCE) or "0", "unknown")
        properties = {
            "firmware_type": fw_type,
            "version": version,
            "lowest_supported_version": machine.read_value(f"{base}/lowest_supported_fw_version", SOURCE),
            "last_attempt_version": machine.read_value(f"{base}/last_attempt_version", SOURCE),
            "last_attempt_status": machine.read_value(f"{base}/last_attempt_status", SOURCE),
            "path": base,
        }
        yield Component(
            ref=f"firmware:esrt:{guid.lower()}",
            kind="firmware",
            category="firmware",
            name=f"UEFI {fw_type} firmware {guid.lower()}",
            ids={"esrt": guid.lower()},
            properties={key: value for key, value in properties.items() if value},
        )


def _module_name(path: str) -> str:
    name = path.rsplit("/", 1)[-1].split(".ko", 1)[0]
    return name.replace("-", "_")


def _module_paths(machine: MachineRoot, release: str) -> dict[str, str]:
    """Module name -> machine path of its file, from modules.dep."""
    base = f"/lib/modules/{release}"
    paths = {}
    for line in (machine.read_text(f"{base}/modules.dep", SOURCE) or "").splitlines():
        relative = line.split(":", 1)[0].strip()
        if relative:
            paths[_module_name(relative)] = relative if relative.startswith("/") else f"{base}/{relative}"
    return paths


def declared_firmware(machine: MachineRoot, module_path: str) -> list[str]:
    """The firmware file names a module file declares in its .modinfo section ([] when it cannot be read)."""
    data = machine.read_bytes(module_path, SOURCE, MAX_MODULE_BYTES)
    if data is None:
        return []
    for suffix, decompress in _DECOMPRESS.items():
        if module_path.endswith(suffix):
            try:
                data = decompress(data)
            except (lzma.LZMAError, zstandard.ZstdError, OSError, EOFError) as err:
                machine.note(SOURCE, module_path, f"cannot decompress: {err}")
                return []
    return [match.decode() for match in _FIRMWARE_ENTRY.findall(data)]


def _search_dirs(machine: MachineRoot, release: str) -> list[str]:
    """The kernel's firmware search path, in its order (custom path first)."""
    custom = machine.read_value("/sys/module/firmware_class/parameters/path", SOURCE)
    dirs = [custom] if custom else []
    return dirs + [f"/lib/firmware/updates/{release}", "/lib/firmware/updates", f"/lib/firmware/{release}", "/lib/firmware"]


def _find(machine: MachineRoot, dirs: list[str], name: str) -> str | None:
    for directory in dirs:
        for suffix in _FIRMWARE_SUFFIXES:
            candidate = f"{directory}/{name}{suffix}"
            if machine.exists(candidate):
                return candidate
    return None


def _devices_by_module(machine: MachineRoot) -> dict[str, list[str]]:
    """Module (or driver) name -> refs of the PCI and USB devices it drives."""
    users: dict[str, list[str]] = {}
    for device in pci_devices(machine):
        for name in {device.properties.get("module"), device.driver} - {None}:
            users.setdefault(name.replace("-", "_"), []).append(device.ref)
    for device in usb_devices(machine):
        for interface in device.properties.get("interfaces", []):
            if interface.get("driver"):
                refs = users.setdefault(interface["driver"].replace("-", "_"), [])
                if device.ref not in refs:
                    refs.append(device.ref)
    return users


def _size(machine: MachineRoot, path: str) -> int | None:
    try:
        return machine.path(path).stat().st_size
    except OSError:
        return None


def _declared_by_loaded_modules(machine: MachineRoot, release: str) -> dict[str, list[tuple[str, str]]]:
    """Firmware name -> (module, module file) of each loaded module that declares it."""
    modules_text = machine.read_text("/proc/modules", SOURCE) or ""
    paths = _module_paths(machine, release)
    declared: dict[str, list[tuple[str, str]]] = {}
    for module in (line.split()[0] for line in modules_text.splitlines() if line.strip()):
        if module not in paths:
            continue
        for name in declared_firmware(machine, paths[module]):
            declared.setdefault(name, []).append((module, paths[module]))
    return declared


def _driver_firmware(machine: MachineRoot) -> Iterator[Component]:
    release = kernel_release(machine)
    if not release:
        return
    dirs = _search_dirs(machine, release)
    users = _devices_by_module(machine)
    for name, modules in _declared_by_loaded_modules(machine, release).items():
        path = _find(machine, dirs, name)
        if path is None:
            continue  # declared but absent: the kernel cannot have loaded it
        devices = list(dict.fromkeys(ref for module, _ in modules for ref in users.get(module, [])))
        properties = {
            "path": path,
            "size": _size(machine, path),
            "load_state": "available",
            "referenced_by": [module for module, _ in modules],
            "declared_in": [module_path for _, module_path in modules],
            "devices": devices,
        }
        yield Component(ref=f"firmware:{name}", kind="firmware", category="firmware", name=name, properties={k: v for k, v in properties.items() if v is not None and v != []})


def collect(machine: MachineRoot) -> Iterator[Component]:
    yield from _esrt(machine)
    yield from _driver_firmware(machine)
