"""Collectors: one module per source of inventory.

A collector is a module in this package with a `collect(machine)` function that
yields Component and Feature records read through a MachineRoot. Adding a
source means adding one module here; `collect_all` finds it by itself.
`SOURCE` (a short name) and `ORDER` (lower runs first) are optional.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from types import ModuleType
from typing import Iterable

from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component, Feature

_NOT_COLLECTORS = {"machine", "imports", "util"}


def collectors() -> list[ModuleType]:
    """Every collector module of this package, in ORDER then name order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in _NOT_COLLECTORS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "collect", None)):
            found.append(module)
    return sorted(found, key=lambda mod: (getattr(mod, "ORDER", 50), mod.__name__))


def collect_all(machine: MachineRoot, only: Iterable[str] | None = None) -> tuple[list[Component], list[Feature], dict[str, float]]:
    """Run every collector; a collector that fails becomes a note, never a crash. Returns timings per source."""
    wanted = set(only) if only else None
    components: list[Component] = []
    features: list[Feature] = []
    timings: dict[str, float] = {}
    seen_refs: set[str] = set()
    for module in collectors():
        name = getattr(module, "SOURCE", module.__name__.rsplit(".", 1)[-1])
        if wanted is not None and name not in wanted:
            continue
        started = time.perf_counter()
        try:
            for record in module.collect(machine):
                if isinstance(record, Component):
                    if record.ref in seen_refs:
                        continue
                    seen_refs.add(record.ref)
                    components.append(record)
                else:
                    features.append(record)
        except Exception as err:  # one broken source must not lose the rest of the inventory
            machine.note(name, None, f"collector failed: {type(err).__name__}: {err}")
        timings[name] = time.perf_counter() - started
    return components, features, timings
