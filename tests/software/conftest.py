"""Recorded machine trees for the software collectors: real files laid out as the distributions lay them."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorwatch.collect.machine import MachineRoot


class Tree:
    """A directory standing for a machine's `/`, filled file by file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, machine_path: str, content: str | bytes = "") -> Path:
        path = self.root / machine_path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    def link(self, machine_path: str, target: str) -> None:
        path = self.root / machine_path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)

    def machine(self) -> MachineRoot:
        return MachineRoot(self.root)


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    return Tree(tmp_path / "root")
