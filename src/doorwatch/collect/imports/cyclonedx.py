"""CycloneDX JSON SBOMs (Syft, Trivy, cdxgen, doorwatch itself...), read with cyclonedx-python-lib.

The SBOM's own claims are kept as properties: the manufacturer and supplier
with their address country, the publisher; the package URL becomes the ids
(`pkg:pypi/requests` -> `pypi: requests`) so attribution treats an imported
package like a collected one.
"""

from __future__ import annotations

import json
import warnings
from typing import Iterable

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType

from doorwatch.collect.imports.devices import features_of, usb_kind
from doorwatch.collect.imports.result import ImportedMachine
from doorwatch.collect.python_packages import normalized_name
from doorwatch.errors import DoorwatchError
from doorwatch.model import Component

NAME = "cyclonedx"

# purl type -> the ids key (and ref prefix) the collectors use.
_PURL_IDS = {"pypi": "pypi", "deb": "deb", "rpm": "rpm", "npm": "npm", "maven": "maven", "golang": "go", "cargo": "cargo", "gem": "gem", "apk": "apk", "alpm": "alpm", "snap": "snap", "flatpak": "flatpak"}
_SOFTWARE_KINDS = {ComponentType.OPERATING_SYSTEM: "operating-system", ComponentType.FIRMWARE: "firmware"}


def detect(text: str) -> str | None:
    head = text[:4096]
    return "cyclonedx" if text.lstrip().startswith("{") and '"bomFormat"' in head and "CycloneDX" in head else None


def parse(text: str, format_name: str) -> ImportedMachine:
    try:
        with warnings.catch_warnings():  # fields deprecated in 1.6 (author) are still read from older documents
            warnings.simplefilter("ignore")
            bom = Bom.from_json(json.loads(text))  # type: ignore[attr-defined]
    except (ValueError, TypeError, KeyError) as err:
        raise DoorwatchError(f"CycloneDX document does not validate: {err}") from None
    imported = ImportedMachine(format=format_name)
    subject = bom.metadata.component if bom.metadata else None
    if subject is not None and subject.type == ComponentType.DEVICE:
        imported.machine.hostname = subject.name
    elif subject is not None and subject.type == ComponentType.OPERATING_SYSTEM:
        imported.machine.os = " ".join(filter(None, [subject.name, subject.version]))
    refs: set[str] = set()
    for cdx in _walk(bom.components):
        component, radios = _component(cdx, refs)
        refs.add(component.ref)
        imported.add(component, features_of(component, radios) if component.category == "hardware" else ())
    return imported


def _walk(components: Iterable[CdxComponent]) -> Iterable[CdxComponent]:
    for component in components:
        yield component
        yield from _walk(component.components)


def _component(cdx: CdxComponent, taken: set[str]) -> tuple[Component, set[str]]:
    """The component and, for a device, the features its name and description tell."""
    ids: dict[str, str] = {}
    purl = cdx.purl
    if purl is not None:
        ids["purl"] = purl.to_string()
        key = _PURL_IDS.get(purl.type)
        if key:
            name = normalized_name(purl.name) if key == "pypi" else purl.name
            ids[key] = f"{purl.namespace}/{name}" if purl.namespace and key in ("maven", "go", "npm") else name
    if cdx.cpe:
        ids["cpe"] = cdx.cpe
    category, kind, features = _category_kind(cdx)
    package_key = next((key for key in _PURL_IDS.values() if key in ids), None)
    ref = f"{package_key}:{ids[package_key]}" if package_key else f"cdx:{cdx.bom_ref.value or cdx.name}"
    if ref in taken:
        ref = f"{ref}@{cdx.version or len(taken)}"
    component = Component(
        ref=ref,
        kind=kind,
        category=category,
        name=cdx.name,
        ids=ids,
        properties={key: value for key, value in _properties(cdx).items() if value},
    )
    return component, features


def _category_kind(cdx: CdxComponent) -> tuple[str, str, set[str]]:
    """Category, kind and (devices only) features; a device's kind comes from its name and description."""
    if cdx.type == ComponentType.DEVICE:
        kind, features = usb_kind((), " ".join(filter(None, [cdx.name, cdx.description])), False)
        return "hardware", "device" if kind == "usb" else kind, features
    if cdx.type == ComponentType.FIRMWARE:
        return "firmware", "firmware", set()
    return "software", _SOFTWARE_KINDS.get(cdx.type, "package"), set()


def _properties(cdx: CdxComponent) -> dict[str, object]:
    manufacturer = getattr(cdx, "manufacturer", None)
    supplier = cdx.supplier
    homepage = next((str(ref.url) for ref in cdx.external_references if ref.type.value == "website"), None)
    return {
        "version": cdx.version,
        "group": cdx.group,
        "description": cdx.description,
        "manufacturer": manufacturer.name if manufacturer else None,
        "manufacturer_country": _country(manufacturer),
        "supplier": supplier.name if supplier else None,
        "supplier_country": _country(supplier),
        "publisher": cdx.publisher,
        "maintainer": cdx.author or next((author.name for author in getattr(cdx, "authors", ()) if author.name), None),
        "vendor_name": (manufacturer.name if manufacturer else None) or (supplier.name if supplier else None),
        "homepage": homepage,
        "bom_type": cdx.type.value,
    }


def _country(entity: object) -> str | None:
    address = getattr(entity, "address", None)
    return getattr(address, "country", None)
