"""Readers of the raw sources the knowledge base is built from: the ids files, the IEEE registry, curated YAML.

pci.ids, usb.ids and pnp.ids have no maintained Python reader (pciutils and usbutils read them in C),
so the small line-format reader below is ours. The IEEE registry is the copy netaddr ships; netaddr
looks up one prefix at a time, while the knowledge base needs every organisation with its country,
so the files are read whole here.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
CURATED_FILES = ("makers.yaml", "platform.yaml", "software.yaml", "vendor_ids.tsv")
# The IEEE MA-M (/28) and MA-S (/36) listings with registrant addresses, which netaddr lacks: shipped
# (IEEE public listing, as Debian's ieee-data carries it) and refreshed by `kb update`, with the hex digits
# that name a block in each.
IEEE_BLOCK_FILES = {"mam.txt": 7, "oui36.txt": 9}
# Wireshark's manuf file names blocks assigned after our listing (names only); used when present.
MANUF_PATHS = (Path("/usr/share/wireshark/manuf"),)

_HEX4 = re.compile(r"^[0-9a-fA-F]{4}$")


def ids_version(path: Path) -> str:
    """The `Version: YYYY.MM.DD` of an ids file, or '' when it has none."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for _, line in zip(range(40), handle):
            match = re.search(r"Version:\s*([0-9.]+)", line)
            if match:
                return match.group(1)
    return ""


def read_ids(path: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """pci.ids or usb.ids as (vendors, devices 'vvvv:dddd', classes 'cc', 'ccss', 'ccsspp')."""
    vendors: dict[str, str] = {}
    devices: dict[str, str] = {}
    classes: dict[str, str] = {}
    vendor = klass = subclass = None
    in_classes = False
    with open(path, encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if not line.startswith("\t"):
                head, _, name = line.partition("  ")
                if line.startswith("C ") and len(head) == 4:
                    in_classes, klass = True, head[2:].lower()
                    classes[klass] = name.strip()
                elif _HEX4.match(head) and not in_classes:
                    vendor = head.lower()
                    vendors[vendor] = name.strip()
                else:
                    vendor = klass = None
                    in_classes = False
                continue
            if line.startswith("\t\t"):
                code, _, name = line[2:].partition("  ")
                if in_classes and subclass and len(code) == 2:
                    classes[subclass + code.lower()] = name.strip()
                continue
            code, _, name = line[1:].partition("  ")
            if in_classes and klass and len(code) == 2:
                subclass = klass + code.lower()
                classes[subclass] = name.strip()
            elif vendor and _HEX4.match(code):
                devices[f"{vendor}:{code.lower()}"] = name.strip()
    return vendors, devices, classes


def read_pnp(path: Path) -> dict[str, str]:
    """pnp.ids: three-letter EDID/PNP manufacturer code -> name."""
    table: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            code, _, name = line.rstrip("\n").partition("\t")
            if len(code) == 3 and name:
                table[code.upper()] = name.strip()
    return table


_IEEE_BLOCK = re.compile(
    r"^([0-9A-F]{2}-[0-9A-F]{2}-[0-9A-F]{2})\s+\(hex\)\s+(.*?)\s*\n"
    r"([0-9A-F]{6}(?:-[0-9A-F]{6})?)\s+\(base 16\)[^\n]*\n"
    r"((?:[ \t]+\S[^\n]*\n?)*)",
    re.MULTILINE,
)


def ieee_file(name: str) -> Path:
    """A file of netaddr's IEEE registry copy, found without importing netaddr (which is slow to import)."""
    spec = importlib.util.find_spec("netaddr")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("netaddr is not installed: the IEEE registry is unavailable")
    return Path(spec.submodule_search_locations[0]) / "eui" / name


def read_ieee() -> tuple[dict[str, tuple[str, str | None]], dict[str, tuple[str, str | None]]]:
    """The IEEE registry netaddr ships: (MA-L 'XXXXXX' -> (org, country), IAB 'XXXXXXXXX' -> (org, country))."""
    return read_ieee_listing(ieee_file("oui.txt"), 6), read_ieee_listing(ieee_file("iab.txt"), 9)


def read_ieee_listing(path: Path, digits: int) -> dict[str, tuple[str, str | None]]:
    """One IEEE public listing (oui.txt, iab.txt, mam.txt, oui36.txt): block prefix of `digits` hex digits -> (org, country).

    A block's prefix is its 24-bit OUI followed by the leading digits of its range ('70-B3-D5' + '001000')."""
    table: dict[str, tuple[str, str | None]] = {}
    text = path.read_text(encoding="utf-8", errors="replace").replace("\r", "")
    for match in _IEEE_BLOCK.finditer(text):
        prefix = (match.group(1).replace("-", "") + match.group(3))[:digits]
        address = [line.strip() for line in match.group(4).splitlines() if line.strip()]
        country = address[-1] if address and re.fullmatch(r"[A-Z]{2}", address[-1]) else None
        table[prefix] = (match.group(2).strip(), country)
    return table


def count_ieee_blocks(path: Path) -> int:
    """How many blocks a listing assigns: the listings only grow, so more blocks means newer.

    Counted in the raw bytes: every load of the index asks this of a refreshed listing, and
    decoding 800 kB line by line took eight times as long."""
    return path.read_bytes().count(b"(base 16)")


def read_manuf() -> dict[str, str]:
    """MA-M and MA-S blocks from Wireshark's manuf: 'XXXXXXX' (28 bits) or 'XXXXXXXXX' (36 bits) -> name."""
    blocks: dict[str, str] = {}
    for path in MANUF_PATHS:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            fields = line.split("\t")
            prefix, _, bits = fields[0].partition("/")
            if bits not in ("28", "36") or len(fields) < 2:
                continue
            digits = prefix.replace(":", "").replace("-", "").upper()[: int(bits) // 4]
            blocks[digits] = fields[-1].strip()
        break
    return blocks


def read_curated(data_dir: Path = DATA_DIR) -> dict[str, list[dict[str, Any]]]:
    """The curated records, by section name ('makers', 'cpu', 'arm', 'products', ...)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    sections: dict[str, list[dict[str, Any]]] = {}
    for name in CURATED_FILES:
        if not name.endswith(".yaml"):
            continue
        with open(data_dir / name, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=loader) or {}
        for section, records in document.items():
            sections.setdefault(section, []).extend(records or [])
    _merge_vendor_ids(sections["makers"], data_dir / "vendor_ids.tsv")
    return sections


def _merge_vendor_ids(makers: list[dict[str, Any]], path: Path) -> None:
    """Add the ids of vendor_ids.tsv to their makers, creating the makers makers.yaml lacks.

    A country of '-' marks a community project (no company, no country)."""
    by_name = {record["name"]: record for record in makers}
    with open(path, encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle if line.strip() and not line.startswith("#")]
    for space, ident, maker, country, parent, source in rows[1:]:
        record = by_name.get(maker)
        if record is None:
            record = {"name": maker, "country": None if country == "-" else country, "source": source}
            if parent:
                record["parent"] = parent
            if country == "-":
                record["origin"] = "community"
            makers.append(record)
            by_name[maker] = record
        else:  # the maker's own note says where it is; this one says why the id is its
            record.setdefault("id_sources", {})[f"{space}:{ident}"] = source
        record.setdefault(space, []).append(ident)
