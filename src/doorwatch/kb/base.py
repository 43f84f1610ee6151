"""The knowledge base: identifiers and names in, maker, country and ultimate owner out.

Answers are layered from strongest to weakest: curated records (hand-checked, with a source
note), the registries themselves (IEEE address country for a MAC block), a name match of a
vendor name against the IEEE organisations, and a guess from place names in the vendor name.
Whatever none of them knows stays null.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from doorwatch.kb import names
from doorwatch.kb.index import load_index
from doorwatch.scales import Confidence

if TYPE_CHECKING:
    from doorwatch.model import Component

KEY_SPACES = ("pci", "usb", "oui", "cpu", "arm", "pnp", "iana", "org")
EXAMPLE_KEYS = {"pci": "pci:8086", "usb": "usb:046d", "oui": "oui:00:1B:21", "cpu": "cpu:GenuineIntel", "arm": "arm:0x41",
                "pnp": "pnp:LEN", "iana": "iana:674", "org": "org:Lenovo"}
# Most specific block first; the registry listings (with addresses) before Wireshark's names ("oui_ms").
OUI_TABLES = (("oui_iab", 9, "IEEE IAB"), ("oui_mas", 9, "IEEE MA-S"), ("oui_ms", 9, "IEEE MA-S"),
              ("oui_mam", 7, "IEEE MA-M"), ("oui_ms", 7, "IEEE MA-M"), ("oui_l", 6, "IEEE MA-L"))
# Place names, country names and legal forms that suggest a country; only ever reported as a guess.
# Cues right less than about nine times in ten on the registry are left out: 'Hong Kong' (as often
# mainland addresses), 's.r.o.' (Czech and Slovak alike), 'S.A.R.L.' (France, Switzerland, Luxembourg).
# First match wins: a named place or country (often a subsidiary's own) before a legal form, and the
# countries sharing a legal form (Austria and Switzerland use GmbH too) before the most common one.
# bench/kb_coverage.py measures the cues on the IEEE registry's organisations and their addresses.
COUNTRY_HINTS = (
    (r"shenzhen|beijing|shanghai|guangzhou|guangdong|dongguan|hangzhou|suzhou|nanjing|wuhan|xiamen|"
     r"zhuhai|chengdu|tianjin|qingdao|hefei|jiangsu|zhejiang|fujian|ningbo|foshan|changsha|jinan|"
     r"xi'?an |zhongshan|huizhou|kunshan|\bchina\b|\(cn\)", "CN"),
    (r"taiwan|taipei|hsinchu|hsin-chu|taichung|tainan|kaohsiung|taoyuan", "TW"),
    (r"japan|tokyo|osaka|kyoto|yokohama|nagoya|kabushiki|\bk\.k\.|\bnihon\b|\bnippon\b", "JP"),
    (r"korea|seoul|suwon|seongnam|busan|incheon|daejeon", "KR"),
    (r"\bamerica\b|\busa\b|\bu\.s\.a\b|\(us\)", "US"),
    (r"\bcanada\b|ontario|quebec|toronto|montreal|vancouver", "CA"),
    (r"united kingdom|\(uk\)|\buk\b|england|scotland|\blondon\b", "GB"),
    (r"switzerland|schweiz|suisse|zurich|geneva|geneve", "CH"),
    (r"austria|osterreich|vienna|\bwien\b", "AT"),
    (r"germany|deutschland|\bgmbh\b|munchen|munich|berlin|hamburg|stuttgart", "DE"),
    (r"\bfrance\b|\bparis\b", "FR"),
    (r"\bspain\b|espana|madrid|barcelona", "ES"),
    (r"\bsweden\b|sverige|stockholm|gothenburg|\bab\s*$", "SE"),
    (r"denmark|danmark|copenhagen|\ba/s\b", "DK"),
    (r"\bnorway\b|\bnorge\b|\boslo\b", "NO"),
    (r"\bpoland\b|polska|warsaw|warszawa|sp\. ?z ?o\.? ?o", "PL"),
    (r"\bczech|\bprague\b|\bpraha\b|\bbrno\b", "CZ"),
    (r"hungary|budapest|\bkft\b|\bzrt\b", "HU"),
    (r"\bbrazil|\bbrasil|\bltda\b", "BR"),
    (r"\bisrael\b|tel aviv", "IL"),
    (r"\brussia|moscow|\booo\b", "RU"),
    (r"\bsdn\.? ?bhd|malaysia|kuala lumpur|penang", "MY"),
    (r"\bpvt\.? ?ltd|private limited|\bindia\b|bangalore|bengaluru|mumbai|chennai|hyderabad|\bpune\b|noida", "IN"),
    (r"\bpty\.? ?ltd|australia|sydney|melbourne", "AU"),
    (r"new zealand|auckland", "NZ"),
    (r"\bb\.v\.|netherlands|amsterdam|eindhoven", "NL"),
    (r"belgium|belgique|\bbelgie\b|brussels", "BE"),
    (r"\boyj?\b|finland|helsinki|espoo", "FI"),
    (r"\bs\.r\.l\.|\bs\.p\.a\.|italia|\bitaly\b|milano|\bmilan\b|torino", "IT"),
    (r"singapore", "SG"),
    (r"thailand|bangkok", "TH"),
    (r"vietnam|viet nam|hanoi", "VN"),
    (r"turkey|turkiye|istanbul|ankara", "TR"),
)


@lru_cache(maxsize=1)
def _compiled_hints() -> tuple[tuple[re.Pattern, str], ...]:
    """Compiled on first use: a plain id lookup should not pay for three dozen regexes."""
    return tuple((re.compile(pattern), country) for pattern, country in COUNTRY_HINTS)


# The vendor an answer names for an id that no maker holds (absent device, blank or broken hardware).
INVALID_VENDOR = "invalid vendor id (device not responding or broken)"


# A plain dataclass, not a pydantic record: `doorwatch kb lookup` must start without loading pydantic.
@dataclasses.dataclass(frozen=True)
class Answer:
    """What the knowledge base knows of one key; unknown parts are null, never invented."""

    key: str
    vendor: str | None = None
    country: str | None = None
    parent: str | None = None
    parent_country: str | None = None
    confidence: Confidence | None = None
    source: str | None = None
    origin: Literal["vendor", "community"] | None = None
    upstream: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.confidence is not None:  # stored as the plain value, as it is printed
            object.__setattr__(self, "confidence", Confidence(self.confidence).value)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> "Answer":
        return dataclasses.replace(self, **changes)


class KnowledgeBase:
    """Lookups over the compact index. Build once with `KnowledgeBase.load()` and pass it around."""

    _loaded: "KnowledgeBase | None" = None

    def __init__(self, index: dict[str, Any]) -> None:
        self.index = index
        self.resolve_name = lru_cache(maxsize=65536)(self._resolve_name)
        self._answers: dict[str, Answer] = {}
        self._software = None
        self._guesser = None
        self.curated_maker = lru_cache(maxsize=65536)(self._curated_maker)

    @classmethod
    def load(cls) -> "KnowledgeBase":
        """The shared knowledge base, read from the cached index (built on first use)."""
        if cls._loaded is None:
            cls._loaded = cls(load_index())
        return cls._loaded

    @property
    def software(self):
        """Package, module and firmware recognition tables, built on first use."""
        if self._software is None:
            from doorwatch.kb.software import SoftwareIndex

            self._software = SoftwareIndex(self.index)
        return self._software

    # ---- names from the ids files -------------------------------------------------------------

    def pci_names(self, vendor_id: str, device_id: str | None = None) -> tuple[str | None, str | None]:
        """(vendor name, device name) from pci.ids; ids are 4 hex digits in any case."""
        return self._id_names("pci_vendors", "pci_devices", vendor_id, device_id)

    def usb_names(self, vendor_id: str, product_id: str | None = None) -> tuple[str | None, str | None]:
        """(vendor name, product name) from usb.ids."""
        return self._id_names("usb_vendors", "usb_products", vendor_id, product_id)

    def _id_names(self, vendors: str, devices: str, vendor_id: str, device_id: str | None):
        vendor = _hex4(vendor_id)
        if vendor is None:
            return None, None
        device = _hex4(device_id) if device_id else None
        product = self.index[devices].get(f"{vendor}:{device}") if device else None
        return self.index[vendors].get(vendor), product

    def pci_class_name(self, class_code: str) -> str | None:
        """'0x030000' or '030000' (or '0300') -> the sub-class name, or the class name when it has none.

        Sub-class, not programming interface: 'VGA compatible controller' says more than 'VGA controller'."""
        code = class_code.lower().removeprefix("0x").strip()
        classes = self.index["pci_classes"]
        for length in (4, 2):
            if len(code) >= length and code[:length] in classes:
                return classes[code[:length]]
        return None

    # ---- lookups ------------------------------------------------------------------------------

    def lookup(self, key: str) -> Answer:
        """Answer one `space:value` key; raises ValueError on a key of unknown syntax."""
        space, _, value = key.partition(":")
        space = space.strip().lower()
        if space not in KEY_SPACES:
            raise ValueError(f"unknown key {key!r}: use pci:VVVV, usb:VVVV, oui:XX:XX:XX, cpu:VENDOR_ID, arm:0xNN or org:NAME")
        if not value.strip():
            raise ValueError(f"bad key {key!r}: nothing after '{space}:', e.g. {EXAMPLE_KEYS[space]}")
        return getattr(self, f"_lookup_{space}")(key, value if space == "cpu" else value.strip())

    def lookup_cached(self, key: str) -> Answer:
        """`lookup` remembered per key: an audit asks the same few vendors thousands of times.

        The answer is shared; callers must not modify it."""
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self.lookup(key)
        return answer

    def lookup_cached_answer(self, name: str, make) -> Answer:
        """A shared answer built once by `make` and kept under `name` (callers copy before changing it)."""
        answer = self._answers.get(name)
        if answer is None:
            answer = self._answers[name] = make()
        return answer

    def _lookup_pci(self, key: str, value: str) -> Answer:
        return self._lookup_id(key, "pci", value, self.index["pci_vendors"], f"pci.ids {self.index['versions']['pci.ids']}")

    def _lookup_usb(self, key: str, value: str) -> Answer:
        return self._lookup_id(key, "usb", value, self.index["usb_vendors"], f"usb.ids {self.index['versions']['usb.ids']}")

    def _lookup_pnp(self, key: str, value: str) -> Answer:
        code = value.upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValueError(f"bad key {key!r}: a PNP code is three letters, e.g. pnp:LEN")
        return self._lookup_id(key, "pnp", code, self.index["pnp"], "pnp.ids")

    def _lookup_id(self, key: str, space: str, value: str, names_table: dict, registry: str) -> Answer:
        ident = value.upper() if space == "pnp" else _hex4(value.split(":")[0])
        if ident is None:
            raise ValueError(f"bad key {key!r}: a {space} vendor id is 4 hex digits, e.g. {EXAMPLE_KEYS[space]}")
        invalid = self.index["invalid_ids"].get((space, ident))
        if invalid:
            reason, source = invalid
            return Answer(key=key, vendor=INVALID_VENDOR, source=source, note=f"{space} vendor id {ident} is {reason}")
        registered = names_table.get(ident)
        owner = self.index["owned"][space].get(ident)
        if owner:
            how = f"{registry} {ident} {registered!r}" if registered else f"curated id {ident}"
            why = self.index["id_sources"].get(f"{space}:{ident}")
            return self.maker_answer(key, owner, f"{how} ({why})" if why else how)
        if registered is None:
            return Answer(key=key, note=f"{space} vendor id {ident} is not in {registry}")
        return self._name_answer(key, registered, registry, self.index[f"{space}_resolved"][ident])

    def _lookup_iana(self, key: str, value: str) -> Answer:
        """IANA private enterprise number, which IPMI BMCs report as their manufacturer id."""
        if not value.isdigit():
            raise ValueError(f"bad key {key!r}: an IANA enterprise number is decimal, e.g. iana:343")
        maker = self.index["owned"]["iana"].get(str(int(value)))
        if maker:
            return self.maker_answer(key, maker, f"IANA enterprise number {int(value)}")
        return Answer(key=key, note=f"IANA enterprise number {int(value)} is not curated")

    def _lookup_org(self, key: str, value: str) -> Answer:
        return self._name_answer(key, value, None)

    def _lookup_oui(self, key: str, value: str) -> Answer:
        digits = re.sub(r"[^0-9A-Fa-f]", "", value).upper()
        if len(digits) not in (6, 12) or not re.fullmatch(r"[0-9A-Fa-f:.\-\s]+", value):
            raise ValueError(f"bad key {key!r}: give an OUI (oui:00:1B:21) or a full MAC address")
        if int(digits[:2], 16) & 0x02:
            return Answer(key=key, note="locally administered address (randomised or assigned by software): no maker")
        for table, length, label in OUI_TABLES:
            entry = self.index[table].get(digits[:length]) if len(digits) >= length else None
            if entry:
                return self._registry_answer(key, entry, f"{label} {digits[:length]}")
        return Answer(key=key, note=f"{digits[:6]} is not in the IEEE registry")

    def _registry_answer(self, key: str, entry, registry: str) -> Answer:
        org, country = (entry, None) if isinstance(entry, str) else entry
        if country is None or self.curated_maker(org):
            return self._name_answer(key, org, f"{registry} registrant")
        answer = Answer(key=key, vendor=org, country=country, parent=org, parent_country=country,
                        confidence=Confidence.REGISTRY, source=f"{registry} registrant, address country", origin="vendor")
        return answer

    def _lookup_cpu(self, key: str, value: str) -> Answer:
        for record in self.index["cpu"]:
            if record["vendor_id"] == value or record["vendor_id"].strip() == value.strip():
                return self.maker_answer(key, record["maker"], f"x86 CPUID vendor string {record['vendor_id']!r}", note=record.get("note"))
        return Answer(key=key, note="unknown x86 CPUID vendor string")

    def _lookup_arm(self, key: str, value: str) -> Answer:
        try:
            code = int(value, 16) if value.lower().startswith("0x") else int(value, 16 if re.search(r"[a-f]", value, re.I) else 10)
        except ValueError:
            raise ValueError(f"bad key {key!r}: an Arm implementer code is a byte, e.g. arm:0x41") from None
        for record in self.index["arm"]:
            if int(str(record["code"]), 16) == code:
                return self.maker_answer(key, record["maker"], f"Arm MIDR implementer 0x{code:02x}")
        return Answer(key=key, note=f"unknown Arm implementer 0x{code:02x}")

    # ---- resolution ---------------------------------------------------------------------------

    def maker(self, name: str) -> tuple[str | None, str | None, str, str | None, str | None, str | None]:
        """A curated maker: (country, ultimate parent, its country, source note, origin, immediate parent)."""
        makers = self.index["makers"]
        country, parent, note, origin = makers[name]
        top, seen = name, {name}
        while makers[top][1] and makers[top][1] not in seen and makers[top][1] in makers:
            top = makers[top][1]
            seen.add(top)
        return country, top, makers[top][0], note, origin, parent

    def maker_answer(self, key: str, maker: str, how: str, note: str | None = None) -> Answer:
        """The answer for a curated maker, with its ultimate owner."""
        country, top, top_country, source_note, origin, _ = self.maker(maker)
        return Answer(
            key=key, vendor=maker, country=country, parent=top, parent_country=top_country,
            confidence=Confidence.CURATED, source=f"{how}; curated: {source_note}", origin=origin or "vendor", note=note,
            upstream=None,
        )

    def _name_answer(self, key: str, name: str, registry: str | None, resolved: tuple | None = None) -> Answer:
        maker, confidence, how = resolved or self.resolve_name(name)
        prefix = f"{registry} name {name!r}; " if registry else ""
        if confidence == Confidence.CURATED.value:
            return self.maker_answer(key, maker, f"{prefix}name matched to curated maker".lstrip())
        if confidence is None:
            return Answer(key=key, vendor=name if registry else None, source=registry, note="maker's country unknown")
        org, country = maker
        return Answer(
            key=key, vendor=name if registry else org, country=country, parent=name if registry else org, parent_country=country,
            confidence=confidence, source=f"{prefix}{how}", origin="vendor",
            note="ownership not curated: the maker is assumed to be its own parent",
        )

    def _curated_maker(self, name: str) -> str | None:
        """The curated maker a name (or a part of it, a bracketed brand) stands for, if any."""
        for part in names.name_parts(name):
            key = names.full_key(part)
            maker = self.index["maker_keys"].get(key)
            if maker:
                return maker
            for prefix, maker in self.index["maker_prefixes"].items():
                if key == prefix or key.startswith(prefix + " "):
                    return maker
        return None

    def _resolve_name(self, name: str):
        """(maker, confidence, how) for a free-text organisation name; cached, names repeat a lot.

        maker is a curated maker name when confidence is 'curated', else (registry spelling, country).
        """
        index = self.index
        maker = self.curated_maker(name)
        if maker:
            return maker, Confidence.CURATED.value, "curated name"
        for part in names.name_parts(name):
            key = names.full_key(part)
            if key in index["org_full"]:
                org, country = index["org_full"][key]
                if "(" in org and "(" not in part:
                    # 'Foo (Shanghai) Ltd' is a branch: it places the branch, and only sometimes the firm.
                    return (name, country), Confidence.GUESS.value, f"the IEEE registry lists a branch of that name, {org!r}"
                return (org, country), Confidence.NAME_MATCH.value, f"IEEE registry organisation {org!r}"
        hint = country_hint(name)
        if hint:
            country, cue = hint
            return (name, country), Confidence.GUESS.value, f"place or legal form in the name ({cue})"
        guessed = self.guesser.guess(name)
        if guessed:
            return (name, guessed[0]), Confidence.GUESS.value, f"wording of the name, like registry organisations of {guessed[0]} (p={guessed[1]:.2f})"
        # Same distinctive words as a registry organisation: right only about half the time, so a guess.
        for part in names.name_parts(name):
            core = names.core_key(part)
            if core and core in index["org_core"]:
                org, country = index["org_core"][core]
                return (name, country), Confidence.GUESS.value, f"distinctive words shared with IEEE registry organisation {org!r}"
        return None, None, None

    @property
    def guesser(self):
        """The name-wording country model, loaded on first use."""
        if self._guesser is None:
            from doorwatch.kb.guess import CountryGuesser

            self._guesser = CountryGuesser(self.index["guess_model"])
        return self._guesser

    def attribute(self, component: Component) -> Component:
        """A copy of the component with maker, country, owner, origin and attribution filled in."""
        from doorwatch.kb.attribute import attribute

        return attribute(self, component)


def country_hint(name: str) -> tuple[str, str] | None:
    """(country, the words that suggest it) from a place or legal form in an organisation's name."""
    folded = f" {names._ascii_lower(name)} "
    for pattern, country in _compiled_hints():
        found = pattern.search(folded)
        if found:
            return country, found.group(0).strip()
    return None


def _hex4(value: str | None) -> str | None:
    text = (value or "").strip().lower().removeprefix("0x")
    return text.zfill(4) if re.fullmatch(r"[0-9a-f]{1,4}", text) else None
