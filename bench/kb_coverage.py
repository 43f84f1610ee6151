"""Coverage and precision of the provenance knowledge base.

Prints, for the PCI vendors seen in real machines (linux-hardware.org "PCI Devices Population",
CC BY 4.0, via ../shared/data/pci-vendor-population.tsv), for all of pci.ids, usb.ids and pnp.ids: how many
resolve to a maker and a country, by confidence, by vendors and weighted by devices seen. Then the
precision of the name matcher and of the wording guesses on the hand-labelled sample, and the
wording model's held-out precision on IEEE registry names. Peer: the names pciutils can give
with this system's own pci.ids (no country at all), measured in the same run.

    python bench/kb_coverage.py
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

from doorwatch.kb.stats import LEVELS

ROOT = Path(__file__).resolve().parents[1]
POPULATION = ROOT.parent / "shared" / "data" / "pci-vendor-population.tsv"
SAMPLE = ROOT / "tests" / "kb" / "data" / "matcher_sample.tsv"
SYSTEM_PCI_IDS = Path("/usr/share/misc/pci.ids")


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "  n/a"


def table(title: str, tally: Counter, total: float) -> None:
    print(f"\n{title}")
    for name in LEVELS:
        print(f"  {name:11s} {tally.get(name, 0):>12,.0f}  {share(tally.get(name, 0), total)}")
    firm = sum(tally.get(name, 0) for name in ("curated", "registry", "name-match"))
    print(f"  maker and country, without guesses: {share(firm, total)}; with guesses: {share(firm + tally.get('guess', 0), total)}")
    valid = total - tally.get("invalid ids", 0)
    if valid != total:
        print(f"  of the ids a maker can hold ({valid:,.0f}): without guesses {share(firm, valid)}; with guesses {share(firm + tally.get('guess', 0), valid)}")


def main() -> int:
    from doorwatch.kb import KnowledgeBase
    from doorwatch.kb.guess import THRESHOLD, CountryGuesser, train
    from doorwatch.kb.sources import read_ids
    from doorwatch.kb.stats import level, uncurated_names

    kb = KnowledgeBase.load()
    if POPULATION.is_file():
        rows = [line.split("\t") for line in POPULATION.read_text().splitlines()[1:] if line]
        by_vendor, by_device = Counter(), Counter()
        for vendor_id, _models, seen in rows:
            found = level(kb.lookup(f"pci:{vendor_id}"))
            by_vendor[found] += 1
            by_device[found] += int(seen)
        listed = sum(1 for vendor_id, *_ in rows if vendor_id in kb.index["pci_vendors"])
        table(f"PCI vendors seen in real machines: {len(rows)} ids, {listed} of them in pci.ids", by_vendor, len(rows))
        unlisted_unknown = [vendor_id for vendor_id, *_ in rows
                            if vendor_id not in kb.index["pci_vendors"] and level(kb.lookup(f"pci:{vendor_id}")) == "unknown"]
        print(f"  unknown and absent from pci.ids: {len(unlisted_unknown)} ({' '.join(unlisted_unknown)})")
        table("... weighted by devices seen", by_device, sum(int(seen) for *_, seen in rows))
        if SYSTEM_PCI_IDS.is_file():
            system_vendors = read_ids(SYSTEM_PCI_IDS)[0]
            named = sum(int(seen) for vendor_id, _m, seen in rows if vendor_id in system_vendors)
            ours = sum(int(seen) for vendor_id, _m, seen in rows if level(kb.lookup(f"pci:{vendor_id}")) in LEVELS[:4])
            total = sum(int(seen) for *_, seen in rows)
            print(f"\nPeer, pciutils with {SYSTEM_PCI_IDS}: names {share(named, total)} of devices, countries 0.0%;"
                  f" doorwatch: countries for {share(ours, total)} (ratio vs peer's names {ours / named:.2f})")
    for space in ("pci", "usb"):
        vendors = kb.index[f"{space}_vendors"]
        table(f"All {space}.ids vendors ({len(vendors)})", Counter(level(kb.lookup(f"{space}:{v}")) for v in vendors), len(vendors))
    codes = [code for code in kb.index["pnp"] if code.isalpha()]  # pnp.ids also lists a few malformed codes
    table(f"All pnp.ids EDID/PNP codes ({len(codes)})", Counter(level(kb.lookup(f"pnp:{code}")) for code in codes), len(codes))

    labelled = [line.split("\t") for line in SAMPLE.read_text().splitlines() if line and not line.startswith(("#", "name\t"))]
    print(f"\nHand-labelled sample ({len(labelled)} vendor names):")
    matcher = uncurated_names(kb)  # curation has since placed some sample names: measure the matcher itself
    for confidence in ("name-match", "guess"):
        answers = [(matcher.lookup(f"org:{name}"), country) for name, country, _ in labelled]
        chosen = [(answer, country) for answer, country in answers if answer.confidence == confidence]
        right = sum(answer.country == country for answer, country in chosen)
        print(f"  {confidence:10s} precision {share(right, len(chosen))} ({right}/{len(chosen)})")

    organisations = list(kb.index["org_full"].values())
    from doorwatch.kb.base import country_hint

    hinted = [(country_hint(name), country) for name, country in organisations]
    hinted = [(hint[0], country) for hint, country in hinted if hint]
    right = sum(hint == country for hint, country in hinted)
    print(f"\nPlace and legal-form cues on IEEE organisations (not learnt from them): answers {share(len(hinted), len(organisations))},"
          f" precision {share(right, len(hinted))}")
    random.Random(7).shuffle(organisations)
    held_out, training = organisations[: len(organisations) // 5], organisations[len(organisations) // 5 :]
    guesser = CountryGuesser(train(training))
    guesses = [(guesser.guess(name), country) for name, country in held_out]
    given = [(g, country) for g, country in guesses if g]
    right = sum(g[0] == country for g, country in given)
    print(f"\nWording model on held-out IEEE organisations (threshold {THRESHOLD}): answers {share(len(given), len(held_out))},"
          f" precision {share(right, len(given))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
