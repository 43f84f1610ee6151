"""Precision of the name matcher and of the wording guesses on a hand-labelled sample of vendor names."""

from __future__ import annotations

from pathlib import Path

SAMPLE = [
    line.split("\t")
    for line in (Path(__file__).parent / "data" / "matcher_sample.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith(("#", "name\t"))
]


def precision(kb, level: str) -> tuple[float, int]:
    answered = right = 0
    for name, country, _ in SAMPLE:
        answer = kb.lookup(f"org:{name}")
        if answer.confidence == level:
            answered += 1
            right += answer.country == country
    return right / answered, answered


def test_name_match_precision(kb):
    value, answered = precision(kb, "name-match")
    assert answered >= 50 and value >= 0.9, (value, answered)


def test_guesses_are_right_more_often_than_not_and_labelled(kb):
    value, answered = precision(kb, "guess")
    assert answered >= 50 and value >= 0.7, (value, answered)


def test_normalisation_meets_legal_suffix_variants(kb):
    same = ["Realtek Semiconductor Corp.", "REALTEK SEMICONDUCTOR CORP", "Realtek Semiconductor Co., Ltd.", "Realtek"]
    assert {kb.lookup(f"org:{name}").vendor for name in same} == {"Realtek Semiconductor"}
