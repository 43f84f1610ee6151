"""Importers: inventories of machines doorwatch cannot run on, from other tools' saved output.

`import_file(path)` recognises the format by content, not by file name:
`lspci -nn` / `-vvnn`, `lsusb` / `lsusb -v`, `dmidecode`, CycloneDX JSON and
`osqueryi --json` output. Adding a format means adding a module with
`detect(text) -> format name | None` and `parse(text, format) -> ImportedMachine`
and listing it in `IMPORTERS`.
"""

from __future__ import annotations

from pathlib import Path

from doorwatch.collect.imports import cyclonedx, dmidecode, lspci, lsusb, osquery
from doorwatch.collect.imports.result import ImportedMachine
from doorwatch.errors import DoorwatchError

__all__ = ["ImportedMachine", "import_file", "import_text", "ACCEPTED"]

# JSON formats first: their detection is exact; text formats after.
IMPORTERS = (cyclonedx, osquery, dmidecode, lsusb, lspci)
ACCEPTED = "lspci -nn / -vvnn, lsusb / lsusb -v, dmidecode, CycloneDX JSON, osquery JSON"
MAX_BYTES = 64 * 1024 * 1024


def import_text(text: str, source: str = "<text>") -> ImportedMachine:
    """The machine described by one tool's output; DoorwatchError when no format matches."""
    for importer in IMPORTERS:
        format_name = importer.detect(text)
        if format_name:
            try:
                imported = importer.parse(text, format_name)
            except DoorwatchError as err:
                raise DoorwatchError(f"{source}: {err}") from None
            except (ValueError, KeyError, TypeError, AttributeError) as err:  # a damaged file, not a bug to show as a traceback
                raise DoorwatchError(f"{source}: unreadable {format_name} output: {err}") from None
            imported.machine.root = source
            return imported
    raise DoorwatchError(f"{source}: not a recognised inventory; accepted: {ACCEPTED}")


def import_file(path: Path) -> ImportedMachine:
    """The machine described by a saved file, its format recognised by content."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise DoorwatchError(f"{path}: cannot read: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise DoorwatchError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB, not an inventory; accepted: {ACCEPTED}")
    # lsusb prints names as the device reports them; some are not UTF-8.
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    return import_text(text, str(path))
