"""Precision of the name matcher and of the wording guesses on a hand-labelled sample of vendor names."""

from __future__ import annotations

from pathlib import Path

from doorwatch.kb.stats import uncurated_names

SAMPLE = [
    line.split("\t")
    for line in (Path(__file__).parent / "data" / "matcher_sample.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith(("#", "name\t"))
]


def precision(kb, level: str) -> tuple[float, int]:
    """Of the sample names answered at this level, the share with the labelled country.

    Curated names are set aside: the sample measures the matcher and the guesses, which curation
    of some of its names since would otherwise hide."""
    answered = right = 0
    matcher = uncurated_names(kb)
    for name, country, _ in SAMPLE:
        answer = matcher.lookup(f"org:{name}")
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


def test_spelt_out_initials_meet_the_joined_name(kb):
    assert kb.lookup("org:L G Electronics, Inc.").vendor == kb.lookup("org:LG Electronics").vendor == "LG Electronics"
    assert kb.lookup("org:L.G. Electronics").country == "KR"


def test_a_branch_registration_places_only_a_guess(kb):
    """'Jabil Circuit (Shanghai) Ltd.' is in the registry, Jabil itself is American: a branch's address is no fact."""
    matcher = uncurated_names(kb)
    branch = matcher.lookup("org:Jabil Circuit Inc")
    assert branch.confidence == "guess" and "branch" in branch.source
    assert matcher.lookup("org:Nikon Corp.").confidence == "name-match"
