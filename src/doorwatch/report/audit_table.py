"""The terminal report of an audit or an inventory: verdict first, then findings by severity, then the inventory."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from doorwatch.model import AuditReport, Component, Inventory, Severity

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
HARDWARE_FIRST = ["system", "board", "bios", "cpu", "management-engine", "bmc", "tpm", "gpu", "nic", "camera", "microphone",
                  "radio", "location", "storage", "pci", "usb", "firmware"]


def _origin(component: Component) -> str:
    if component.origin == "community" and component.country is None:
        return "community"
    country = component.country or "?"
    if component.parent_country and component.parent_country != component.country:
        return f"{country} (parent {component.parent_country})"
    return country


def verdict_panel(report: AuditReport) -> Panel:
    counts = report.summary.get("findings_by_severity", {})
    worst = ", ".join(f"{counts[sev.value]} {sev.value}" for sev in Severity if counts.get(sev.value)) or "no findings"
    style = "bold red" if report.verdict == "fail" else "bold green"
    policy = report.policy
    params = " ".join(f"{key}={','.join(value)}" for key, value in policy.parameters.items() if value)
    body = Text.assemble(
        (f"{report.verdict.upper()}", style),
        f"  {report.machine.hostname or report.machine.root}: {worst}\n",
        f"policy {policy.name} at clearance {policy.clearance}{' (' + params + ')' if params else ''}; "
        f"{len(report.components)} components; audit {report.audit_id[:8]}",
    )
    return Panel(body, title="doorwatch audit", border_style=style)


def findings_table(report: AuditReport) -> Table:
    table = Table(title="Findings", show_lines=False, expand=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("finding", no_wrap=True)
    table.add_column("what")
    table.add_column("evidence")
    for finding in report.findings:
        # The table shows what was seen; the full evidence with its sources is in the JSON and HTML reports.
        evidence = "; ".join(f"{item.kind}: {item.value}" for item in finding.evidence[:3])
        table.add_row(Text(finding.severity, style=SEVERITY_STYLE[finding.severity]), finding.id, Text(finding.title), Text(evidence))
    return table


def inventory_tables(inv: Inventory) -> Iterable:
    """Hardware and firmware one by one; software summarised by maker (every item is in --format json)."""
    hardware = [c for c in inv.components if c.category != "software"]
    order = {kind: index for index, kind in enumerate(HARDWARE_FIRST)}
    hardware.sort(key=lambda c: (order.get(c.kind, len(order)), c.ref))
    table = Table(title=f"Hardware and firmware ({len(hardware)})", expand=True)
    for column in ("kind", "name", "maker", "origin", "ids", "confidence"):
        table.add_column(column)
    for component in hardware:
        ids = " ".join(f"{key}:{value}" for key, value in component.ids.items())
        table.add_row(*(Text(cell) for cell in (component.kind, component.name, component.vendor or "?", _origin(component), ids,
                                                 component.attribution.confidence or "unknown")))
    yield table
    software = [c for c in inv.components if c.category == "software"]
    if software:
        yield software_summary(software)
    if inv.features:
        features = Table(title="Features", expand=True)
        for column in ("feature", "state", "component"):
            features.add_column(column)
        for feature in inv.features:
            features.add_row(Text(feature.id), Text(feature.state), Text(feature.component or ""))
        yield features
    if inv.notes:
        notes = Table(title=f"Could not read ({len(inv.notes)})", expand=True)
        for column in ("source", "path", "message"):
            notes.add_column(column)
        for note in inv.notes[:50]:
            notes.add_row(Text(note.source), Text(note.path or ""), Text(note.message))
        yield notes


def software_summary(software: list[Component]) -> Table:
    groups: dict[tuple[str, str], list[Component]] = defaultdict(list)
    for component in software:
        groups[(component.vendor or ("community" if component.origin == "community" else "unknown"), _origin(component))].append(component)
    kinds = Counter(c.kind for c in software)
    table = Table(title=f"Software ({', '.join(f'{n} {k}' for k, n in kinds.most_common())}), by maker", expand=True)
    for column in ("maker", "origin", "count", "examples"):
        table.add_column(column)
    for (maker, origin), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        table.add_row(Text(maker), Text(origin), str(len(items)), Text(", ".join(sorted(c.name for c in items)[:6])))
    return table


def audit_renderables(report: AuditReport) -> Iterable:
    yield verdict_panel(report)
    if report.findings:
        yield findings_table(report)
    yield from inventory_tables(report)


def inventory_renderables(inv: Inventory) -> Iterable:
    by_country = Counter(c.country or "unknown" for c in inv.components)
    yield Text(f"{len(inv.components)} components; by country: " + ", ".join(f"{k} {v}" for k, v in by_country.most_common()))
    yield from inventory_tables(inv)
