"""SARIF for an audit: each finding located on the machine's component."""

from __future__ import annotations

from doorwatch.model import AuditReport
from doorwatch.report.sarif import Located, render as render_sarif


def render(report: AuditReport) -> str:
    host = report.machine.hostname or "machine"
    names = {c.ref: c.name for c in report.components}
    return render_sarif(
        Located(finding=f, uri=f"machine://{host}/{f.component or ''}", logical_name=names.get(f.component or "")) for f in report.findings
    )
