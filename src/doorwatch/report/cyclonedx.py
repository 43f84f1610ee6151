"""CycloneDX 1.6: hardware as devices, firmware as firmware, packages as libraries or applications,
each with its manufacturer and the manufacturer's address country (1.5 writers drop the address)."""

from __future__ import annotations

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentType
from cyclonedx.model.contact import OrganizationalEntity, PostalAddress
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from doorwatch import __version__
from doorwatch.model import Component, Inventory

PURL_TYPES = {"deb": "deb", "rpm": "rpm", "pypi": "pypi"}
SOFTWARE_TYPES = {"package": ComponentType.LIBRARY, "service": ComponentType.APPLICATION, "kernel-module": ComponentType.LIBRARY}


def _type(component: Component) -> ComponentType:
    if component.category == "firmware":
        return ComponentType.FIRMWARE
    if component.category == "software":
        return SOFTWARE_TYPES.get(component.kind, ComponentType.APPLICATION)
    return ComponentType.DEVICE


def _purl(component: Component) -> PackageURL | None:
    for key, purl_type in PURL_TYPES.items():
        if key in component.ids:
            return PackageURL(type=purl_type, name=component.ids[key], version=component.properties.get("version"))
    return None


def _properties(component: Component) -> list[Property]:
    values = {
        "doorwatch:kind": component.kind,
        "doorwatch:country": component.country,
        "doorwatch:parent": component.parent,
        "doorwatch:parent_country": component.parent_country,
        "doorwatch:origin": component.origin,
        "doorwatch:attribution:source": component.attribution.source,
        "doorwatch:attribution:confidence": component.attribution.confidence,
        **{f"doorwatch:id:{key}": value for key, value in component.ids.items()},
    }
    return [Property(name=name, value=str(value)) for name, value in values.items() if value]


def to_cdx(component: Component) -> CdxComponent:
    manufacturer = None
    if component.vendor:
        address = PostalAddress(country=component.country) if component.country else None
        manufacturer = OrganizationalEntity(name=component.vendor, address=address)
    return CdxComponent(
        name=component.name,
        type=_type(component),
        bom_ref=component.ref,
        version=component.properties.get("version"),
        manufacturer=manufacturer,
        supplier=manufacturer,
        purl=_purl(component),
        properties=_properties(component),
    )


def render(inv: Inventory) -> str:
    bom = Bom()
    bom.metadata.timestamp = inv.collected_at
    bom.metadata.properties.add(Property(name="doorwatch:version", value=__version__))
    if inv.machine.hostname:
        bom.metadata.component = CdxComponent(name=inv.machine.hostname, type=ComponentType.DEVICE, bom_ref="machine")
    for component in inv.components:
        bom.components.add(to_cdx(component))
    return JsonV1Dot6(bom).output_as_string(indent=2)
