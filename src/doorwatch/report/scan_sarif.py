"""SARIF for a scan: each finding located in the file it was seen in (its path inside an image for children)."""

from __future__ import annotations

from doorwatch.model import ScanReport, Severity
from doorwatch.report.sarif import Located, render as render_sarif
from doorwatch.scan.engine import all_targets


def render(report: ScanReport) -> str:
    located = [
        Located(finding=finding, uri=target.path, logical_name=next((e.value for e in finding.evidence if e.kind == "function"), None))
        for target in all_targets(report)
        for finding in target.findings
    ]
    located.sort(key=lambda item: -Severity(item.finding.severity).rank)
    return render_sarif(located)
