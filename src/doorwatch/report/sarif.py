"""SARIF 2.1.0 for any list of findings with a location, so audit and scan share one writer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from doorwatch import __version__
from doorwatch.model import Finding, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub and other SARIF consumers rank results by this 0.0-10.0 score.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


@dataclass
class Located:
    """A finding and where it was seen: a file (scan) or a component of a machine (audit)."""

    finding: Finding
    uri: str
    logical_name: str | None = None


def _result(item: Located) -> dict:
    finding = item.finding
    location: dict = {"physicalLocation": {"artifactLocation": {"uri": item.uri}}}
    if item.logical_name:
        location["logicalLocations"] = [{"name": item.logical_name}]
    address = next((e.address for e in finding.evidence if e.address), None)
    if address:
        location["physicalLocation"]["address"] = {"absoluteAddress": int(address, 16)} if address.startswith("0x") else {"name": address}
    return {
        "ruleId": finding.id,
        "level": LEVEL[Severity(finding.severity).value],
        "message": {"text": finding.title},
        "locations": [location],
        "properties": {
            "severity": Severity(finding.severity).value,
            "security-severity": SECURITY_SEVERITY[Severity(finding.severity).value],
            "evidence": [e.model_dump() for e in finding.evidence],
        },
    }


def render(items: Iterable[Located]) -> str:
    items = list(items)
    rule_ids = sorted({item.finding.id for item in items})
    run = {
        "tool": {
            "driver": {
                "name": "doorwatch",
                "version": __version__,
                "rules": [{"id": rule_id, "name": rule_id, "shortDescription": {"text": rule_id.replace("-", " ")}} for rule_id in rule_ids],
            }
        },
        "results": [_result(item) for item in items],
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)
