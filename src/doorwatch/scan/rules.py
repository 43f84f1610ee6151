"""The scan's knowledge, loaded from the data files once: capability rules, trigger vocabulary, YARA-X rules.

A `RuleSet` is compiled once per process and passed to every scan (compile once, scan many).
Its `digest` changes whenever a data file does, so cached results never outlive their rules.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml
import yara_x

from doorwatch.errors import DoorwatchError

_DATA = "doorwatch.scan.data"
CAPABILITY_FILE = "capabilities.yaml"
VOCABULARY_FILE = "triggers.yaml"
SYSCALL_FILE = "syscalls.yaml"  # read by the capability matching; part of the digest


@dataclass(frozen=True)
class Condition:
    """One set of things to look for; matches when any of them is present."""

    imports: tuple[str, ...] = ()
    strings: tuple[str, ...] = ()  # pattern identifiers in the compiled YARA-X rules
    ioctls: tuple[str, ...] = ()
    constants: tuple[int, ...] = ()
    calls: tuple[tuple[str, tuple[tuple[int, tuple[int, ...]], ...], int | None], ...] = ()  # (function, ((arg, values)...), mask)
    argv_writes: tuple[str, ...] = ()  # writes into the program's own argv[0]: "store" or a function writing its first argument


@dataclass(frozen=True)
class CapabilityRule:
    capability: str
    name: str
    match: Condition
    requires: tuple[Condition, ...] = ()
    inheritable: bool = True


@dataclass
class RuleSet:
    capability_rules: list[CapabilityRule]
    ioctls: dict[str, tuple[str, str, int, int]]
    vocabulary: dict
    yara: yara_x.Rules
    pattern_text: dict[str, str]  # YARA pattern identifier -> the text it looks for
    digest: str
    call_functions: set[str] = field(default_factory=set)


def read_data(name: str) -> str:
    """The text of one of the packaged rule and data files."""
    return resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")


def _yara_literal(text: str) -> str:
    return json.dumps(text)  # YARA string escapes (\" \\ \n \t \xNN) are a subset of JSON's for ASCII


class _PatternBook:
    """Collects every string of the capability rules as one YARA-X rule with one pattern each."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}
        self.source: list[str] = []

    def add(self, item) -> str:
        if isinstance(item, dict):
            key, body = "re:" + item["regex"], "/" + item["regex"].replace("/", "\\/") + "/"
        else:
            key, body = str(item), _yara_literal(str(item))
        if key not in self.ids:
            ident = f"$p{len(self.ids)}"
            self.ids[key] = ident
            self.source.append(f"        {ident} = {body}")
        return self.ids[key]

    def rule(self) -> str:
        if not self.source:
            return ""
        return "rule doorwatch_capability_strings {\n    strings:\n" + "\n".join(self.source) + "\n    condition:\n        any of them\n}\n"


def _condition(spec: dict, book: _PatternBook) -> Condition:
    calls = tuple(
        (call["function"], tuple(sorted((int(index), tuple(int(v) for v in values)) for index, values in call["args"].items())),
         call.get("mask"))
        for call in spec.get("calls", [])
    )
    return Condition(
        imports=tuple(spec.get("imports", [])),
        strings=tuple(book.add(item) for item in spec.get("strings", [])),
        ioctls=tuple(spec.get("ioctls", [])),
        constants=tuple(int(c) for c in spec.get("constants", [])),
        calls=calls,
        argv_writes=tuple(spec.get("argv_writes", [])),
    )


@lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    """Load and compile the packaged rules (once per process)."""
    capability_text, vocabulary_text = read_data(CAPABILITY_FILE), read_data(VOCABULARY_FILE)
    yar_names = sorted(p.name for p in resources.files(_DATA).iterdir() if p.name.endswith(".yar"))
    yar_text = "\n".join(read_data(name) for name in yar_names)
    digest = hashlib.sha256("\0".join([capability_text, vocabulary_text, yar_text, read_data(SYSCALL_FILE)]).encode()).hexdigest()[:16]
    try:
        data = yaml.safe_load(capability_text)
        book = _PatternBook()
        rules = [
            CapabilityRule(
                capability=spec["capability"],
                name=spec["name"],
                match=_condition(spec, book),
                requires=tuple(_condition(req, book) for req in spec.get("requires", [])),
                inheritable=spec.get("library", True),
            )
            for spec in data["rules"]
        ]
        ioctls = {name: (d, t, int(n), int(s)) for name, (d, t, n, s) in data.get("ioctls", {}).items()}
        compiled = yara_x.compile(book.rule() + "\n" + yar_text)
    except (yaml.YAMLError, KeyError, TypeError, ValueError, yara_x.CompileError) as err:
        raise DoorwatchError(f"the packaged scan rules are invalid: {err}") from err
    pattern_text = {ident: key.removeprefix("re:") for key, ident in book.ids.items()}
    call_functions = {call[0] for rule in rules for cond in (rule.match, *rule.requires) for call in cond.calls}
    return RuleSet(rules, ioctls, yaml.safe_load(vocabulary_text), compiled, pattern_text, digest, call_functions)
