"""`doorwatch kb update`: take the system's pci.ids, usb.ids, pnp.ids and IEEE MA-M/MA-S listings when newer than ours."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from doorwatch.kb import index, sources

# Where distributions keep the ids files (pciutils, usbutils, hwdata), most specific first.
SYSTEM_COPIES = {
    "pci.ids": ("/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/var/lib/pciutils/pci.ids", "/usr/share/pci.ids"),
    "usb.ids": ("/var/lib/usbutils/usb.ids", "/usr/share/misc/usb.ids", "/usr/share/hwdata/usb.ids", "/usr/share/usb.ids"),
    "pnp.ids": ("/usr/share/hwdata/pnp.ids", "/usr/share/misc/pnp.ids"),
    # Debian and Ubuntu's ieee-data package.
    "mam.txt": ("/usr/share/ieee-data/mam.txt",),
    "oui36.txt": ("/usr/share/ieee-data/oui36.txt",),
}


def refresh(source_dir: Path | None = None) -> list[dict]:
    """Copy each newer ids file into the user cache; one record per file saying what was done."""
    results = []
    for name, candidates in SYSTEM_COPIES.items():
        paths = [source_dir / name] if source_dir else [Path(path) for path in candidates]
        current = index.ids_path(name)
        record = {"file": name, "current": str(current), "current_version": sources.ids_version(current) or None,
                  "candidate": None, "updated": False}
        for path in paths:
            if not path.is_file():
                continue
            record["candidate"] = str(path.resolve())
            if index.is_newer(path, current) and _looks_valid(path, name):
                target = index.cache_dir() / "ids" / name
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f"{name}.{os.getpid()}.tmp")
                shutil.copyfile(path, tmp)
                os.replace(tmp, target)
                record.update(updated=True, current=str(target), current_version=sources.ids_version(target) or None)
            break
        results.append(record)
    return results


def _looks_valid(path: Path, name: str) -> bool:
    """Refuse a truncated or foreign file: it must parse to a sizeable vendor table."""
    if name == "pnp.ids":
        return len(sources.read_pnp(path)) > 100
    if name in sources.IEEE_BLOCK_FILES:
        return len(sources.read_ieee_listing(path, sources.IEEE_BLOCK_FILES[name])) > 100
    return len(sources.read_ids(path)[0]) > 100
