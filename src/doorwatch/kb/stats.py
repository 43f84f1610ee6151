"""Coverage figures: how many identifiers resolve to a maker and a country, and how firmly."""

from __future__ import annotations

from collections import ChainMap, Counter
from typing import TYPE_CHECKING

from doorwatch.kb.base import INVALID_VENDOR, Answer

if TYPE_CHECKING:
    from doorwatch.kb.base import KnowledgeBase

LEVELS = ("curated", "registry", "name-match", "guess", "maker-only", "unknown", "invalid ids")


def level(answer: Answer) -> str:
    """The coverage class of one answer: its confidence when a country is known, else maker-only or unknown;
    ids no maker holds (all ones, all zeros, reserved) are a class of their own."""
    if answer.vendor == INVALID_VENDOR:
        return "invalid ids"
    if answer.country is not None or answer.origin == "community":
        return str(answer.confidence)
    return "maker-only" if answer.vendor else "unknown"


def uncurated_names(kb: KnowledgeBase) -> KnowledgeBase:
    """The same knowledge base with curated maker names set aside, so the name matcher and the guesses
    are measured on a labelled sample even after curation has placed some of its names."""
    from doorwatch.kb.base import KnowledgeBase

    return KnowledgeBase(ChainMap({"maker_keys": {}, "maker_prefixes": {}}, kb.index))


def count(answers) -> dict[str, int]:
    tally = Counter(level(answer) for answer in answers)
    return {"total": sum(tally.values()), **{name: tally.get(name, 0) for name in LEVELS}}


def coverage(kb: "KnowledgeBase") -> dict:
    """Identifiers of each registry by confidence, plus the size of the curated data and the sources' versions."""
    index = kb.index
    identifiers = {
        "pci vendors": count(kb.lookup(f"pci:{vid}") for vid in index["pci_vendors"]),
        "usb vendors": count(kb.lookup(f"usb:{vid}") for vid in index["usb_vendors"]),
        "pnp codes": count(kb.lookup(f"pnp:{code}") for code in index["pnp"] if code.isalpha()),
        "ieee ma-l blocks": _registry_blocks(kb, "oui_l"),
        "ieee ma-m blocks": _registry_blocks(kb, "oui_mam"),
        "ieee ma-s blocks": _registry_blocks(kb, "oui_mas"),
    }
    software = kb.software
    curated = {
        "makers": len(index["makers"]),
        "makers with a parent": sum(1 for record in index["makers"].values() if record[1]),
        "products": len(index["products"]),
        "distributions": len(index["distributions"]),
        "python publishers": len(index["pypi"]),
        "kernel modules": len(software.modules),
        "firmware locations": len(software.firmware),
        "cpu vendor strings": len(index["cpu"]),
        "arm implementers": len(index["arm"]),
    }
    sources = {
        **{name: version or "no version" for name, version in index["versions"].items()},
        "ieee registry organisations": len(index["org_full"]),
        "wireshark manuf ma-m/ma-s blocks": len(index["oui_ms"]),
    }
    return {"identifiers": identifiers, "curated": curated, "sources": sources}


def _registry_blocks(kb: "KnowledgeBase", table: str) -> dict[str, int]:
    """IEEE blocks: curated when the registrant is a curated maker, else the registry's own address country."""
    tally: Counter = Counter()
    for org, country in kb.index[table].values():
        if kb.curated_maker(org):
            tally["curated"] += 1
        else:
            tally["registry" if country else "unknown"] += 1
    return {"total": sum(tally.values()), **{name: tally.get(name, 0) for name in LEVELS}}
