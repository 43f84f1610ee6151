"""Fill a component's origin from the strongest evidence it carries.

Order of strength: identifiers the collectors read from the hardware or the package database
(`component.ids`), then the free-text strings they found (`component.properties`). The first
piece of evidence that yields a country wins; a maker without a country is kept as a fallback.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from doorwatch.kb.base import Answer
from doorwatch.model import Attribution, Component, Confidence

if TYPE_CHECKING:
    from doorwatch.kb.base import KnowledgeBase

HARDWARE_IDS = ("pci", "pci_vendor", "usb", "mac", "cpu", "arm", "pnp", "iana", "pci_subsystem")
PLACEHOLDER = re.compile(r"^(|unknown.*|n/?a|none|(pci|usb)?\s*(device|vendor)?\s*[0-9a-f]{4}:[0-9a-f]{4}|(pci|usb) device)$", re.I)
LINUX = "Linux kernel"


def attribute(kb: "KnowledgeBase", component: Component) -> Component:
    """A copy of `component` with vendor, country, parent, origin and attribution filled in."""
    answer = None
    for candidate in _candidates(kb, component):
        if answer is None or (answer.country is None and candidate.country is not None):
            answer = candidate
        if answer.country is not None or answer.origin == "community":
            break
    update: dict = {"name": _better_name(kb, component)}
    properties = dict(component.properties)
    if answer is not None:
        update.update(
            vendor=answer.vendor, country=answer.country, parent=answer.parent, parent_country=answer.parent_country,
            origin=answer.origin, attribution=Attribution(source=answer.source, confidence=answer.confidence),
        )
        if answer.upstream:
            properties["upstream"] = answer.upstream
        if answer.note:
            properties["origin_note"] = answer.note
    else:
        update["attribution"] = Attribution(source=None, confidence=None)
    if "pci_subsystem" in component.ids and "pci" in component.ids:
        board = _id_answer(kb, "pci", component.ids["pci_subsystem"])
        if board and board.vendor:
            properties["subsystem_vendor"] = board.vendor
    update["properties"] = properties
    return component.model_copy(update=update)


def _candidates(kb: "KnowledgeBase", component: Component) -> Iterator[Answer]:
    """Answers from each piece of evidence, strongest first."""
    ids, props = component.ids, component.properties
    for space in HARDWARE_IDS:
        if space in ids and not (space == "pci_subsystem" and "pci" in ids):
            found = _id_answer(kb, space, ids[space], props)
            if found:
                yield found
    for space in ("deb", "rpm", "snap", "flatpak", "pypi"):
        if space in ids:
            yield _package_answer(kb, space, ids[space], props)
            return
    if "os" in ids:
        yield _os_answer(kb, ids["os"], props)
        return
    if "service" in ids:
        found = _service_answer(kb, ids["service"])
        if found:
            yield found
    if "module" in ids:
        yield _module_answer(kb, ids["module"], props)
        return
    if component.kind == "kernel":
        yield _community(kb, "the Linux kernel: a community project (kernel.org)", Confidence.CURATED, LINUX)
        return
    if "firmware" in ids:
        found = _firmware_answer(kb, ids["firmware"])
        if found:
            yield found
    for field in ("vendor_name", "publisher", "manufacturer"):
        if props.get(field):
            yield kb.lookup_cached(f"org:{props[field]}")


def _id_answer(kb: "KnowledgeBase", space: str, value: str, props: dict | None = None) -> Answer | None:
    value = str(value).strip()
    if space in ("pci", "usb", "pci_subsystem", "pci_vendor"):
        vendor = value.split(":")[0]
        key = f"{'usb' if space == 'usb' else 'pci'}:{vendor}"
    elif space == "mac":
        key = f"oui:{value}"
    elif space == "cpu":
        model = str((props or {}).get("model_name", "")).lower()
        key = "cpu:  Shanghai  " if "zhaoxin" in model else f"cpu:{value}"
    else:
        key = f"{space}:{value}"
    try:
        answer = kb.lookup_cached(key)
    except ValueError:
        return None
    return answer if (answer.vendor or answer.note) else None


def _package_answer(kb: "KnowledgeBase", space: str, name: str, props: dict) -> Answer:
    software = kb.software
    key = f"{space}:{name}"
    product = software.product(space, name)
    if product is None and props.get("install_path"):
        product = software.product_by_path(str(props["install_path"]))
    if product is None and props.get("signing_key"):
        product = software.product_by_key(str(props["signing_key"]))
    if product is not None:
        what = product.get("name") or f"{product['publisher']} Python packages"
        return kb.maker_answer(key, product["publisher"], f"curated product {what!r}")
    if space in ("flatpak", "snap"):
        domain = software.publisher_domain(name)
        if domain and domain.get("publisher"):
            return kb.maker_answer(key, domain["publisher"], f"application id domain {domain['domain']}")
    distribution = software.distribution(*(_text(props.get(field)) for field in ("distribution", "maintainer", "vendor_name")))
    if distribution and distribution.get("company") and software.own_package(distribution, name):
        return kb.maker_answer(key, distribution["company"], f"{distribution['name']}'s own package")
    upstream = _upstream(name, props)
    if distribution:
        return _community(kb, f"community package, distributed by {distribution['name']}", Confidence.REGISTRY, upstream)
    if space == "pypi" or space == "flatpak":
        return _community(kb, "no corporate publisher known: taken as a community project", Confidence.GUESS, upstream)
    if props.get("vendor_name") or props.get("publisher"):
        return kb.lookup_cached(f"org:{props.get('publisher') or props.get('vendor_name')}")
    domain = software.publisher_of_address(_text(props.get("maintainer"))) or software.publisher_of_address(_text(props.get("homepage")))
    if domain and domain.get("publisher"):
        return kb.maker_answer(key, domain["publisher"], f"maintainer or home page at {domain['domain']}")
    return Answer(key=key, note="publisher unknown")


def _community(kb: "KnowledgeBase", source: str, confidence: Confidence, upstream: str) -> Answer:
    """A community answer; built once per source text and shared, since thousands of packages have the same."""
    shared = kb.lookup_cached_answer(source, lambda: Answer(key="community", origin="community", confidence=confidence, source=source))
    return shared.replace(upstream=upstream)


def _text(value) -> str | None:
    return None if value is None else str(value)


def _os_answer(kb: "KnowledgeBase", os_id: str, props: dict) -> Answer:
    """The installed distribution: its company, or community for community distributions."""
    key = f"os:{os_id}"
    distribution = kb.software.distribution(os_id.lower(), _text(props.get("vendor_name")), _text(props.get("homepage")))
    if distribution is None:
        return Answer(key=key, note="distribution not curated")
    if distribution.get("company"):
        return kb.maker_answer(key, distribution["company"], f"distribution {distribution['name']}")
    return Answer(key=key, origin="community", upstream=distribution["name"], confidence=Confidence.CURATED,
                  source=f"community distribution {distribution['name']}: {distribution['source']}")


def _service_answer(kb: "KnowledgeBase", unit: str) -> Answer | None:
    """A service named after a known product's package ('anydesk.service', 'teamviewerd.service')."""
    stem = unit.removesuffix(".service").split("@")[0]
    for name in (stem, stem.removesuffix("d"), stem.removesuffix("-daemon")):
        product = kb.software.product("deb", name) or kb.software.product("rpm", name)
        if product is not None:
            return kb.maker_answer(f"service:{unit}", product["publisher"], f"service of curated product {product['name']!r}")
    return None


def _upstream(name: str, props: dict) -> str:
    """The upstream project: its home page when the package names one, else the package name."""
    homepage = str(props.get("homepage") or "")
    return homepage if homepage.startswith(("http://", "https://")) and len(homepage) > 10 else name


def _module_answer(kb: "KnowledgeBase", name: str, props: dict) -> Answer:
    record = kb.software.modules.get(name.replace("-", "_"))
    key = f"module:{name}"
    if record:
        return kb.maker_answer(key, record["maker"], f"curated out-of-tree kernel module {name!r}")
    intree = str(props.get("intree", "")).upper()
    if intree == "Y":
        return Answer(key=key, origin="community", upstream=LINUX, confidence=Confidence.REGISTRY, source="in-tree kernel module (modinfo intree: Y)")
    if intree == "N" or "O" in str(props.get("taint", "")):
        return Answer(key=key, note="out-of-tree kernel module of unknown maker")
    return Answer(key=key, origin="community", upstream=LINUX, confidence=Confidence.GUESS, source="kernel module not known to be out-of-tree: taken as in-tree")


def _firmware_answer(kb: "KnowledgeBase", path: str) -> Answer | None:
    record = kb.software.firmware_maker(path)
    if record is None:
        return None
    return kb.maker_answer(f"firmware:{path}", record["maker"], f"firmware file location {path!r}")


def _better_name(kb: "KnowledgeBase", component: Component) -> str:
    """The ids files' names when the collector could only give a placeholder."""
    if not PLACEHOLDER.match(component.name.strip()):
        return component.name
    for space, lookup in (("pci", kb.pci_names), ("usb", kb.usb_names)):
        if space in component.ids:
            vendor_id, _, device_id = component.ids[space].partition(":")
            vendor, device = lookup(vendor_id, device_id or None)
            if vendor or device:
                return " ".join(part for part in (vendor, device) if part)
    return component.name
