"""The curated data files are well formed: every record has a source note, valid countries and real references."""

from __future__ import annotations

import re

import pytest

from doorwatch.kb import sources

CURATED = sources.read_curated()
MAKERS = {record["name"]: record for record in CURATED["makers"]}


@pytest.fixture(scope="module")
def iso_countries():
    """Country codes the IEEE registry uses in addresses (ISO 3166-1 alpha-2), plus the few it lacks."""
    mal, iab = sources.read_ieee()
    return {country for _, country in [*mal.values(), *iab.values()] if country} | {"MO", "AE", "CY", "LV", "SK", "RO"}


def test_every_maker_has_a_source_note_and_a_valid_country(iso_countries):
    for record in CURATED["makers"]:
        assert record.get("source"), record["name"]
        country = record.get("country")
        assert country is None or (isinstance(country, str) and country in iso_countries), f"{record['name']}: {country!r}"


def test_maker_names_are_unique_and_parents_exist():
    names = [record["name"] for record in CURATED["makers"]]
    assert len(names) == len(set(names))
    for record in CURATED["makers"]:
        assert record.get("parent") in (None, *MAKERS), f"{record['name']}: unknown parent {record.get('parent')}"


def test_no_ownership_cycles():
    for name in MAKERS:
        seen = {name}
        parent = MAKERS[name].get("parent")
        while parent:
            assert parent not in seen, f"cycle through {name}"
            seen.add(parent)
            parent = MAKERS[parent].get("parent")


def test_ids_are_well_formed_and_owned_once():
    owners: dict[tuple[str, str], str] = {}
    for record in CURATED["makers"]:
        for space, pattern in (("pci", r"[0-9a-f]{4}"), ("usb", r"[0-9a-f]{4}"), ("pnp", r"[A-Z]{3}")):
            for ident in record.get(space, []):
                assert isinstance(ident, str) and re.fullmatch(pattern, ident), f"{record['name']}: {space} {ident!r}"
                assert (space, ident) not in owners, f"{space}:{ident} owned by {owners.get((space, ident))} and {record['name']}"
                owners[(space, ident)] = record["name"]


def test_every_reference_to_a_maker_resolves():
    references = [product["publisher"] for product in CURATED["products"]]
    references += [record["publisher"] for record in CURATED["pypi"] + CURATED["domains"]]
    references += [record["maker"] for section in ("cpu", "arm", "modules", "firmware") for record in CURATED[section]]
    references += [record["company"] for record in CURATED["distributions"] if record.get("company")]
    assert not sorted(set(references) - set(MAKERS))


def test_at_least_200_products_each_recognisable_and_sourced():
    products = CURATED["products"]
    assert len(products) >= 200
    for product in products:
        assert product.get("source") and product.get("name"), product
        assert any(product.get(field) for field in ("deb", "rpm", "snap", "flatpak", "paths")), product["name"]


def test_sovereignty_makers_are_curated():
    named = ["Loongson Technology", "Phytium Technology", "Hygon Information Technology", "Zhaoxin", "HiSilicon",
             "Huawei Technologies", "Yangtze Memory Technologies", "ChangXin Memory Technologies", "Moore Threads",
             "Jingjia Microelectronics", "Inspur", "Sugon", "Lenovo", "Beijing Wangxun Technology",
             "Motorcomm Electronic Technology", "Quectel Wireless Solutions", "Fibocom Wireless", "ZTE", "Hikvision",
             "Dahua Technology", "Intel Corporation", "Advanced Micro Devices", "NVIDIA Corporation", "Qualcomm",
             "Broadcom Inc.", "Marvell Technology", "Realtek Semiconductor", "MediaTek", "Samsung Electronics",
             "SK hynix", "Micron Technology", "Kioxia"]
    for name in named:
        assert MAKERS[name]["country"], name


def test_cpu_vendor_strings_fit_cpuid():
    """Twelve bytes in EBX, EDX, ECX; shorter ones (KVM, Elbrus) are padded with NULs by the CPU."""
    for record in CURATED["cpu"]:
        assert 0 < len(record["vendor_id"]) <= 12, repr(record["vendor_id"])


def test_every_curated_record_has_a_source_note():
    for section, records in CURATED.items():
        for record in records:
            assert record.get("source"), f"{section}: {record}"
