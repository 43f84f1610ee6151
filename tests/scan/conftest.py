"""Session fixtures for the scan tests: the labelled corpus compiled once for several architectures,
and `doorwatch scan --format json` run once over it."""

from __future__ import annotations

import pytest

from scan.corpuskit import CompiledCorpus, compile_corpus, run_scan, targets_by_name


@pytest.fixture(scope="session")
def compiled_corpus(tmp_path_factory) -> CompiledCorpus:
    """Every corpus program built for every architecture whose cross compiler is installed."""
    return compile_corpus(tmp_path_factory.mktemp("scan-corpus"))


@pytest.fixture(scope="session")
def corpus_report(compiled_corpus) -> dict[str, dict]:
    """One scan of the whole compiled corpus directory, targets keyed by file name."""
    return targets_by_name(run_scan(compiled_corpus.directory))
