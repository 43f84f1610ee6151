"""Saved `osqueryi --json` output (and FleetDM exports of the same tables).

osquery prints each query's rows as a JSON array of objects; a file may hold
several arrays one after the other, or an object mapping table names to rows.
The table is recognised by its columns, so `select * from pci_devices` and a
query naming a few of the columns are both read.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from doorwatch.collect import dpkg, rpm, systemd
from doorwatch.collect.imports.devices import pci_component, usb_component
from doorwatch.collect.imports.dmidecode import cpu_vendor_id
from doorwatch.collect.imports.result import ImportedMachine
from doorwatch.collect.listening import listener
from doorwatch.collect.python_packages import normalized_name
from doorwatch.errors import DoorwatchError
from doorwatch.model import Component, Feature

NAME = "osquery"
Row = dict[str, Any]


def detect(text: str) -> str | None:
    stripped = text.lstrip()
    if not stripped.startswith(("[", "{")):
        return None
    try:
        row_sets = list(_row_sets(stripped))
    except ValueError:
        return None
    return "osquery" if any(_table_of(rows) for rows in row_sets) else None


def _row_sets(text: str) -> Iterator[list[Row]]:
    """Each array of rows in the text: arrays back to back, or an object of table -> rows."""
    decoder = json.JSONDecoder()
    position = 0
    while position < len(text):
        value, position = decoder.raw_decode(text, position)
        while position < len(text) and text[position].isspace():
            position += 1
        if isinstance(value, list):
            yield [row for row in value if isinstance(row, dict)]
        elif isinstance(value, dict) and all(isinstance(rows, list) for rows in value.values()):
            yield from ([row for row in rows if isinstance(row, dict)] for rows in value.values())
        else:
            raise ValueError("not osquery rows")


def parse(text: str, format_name: str) -> ImportedMachine:
    imported = ImportedMachine(format=format_name)
    try:
        row_sets = list(_row_sets(text.lstrip()))
    except ValueError as err:
        raise DoorwatchError(f"osquery JSON unreadable: {err}") from None
    taken: set[str] = set()
    for rows in row_sets:
        table = _table_of(rows)
        if table is None:
            imported.note(NAME, f"a result set of {len(rows)} rows from an unsupported table skipped")
            continue
        for index, row in enumerate(rows):
            for component, features in _READERS[table](row, index, imported):
                if component.ref not in taken:
                    taken.add(component.ref)
                    imported.add(component, features)
    return imported


def _table_of(rows: list[Row]) -> str | None:
    if not rows:
        return None
    columns = set(rows[0])
    return next((table for table, needed in _SIGNATURES if needed <= columns), None)


def _text(row: Row, key: str) -> str | None:
    value = row.get(key)
    return str(value).strip() if value not in (None, "") else None


def _hex(value: str | None, width: int) -> str | None:
    """osquery's "0x8086", "8086" or "e0" as lowercase hex of `width` digits."""
    if not value:
        return None
    try:
        return f"{int(value, 16):0{width}x}"
    except ValueError:
        return None


def _pci(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    class_id, subclass_id = _hex(_text(row, "pci_class_id"), 2), _hex(_text(row, "pci_subclass_id"), 2)
    subsystem = (_hex(_text(row, "subsystem_vendor_id"), 4), _hex(_text(row, "subsystem_model_id"), 4))
    yield pci_component(
        _text(row, "pci_slot") or f"unknown:{index}",
        class_code=f"{class_id}{subclass_id}" if class_id and subclass_id else None,
        class_name=_text(row, "pci_class"),
        vendor_id=_hex(_text(row, "vendor_id"), 4),
        device_id=_hex(_text(row, "model_id"), 4),
        name=" ".join(filter(None, [_text(row, "vendor"), _text(row, "model")])) or "PCI device",
        properties={"driver": _text(row, "driver"), "subsystem": _text(row, "subsystem_model")},
        subsystem=subsystem if all(subsystem) else None,  # type: ignore[arg-type]
    )


def _usb(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    bus, device = _text(row, "usb_address"), _text(row, "usb_port")
    numbers = [int(value, 16) if value else None for value in (_hex(_text(row, key), 2) for key in ("class", "subclass", "protocol"))]
    name = " ".join(filter(None, [_text(row, "vendor"), _text(row, "model")]))
    yield usb_component(
        f"usb:{int(bus):03d}:{int(device):03d}" if bus and device and bus.isdigit() and device.isdigit() else f"usb:osquery:{index}",
        vendor_id=_hex(_text(row, "vendor_id"), 4) or "0000",
        product_id=_hex(_text(row, "model_id"), 4) or "0000",
        name=name,
        functions=[tuple(numbers)] if numbers[0] is not None else [],  # type: ignore[list-item]
        properties={"bus": bus, "device": device, "usb_version": _text(row, "version"), "removable": _text(row, "removable")},
    )


def _system_info(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    imported.machine.hostname = _text(row, "hostname") or _text(row, "local_hostname")
    vendor, model = _text(row, "hardware_vendor"), _text(row, "hardware_model")
    if vendor or model:
        yield Component(ref="dmi:system", kind="system", category="hardware", name=model or f"{vendor} system", properties=_set(vendor_name=vendor, product_name=model, product_version=_text(row, "hardware_version"))), []
    board_vendor, board_model = _text(row, "board_vendor"), _text(row, "board_model")
    if board_vendor or board_model:
        yield Component(ref="dmi:board", kind="board", category="hardware", name=board_model or f"{board_vendor} board", properties=_set(vendor_name=board_vendor, board_name=board_model, board_version=_text(row, "board_version"))), []
    if _text(row, "cpu_brand"):
        yield _cpu(_text(row, "cpu_brand"), None, "cpu:0", _set(cores=_text(row, "cpu_physical_cores"), microcode=_text(row, "cpu_microcode"))), []


def _cpu_info(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    yield _cpu(_text(row, "model"), _text(row, "manufacturer"), f"cpu:{index}", _set(socket=_text(row, "socket_designation"), cores=_text(row, "number_of_cores"))), []


def _cpu(model: str | None, manufacturer: str | None, ref: str, properties: dict[str, object]) -> Component:
    vendor_id = cpu_vendor_id(manufacturer or "") or cpu_vendor_id(model or "")
    return Component(ref=ref, kind="cpu", category="hardware", name=model or manufacturer or "processor", ids={"cpu": vendor_id} if vendor_id else {}, properties=_set(vendor_name=manufacturer, **properties))


def _os_version(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    imported.machine.os = " ".join(filter(None, [_text(row, "name"), _text(row, "version")]))
    imported.machine.arch = _text(row, "arch")
    return iter(())


def _deb(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    if (_text(row, "status") or "install ok installed") != "install ok installed":
        return
    fields = {"Package": _text(row, "name"), "Version": _text(row, "version"), "Architecture": _text(row, "arch"), "Maintainer": _text(row, "maintainer"), "Source": _text(row, "source"), "Section": _text(row, "section")}
    fields = {key: value for key, value in fields.items() if value}
    yield dpkg.package_component(fields, f"deb:{fields['Package']}", None), []


def _rpm(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    header = {"name": _text(row, "name"), "version": _text(row, "version"), "release": _text(row, "release"), "arch": _text(row, "arch"), "vendor": _text(row, "vendor"), "sourcerpm": _text(row, "source")}
    epoch = _text(row, "epoch")
    header = {key: value for key, value in header.items() if value}
    if epoch and epoch.isdigit():
        header["epoch"] = int(epoch)  # type: ignore[assignment]
    yield rpm.package_component(header, f"rpm:{header['name']}", None), []


def _python(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    name = _text(row, "name") or ""
    key = normalized_name(name)
    yield Component(ref=f"pypi:{key}", kind="package", category="software", name=name, ids={"pypi": key}, properties=_set(version=_text(row, "version"), maintainer=_text(row, "author"), install_path=_text(row, "directory"))), []


def _kernel_module(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    name = _text(row, "name") or ""
    yield Component(ref=f"module:{name}", kind="kernel-module", category="software", name=name, ids={"module": name}, properties=_set(size=_text(row, "size"), used_by=_text(row, "used_by"), state=_text(row, "status"))), []


def _listening(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    protocol = {"6": "tcp", "17": "udp"}.get(_text(row, "protocol") or "")
    port = _text(row, "port")
    if protocol and port and port.isdigit() and int(port) > 0:
        pid = _text(row, "pid")
        yield listener(protocol, _text(row, "address") or "", int(port), pid=int(pid) if pid and pid.lstrip("-").isdigit() and int(pid) > 0 else None), []


def _systemd_unit(row: Row, index: int, imported: ImportedMachine) -> Iterator[tuple[Component, list[Feature]]]:
    unit = _text(row, "id") or ""
    if _text(row, "unit_file_state") != "enabled" or not unit.endswith(systemd.UNIT_TYPES):
        return
    properties = _set(state="enabled", description=_text(row, "description"), active=_text(row, "active_state"), install_path=_text(row, "fragment_path"))
    yield Component(ref=f"service:{unit}", kind="service", category="software", name=unit, ids={"service": unit}, properties=properties), []


def _set(**values: object) -> dict[str, object]:
    return {key: value for key, value in values.items() if value not in (None, "")}


# (table, columns that identify it), most specific first.
_SIGNATURES: list[tuple[str, set[str]]] = [
    ("pci_devices", {"pci_slot", "vendor_id", "model_id"}),
    ("usb_devices", {"usb_address", "vendor_id", "model_id"}),
    ("system_info", {"hostname", "cpu_brand", "hardware_vendor"}),
    ("cpu_info", {"device_id", "model", "manufacturer", "processor_type"}),
    ("os_version", {"name", "version", "platform", "major"}),
    ("deb_packages", {"name", "version", "arch", "maintainer", "section"}),
    ("rpm_packages", {"name", "version", "release", "arch"}),
    ("python_packages", {"name", "version", "directory"}),
    ("kernel_modules", {"name", "size", "used_by", "status"}),
    ("listening_ports", {"pid", "port", "protocol", "family", "address"}),
    ("systemd_units", {"id", "load_state", "active_state", "unit_file_state"}),
]
_READERS: dict[str, Callable[[Row, int, ImportedMachine], Iterator[tuple[Component, list[Feature]]]]] = {
    "pci_devices": _pci,
    "usb_devices": _usb,
    "system_info": _system_info,
    "cpu_info": _cpu_info,
    "os_version": _os_version,
    "deb_packages": _deb,
    "rpm_packages": _rpm,
    "python_packages": _python,
    "kernel_modules": _kernel_module,
    "listening_ports": _listening,
    "systemd_units": _systemd_unit,
}
