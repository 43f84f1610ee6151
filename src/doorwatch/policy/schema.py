"""What a policy file may say, and loading one with the line of every error.

A policy is YAML data: clearance levels, rules that apply from a level up
(allowed origins per category, features that must be absent or off), and
exceptions with an approver and an expiry. See the shipped files in
`policies/` for worked examples.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from doorwatch.errors import PolicyError
from doorwatch.model import Record, Severity

Category = Literal["hardware", "firmware", "software"]
COUNTRY = re.compile(r"^[A-Z]{2}$")
PARAMETER = re.compile(r"^\$([a-z_][a-z0-9_]*)$")

# Features the collectors report; a policy naming another id is most likely a typo.
KNOWN_FEATURES = {
    "camera", "microphone", "bluetooth", "wifi", "wwan", "gnss", "nfc", "location", "radio",
    "wake-on-lan", "management-engine", "amt-provisioned", "bmc", "ipmi-over-lan", "tpm",
}


class Parameter(Record):
    description: str = ""
    default: list[str] = Field(default_factory=list)
    required: bool = False


class OriginRule(Record):
    """Which makers' components are allowed in the listed categories."""

    categories: list[Category] = Field(default_factory=lambda: ["hardware", "firmware", "software"])
    kinds: list[str] | None = None
    allow_countries: list[str] | None = None
    deny_countries: list[str] = Field(default_factory=list)
    deny_vendors: list[str] = Field(default_factory=list)
    check: Literal["country", "parent", "both"] = "both"
    community: Literal["allow", "deny"] = "allow"
    unknown: Literal["allow", "warn", "deny"] = "warn"
    severity: Severity = Severity.HIGH


class FeatureRule(Record):
    """Features that must be absent or off."""

    deny: list[str]
    unknown: Literal["allow", "warn", "deny"] = "warn"
    severity: Severity = Severity.HIGH

    @field_validator("deny")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - KNOWN_FEATURES)
        if unknown:
            raise ValueError(f"unknown feature {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_FEATURES))}")
        return value


class Rule(Record):
    name: str
    min_clearance: str | None = None
    origins: OriginRule | None = None
    features: FeatureRule | None = None

    @model_validator(mode="after")
    def _says_something(self) -> "Rule":
        if self.origins is None and self.features is None:
            raise ValueError("a rule needs 'origins' or 'features'")
        return self


class PolicyException(Record):
    """A waiver for matching components, valid until `expires` (inclusive)."""

    match: dict[str, str]
    approver: str
    reason: str
    expires: date
    findings: list[str] | None = None

    @field_validator("match")
    @classmethod
    def _match_keys(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {"ref", "kind", "name", "vendor", "country", "parent", "category"}
        bad = [key for key in value if key not in allowed and not key.startswith("ids.")]
        if bad:
            raise ValueError(f"cannot match on {', '.join(bad)}; use ref, kind, name, vendor, country, parent, category or ids.<key>")
        if not value:
            raise ValueError("an exception must match something")
        return value


class Policy(Record):
    name: str
    description: str = ""
    levels: list[str] = Field(min_length=1)
    default_clearance: str | None = None
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    exceptions: list[PolicyException] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> "Policy":
        levels = set(self.levels)
        if self.default_clearance is not None and self.default_clearance not in levels:
            raise ValueError(f"default_clearance '{self.default_clearance}' is not one of the levels")
        for index, rule in enumerate(self.rules):
            if rule.min_clearance is not None and rule.min_clearance not in levels:
                raise ValueError(f"rules[{index}]: min_clearance '{rule.min_clearance}' is not one of the levels {self.levels}")
            if rule.origins:
                for field in ("allow_countries", "deny_countries"):
                    for entry in getattr(rule.origins, field) or []:
                        self._check_country(entry, f"rules[{index}].origins.{field}")
        return self

    def _check_country(self, entry: str, where: str) -> None:
        reference = PARAMETER.match(entry)
        if reference:
            if reference.group(1) not in self.parameters:
                raise ValueError(f"{where}: parameter ${reference.group(1)} is not declared under 'parameters'")
        elif not COUNTRY.match(entry):
            raise ValueError(f"{where}: '{entry}' is not an ISO 3166-1 alpha-2 country code such as CN or DE")


class LoadedPolicy:
    """A validated policy and the digest of its text (recorded in every audit it judged)."""

    def __init__(self, policy: Policy, text: str) -> None:
        self.policy = policy
        self.sha256 = hashlib.sha256(text.encode()).hexdigest()


def _build(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> Any:
    """Python data from a YAML node, recording the line of every key and item (1-based)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            key = key_node.value
            result[key] = _build(value_node, path + (key,), lines)
            lines[path + (key,)] = key_node.start_mark.line + 1  # an error in a value points at its key
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (index,), lines) for index, item in enumerate(node.value)]
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _line_of(loc: tuple, lines: dict[tuple, int]) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def parse_policy(text: str, source: str) -> LoadedPolicy:
    """Validate a policy text; every error names its line. Raises PolicyError."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise PolicyError(f"{source}:{line}: not valid YAML: {getattr(err, 'problem', err)}") from None
    if node is None:
        raise PolicyError(f"{source}:1: the policy is empty")
    lines: dict[tuple, int] = {}
    data = _build(node, (), lines)
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:1: a policy is a mapping with 'name', 'levels' and 'rules'")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as err:
        raise PolicyError("\n".join(_describe(error, source, lines) for error in err.errors())) from None
    return LoadedPolicy(policy, text)


def _describe(error: dict, source: str, lines: dict[tuple, int]) -> str:
    loc = tuple(error["loc"])
    where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{source}:{_line_of(loc, lines)}: {where or 'policy'}: {message}"


def shipped_policies() -> list[str]:
    return sorted(item.name.removesuffix(".yaml") for item in resources.files("doorwatch.policy").joinpath("policies").iterdir() if item.name.endswith(".yaml"))


def load_policy(name_or_path: str) -> LoadedPolicy:
    """A shipped policy by name, or a policy file by path."""
    path = Path(name_or_path).expanduser()
    if path.is_file() or "/" in name_or_path or name_or_path.endswith((".yaml", ".yml")):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise PolicyError(f"cannot read policy {name_or_path}: {err.strerror or err}") from None
        except UnicodeDecodeError:
            raise PolicyError(f"policy {name_or_path} is not UTF-8 text") from None
        return parse_policy(text, str(path))
    shipped = resources.files("doorwatch.policy").joinpath("policies", f"{name_or_path}.yaml")
    if not shipped.is_file():
        raise PolicyError(f"no policy named '{name_or_path}' and no such file; shipped policies: {', '.join(shipped_policies())}")
    return parse_policy(shipped.read_text(encoding="utf-8"), f"{name_or_path}.yaml")
