"""The terminal report of a scan: summary first, then each finding with its evidence, then capabilities."""

from __future__ import annotations

from typing import Iterable

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from doorwatch.model import Evidence, ScanReport, ScanTarget, Severity
from doorwatch.report.audit_table import SEVERITY_STYLE
from doorwatch.scan.engine import all_targets


def _evidence_line(item: Evidence) -> str:
    where = f" @ {item.address}" if item.address else ""
    detail = f"  ({item.detail})" if item.detail else ""
    return f"{item.kind}: {item.value}{where}{detail}"


def summary_panel(report: ScanReport) -> Panel:
    summary = report.summary
    counts = summary.get("findings", {})
    worst = ", ".join(f"{counts[sev.value]} {sev.value}" for sev in Severity if counts.get(sev.value)) or "no findings"
    capabilities = ", ".join(f"{cap} ({n})" for cap, n in summary.get("capabilities", {}).items()) or "none"
    style = "bold red" if counts.get("critical") or counts.get("high") else "bold green"
    body = Text.assemble(
        (f"{summary.get('targets', 0)} target(s) analysed, {summary.get('errors', 0)} with errors\n", ""),
        ("Findings: ", "bold"), (worst + "\n", style),
        ("Capabilities: ", "bold"), (capabilities, ""),
    )
    return Panel(body, title="doorwatch scan", expand=False)


def findings_table(targets: list[ScanTarget]) -> Table | None:
    rows = [(t, f) for t in targets for f in t.findings]
    if not rows:
        return None
    rows.sort(key=lambda row: -Severity(row[1].severity).rank)
    table = Table(title="Findings", show_lines=True, expand=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("target", ratio=1, overflow="fold")
    table.add_column("finding and evidence", ratio=4, overflow="fold")
    for target, finding in rows:
        details = Text.assemble((f"{finding.id}: ", "bold"), finding.title)
        for item in finding.evidence[:8]:
            details.append("\n  " + _evidence_line(item), style="dim")
        table.add_row(Text(finding.severity, style=SEVERITY_STYLE[finding.severity]), target.path, details)
    return table


def capabilities_table(targets: list[ScanTarget]) -> Table | None:
    rows = [t for t in targets if t.capabilities or t.errors]
    if not rows:
        return None
    table = Table(title="Capabilities and errors", expand=True)
    table.add_column("target", ratio=1, overflow="fold")
    table.add_column("type/arch", no_wrap=True)
    table.add_column("capabilities (first evidence)", ratio=3, overflow="fold")
    for target in rows:
        caps = [f"{cap.id}: {cap.evidence[0].value}" if cap.evidence else cap.id for cap in target.capabilities]
        errors = [f"[red]error: {error}[/]" for error in target.errors]
        table.add_row(target.path, f"{target.type}/{target.arch or '-'}", "\n".join(caps + errors))
    return table


def scan_renderables(report: ScanReport) -> Iterable:
    targets = all_targets(report)
    yield summary_panel(report)
    for table in (findings_table(targets), capabilities_table(targets)):
        if table is not None:
            yield table
