"""Hand-checked identifiers: the maker's country and its ultimate owner's country, including acquisitions."""

from __future__ import annotations

from pathlib import Path

import pytest

CASES = [
    line.split("\t")
    for line in (Path(__file__).parent / "data" / "hand_checked.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith(("#", "key\t"))
]


def test_the_sample_is_large_enough():
    assert len(CASES) >= 150


@pytest.mark.parametrize("key,country,parent_country,maker", CASES, ids=[case[0] for case in CASES])
def test_identifier_resolves_to_the_checked_countries(kb, key, country, parent_country, maker):
    answer = kb.lookup(key)
    if country == "-":
        assert answer.country is None and answer.confidence is None, f"{maker}: expected no maker, got {answer}"
        return
    assert (answer.country, answer.parent_country) == (country, parent_country), f"{maker}: {answer}"
    assert answer.confidence in ("curated", "registry"), f"{maker} answered only by {answer.confidence}"
    assert answer.source
