"""A self-contained HTML scan report: summary, findings with the evidence a reviewer checks in a disassembler, capabilities."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from doorwatch.model import ScanReport, Severity
from doorwatch.scan.engine import all_targets


def render(report: ScanReport) -> str:
    env = Environment(loader=PackageLoader("doorwatch.report", "templates"), autoescape=select_autoescape(["html"]))
    targets = all_targets(report)
    findings = sorted(((t, f) for t in targets for f in t.findings), key=lambda pair: -Severity(pair[1].severity).rank)
    return env.get_template("scan.html").render(
        r=report,
        severities=[sev.value for sev in Severity],
        findings=findings,
        with_capabilities=[t for t in targets if t.capabilities or t.errors],
    )
