"""What an importer returns: one machine's components, features and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from doorwatch.model import Component, Feature, MachineInfo, Note


@dataclass
class ImportedMachine:
    """A machine as seen by another tool's saved output."""

    format: str
    machine: MachineInfo = field(default_factory=lambda: MachineInfo(source="import", root=""))
    components: list[Component] = field(default_factory=list)
    features: list[Feature] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def add(self, component: Component, features: Iterable[Feature] = ()) -> None:
        self.components.append(component)
        self.features.extend(features)

    def note(self, source: str, message: str) -> None:
        self.notes.append(Note(source=source, message=message))
