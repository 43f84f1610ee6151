"""One knowledge base for the whole session, built into a private cache so tests never touch the user's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("kb-cache")
    os.environ["DOORWATCH_CACHE_DIR"] = str(directory)
    return directory


@pytest.fixture(scope="session")
def kb(cache_dir):
    from doorwatch.kb import KnowledgeBase

    return KnowledgeBase.load()


@pytest.fixture(scope="session")
def cli_env(cache_dir, kb) -> dict[str, str]:
    """Environment for `doorwatch` subprocesses sharing the session's built index."""
    return {**os.environ, "DOORWATCH_CACHE_DIR": str(cache_dir)}
