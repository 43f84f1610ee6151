"""Recorded machines, each built and inventoried once per test session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from doorwatch.collect import collect_all
from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component, Feature, Note
from machines import build_chinese_platform, build_laptop, build_server


@dataclass
class Collected:
    root: Path
    components: dict[str, Component]
    features: list[Feature]
    notes: list[Note]

    def kind(self, kind: str) -> list[Component]:
        return [component for component in self.components.values() if component.kind == kind]

    def features_of(self, feature_id: str) -> list[Feature]:
        return [feature for feature in self.features if feature.id == feature_id]


def collect(root: Path | str, live: bool | None = None) -> Collected:
    machine = MachineRoot(root, live=live)
    components, features, _ = collect_all(machine)
    return Collected(Path(root), {component.ref: component for component in components}, features, machine.notes)


@pytest.fixture(scope="session")
def laptop(tmp_path_factory) -> Collected:
    return collect(build_laptop(tmp_path_factory.mktemp("laptop")))


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Collected:
    return collect(build_server(tmp_path_factory.mktemp("server")))


@pytest.fixture(scope="session")
def chinese_platform(tmp_path_factory) -> Collected:
    return collect(build_chinese_platform(tmp_path_factory.mktemp("chinese")))
