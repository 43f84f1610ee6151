"""A self-contained HTML audit report for a manager: verdict, components by country, findings with evidence."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from doorwatch.model import AuditReport, Severity

PALETTE = ["#2e86c1", "#c0392b", "#1f8a4c", "#d68910", "#7d3c98", "#17a589", "#839192", "#b9770e"]


def _chart(report: AuditReport) -> dict:
    # The audit's summary already counts components by country (sorted, most first).
    top = list(report.summary["by_country"].items())[:14]
    biggest = max((n for _, n in top), default=1)
    bars = [
        {"label": label, "count": n, "y": index * 22, "width": round(600 * n / biggest), "colour": PALETTE[index % len(PALETTE)]}
        for index, (label, n) in enumerate(top)
    ]
    return {"bars": bars, "width": 820, "height": max(22 * len(bars), 22)}


def render(report: AuditReport) -> str:
    env = Environment(loader=PackageLoader("doorwatch.report", "templates"), autoescape=select_autoescape(["html"]))
    severities = [sev.value for sev in Severity]
    return env.get_template("audit.html").render(
        r=report,
        severities=severities,
        counts=report.summary["findings_by_severity"],
        chart=_chart(report),
        hardware=[c for c in report.components if c.category != "software"],
        software=[c for c in report.components if c.category == "software"],
    )
