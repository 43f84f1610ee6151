"""The compact index: every source read once, names resolved once, kept in the user cache.

Building reads ~10 MB of text and takes a second or two; loading the cached index takes
milliseconds, which is what keeps `doorwatch kb lookup` quick from a cold start. The cache
is keyed by the size and modification time of every source, so an updated ids file or
curated record rebuilds it.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator, Mapping

from doorwatch import __version__
from doorwatch.kb import guess, names, sources

INDEX_FORMAT = 1
IDS_FILES = ("pci.ids", "usb.ids", "pnp.ids")
# A registry name is trusted for a country only when this share of its registrations agree.
MAJORITY = 0.75


def cache_dir() -> Path:
    """Where the built index and refreshed ids files live (DOORWATCH_CACHE_DIR overrides)."""
    override = os.environ.get("DOORWATCH_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("doorwatch"))


def ids_path(name: str) -> Path:
    """The newest copy of an ids file: the refreshed one in the cache if newer than the packaged one."""
    packaged = sources.DATA_DIR / name
    refreshed = cache_dir() / "ids" / name
    return refreshed if refreshed.is_file() and is_newer(refreshed, packaged) else packaged


def is_newer(candidate: Path, current: Path) -> bool:
    """By the files' Version headers; IEEE listings by how many blocks they assign; else by modification time (pnp.ids)."""
    if candidate.name in sources.IEEE_BLOCK_FILES:
        return sources.count_ieee_blocks(candidate) > sources.count_ieee_blocks(current)
    candidate_version, current_version = sources.ids_version(candidate), sources.ids_version(current)
    if candidate_version and current_version:
        return candidate_version > current_version
    return candidate.stat().st_mtime > current.stat().st_mtime


def source_paths() -> list[Path]:
    paths = [ids_path(name) for name in (*IDS_FILES, *sources.IEEE_BLOCK_FILES)]
    paths += [sources.DATA_DIR / name for name in sources.CURATED_FILES]
    paths += [sources.ieee_file("oui.txt"), sources.ieee_file("iab.txt")]
    paths += [path for path in sources.MANUF_PATHS if path.is_file()]
    paths += sorted(Path(__file__).parent.glob("*.py"))
    return paths


def fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256(f"{__version__}:{INDEX_FORMAT}".encode())
    for path in paths:
        stat = path.stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class LazyIndex(Mapping):
    """The cached index, one file per table, each read on first use: a lookup of one PCI vendor
    should not pay for reading the 35,000 IEEE blocks."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.tables: dict[str, Any] = {}
        self.names = (directory / "tables").read_text().split()

    def __getitem__(self, name: str) -> Any:
        if name not in self.tables:
            if name not in self.names:
                raise KeyError(name)
            try:
                self.tables[name] = marshal.loads((self.directory / f"{name}.marshal").read_bytes())
            except (OSError, EOFError, ValueError):
                # The cache was removed or damaged under us (sources updated meanwhile): rebuild in memory.
                self.tables = build_index()
        return self.tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def load_index() -> Mapping[str, Any]:
    """The index from the cache, built and saved first when missing or stale."""
    directory = cache_dir() / f"kb-{fingerprint(source_paths())}"
    if (directory / "tables").is_file():
        try:
            return LazyIndex(directory)
        except OSError:
            pass
    index = build_index()
    _save(index, directory)
    return index


def _save(index: dict[str, Any], target: Path) -> None:
    """Write to a temporary folder renamed into place, drop older indexes; a read-only cache only costs speed."""
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        for name, table in index.items():
            (tmp / f"{name}.marshal").write_bytes(marshal.dumps(table))
        (tmp / "tables").write_text("\n".join(index))
        os.replace(tmp, target)
        # Indexes of older sources go; another process's build in progress (*.tmp) is left alone.
        for old in target.parent.glob("kb-*"):
            if old == target or old.name.endswith(".tmp"):
                continue
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def build_index() -> dict[str, Any]:
    """Read every source and resolve every vendor name once."""
    curated = sources.read_curated()
    pci_vendors, pci_devices, pci_classes = sources.read_ids(ids_path("pci.ids"))
    usb_vendors, usb_products, _ = sources.read_ids(ids_path("usb.ids"))
    mal, iab = sources.read_ieee()
    mam, mas = (sources.read_ieee_listing(ids_path(name), digits) for name, digits in sources.IEEE_BLOCK_FILES.items())
    index: dict[str, Any] = {
        "versions": {name: sources.ids_version(ids_path(name)) for name in IDS_FILES},
        "pci_vendors": pci_vendors,
        "pci_devices": pci_devices,
        "pci_classes": pci_classes,
        "usb_vendors": usb_vendors,
        "usb_products": usb_products,
        "pnp": sources.read_pnp(ids_path("pnp.ids")),
        "oui_l": mal,
        "oui_iab": iab,
        "oui_mam": mam,
        "oui_mas": mas,
        "oui_ms": sources.read_manuf(),
    }
    index.update(_maker_tables(curated["makers"]))
    index.update(_registry_names(mal, iab, mam, mas))
    index["guess_model"] = guess.train(index["org_full"].values())
    for section in ("cpu", "arm", "products", "distributions", "modules", "firmware", "pypi", "domains"):
        index[section] = curated.get(section, [])
    index["invalid_ids"] = {(record["space"], record["id"]): (record["reason"], record["source"]) for record in curated.get("invalid_ids", [])}
    index.update(_resolve_vendors(index))
    return index


def _resolve_vendors(index: dict[str, Any]) -> dict[str, Any]:
    """Every vendor name of the ids files resolved now, so a lookup by id is one dict hit."""
    from doorwatch.kb.base import KnowledgeBase

    resolver = KnowledgeBase(index)
    return {
        f"{space}_resolved": {ident: resolver.resolve_name(name) for ident, name in index[table].items()}
        for space, table in (("pci", "pci_vendors"), ("usb", "usb_vendors"), ("pnp", "pnp"))
    }


def _maker_tables(makers: list[dict[str, Any]]) -> dict[str, Any]:
    """Curated makers by name, with their name keys, prefixes and the ids they own."""
    table: dict[str, tuple] = {}
    keys: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    owned: dict[str, dict[str, str]] = {"pci": {}, "usb": {}, "pnp": {}, "iana": {}}
    id_sources: dict[str, str] = {}
    for record in makers:
        id_sources.update(record.get("id_sources", {}))
        name = record["name"]
        table[name] = (record.get("country"), record.get("parent"), record.get("source"), record.get("origin"))
        for alias in [name, *record.get("aliases", [])]:
            for part in names.name_parts(alias) if alias == name else [alias]:
                key = names.full_key(part)
                if key:
                    keys.setdefault(key, name)
        for prefix in record.get("prefixes", []):
            prefixes[names.full_key(prefix)] = name
        for space in owned:
            for ident in record.get(space, []):
                owned[space][str(ident).lower() if space != "pnp" else str(ident).upper()] = name
    return {"makers": table, "maker_keys": keys, "maker_prefixes": prefixes, "owned": owned, "id_sources": id_sources}


def _registry_names(*listings: dict) -> dict[str, Any]:
    """IEEE organisation names -> (spelling, country), by full key (majority) and core key (undisputed)."""
    by_full: dict[str, Counter] = defaultdict(Counter)
    spelling: dict[str, Counter] = defaultdict(Counter)
    blocks = Counter(entry for listing in listings for entry in listing.values())  # one organisation holds many blocks: normalise each name once
    for (org, country), count in blocks.items():
        key = names.full_key(org)
        if key and country and key != "private":
            by_full[key][country] += count
            spelling[key][org] += count
    org_full: dict[str, tuple[str, str]] = {}
    core_countries: dict[str, set] = defaultdict(set)
    core_names: dict[str, str] = {}
    for key, countries in by_full.items():
        country, count = countries.most_common(1)[0]
        if count / sum(countries.values()) < MAJORITY:
            continue
        org = spelling[key].most_common(1)[0][0]
        org_full[key] = (org, country)
        core = names.core_key(org)
        if core:
            core_countries[core].add(country)
            core_names.setdefault(core, org)
    org_core = {core: (core_names[core], next(iter(c))) for core, c in core_countries.items() if len(c) == 1}
    return {"org_full": org_full, "org_core": org_core}
