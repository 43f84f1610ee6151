"""Renderers of an EventsReport (pcap detections, watch events): a terminal table and an HTML page."""

from __future__ import annotations

from collections import Counter

from typing import TYPE_CHECKING

from doorwatch.model import Event, EventsReport, Severity

if TYPE_CHECKING:  # Rich and Jinja are loaded by the renderers that use them: JSON output needs neither
    from rich.table import Table
    from rich.text import Text

SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def actor(event: Event) -> str:
    """Who did it: the process (watch) or the packet's endpoints (pcap)."""
    if event.src or event.dst:
        src, dst = _endpoint(event.src, event.sport), _endpoint(event.dst, event.dport)
        return f"{src} -> {dst}" + (f" {event.proto}" if event.proto else "")
    parts = [f"pid {event.pid}" if event.pid is not None else None, event.exe, event.user]
    return " ".join(part for part in parts if part) or "-"


def _endpoint(host: str | None, port: int | None) -> str:
    if port is None:
        return host or "?"
    return f"[{host}]:{port}" if host and ":" in host else f"{host}:{port}"


def evidence_text(event: Event) -> str:
    return "\n".join(f"{e.kind}: {e.value}" + (f" ({e.detail})" if e.detail else "") for e in event.evidence)


def events_table(events: list[Event], title: str = "Events") -> Table:
    """One row per event, worst first within equal times; reusable by any command that prints events."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, expand=True, show_lines=True)
    table.add_column("time", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("actor")
    table.add_column("evidence")
    for event in events:
        table.add_row(event.time.strftime("%Y-%m-%d %H:%M:%S"), Text(event.severity, style=SEVERITY_STYLE[event.severity]),
                      event.event, actor(event), evidence_text(event))
    return table


def summary_text(report: EventsReport) -> Text:
    from rich.text import Text

    counts = Counter(e.severity for e in report.events)
    worst = ", ".join(f"{counts[s.value]} {s.value}" for s in Severity if counts.get(s.value)) or "no events"
    lines = [f"{worst}"]
    if report.files:
        lines += [f"{f.path}: {f.packets} packets ({f.link_type or 'no packets'})" for f in report.files]
    lines += [str(note) for note in report.summary.get("notes", [])]
    if "exfiltration" in report.summary:
        lines.append(f"exfiltration: {report.summary['exfiltration']}")
    return Text("\n".join(lines))


def render_table(report: EventsReport) -> list:
    """Rich renderables for common.render_rich."""
    return [events_table(report.events, title="Detections" if report.files is not None else "Events"), summary_text(report)]


_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>doorwatch events</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:.4em;vertical-align:top;text-align:left}th{background:#f0f0f0}
.critical{background:#c0392b;color:#fff}.high{color:#c0392b;font-weight:bold}.medium{color:#b9770e}.low{color:#2e86c1}
.info{color:#888}ul{margin:0;padding-left:1.2em}code{font-size:90%}
</style></head><body>
<h1>doorwatch {{ 'capture analysis' if r.files is not none else 'events' }}</h1>
<p>{% for sev in severities %}{% if counts[sev] %}<span class="{{ sev }}">{{ counts[sev] }} {{ sev }}</span> {% endif %}{% endfor %}
{% if not r.events %}No events.{% endif %}</p>
{% if r.files %}<ul>{% for f in r.files %}<li><code>{{ f.path }}</code>: {{ f.packets }} packets ({{ f.link_type or 'no packets' }})</li>{% endfor %}</ul>{% endif %}
{% for note in r.summary.get('notes', []) %}<p>{{ note }}</p>{% endfor %}
{% if r.summary.get('exfiltration') %}<p>Exfiltration: {{ r.summary['exfiltration'] }}</p>{% endif %}
<table><tr><th>time</th><th>severity</th><th>event</th><th>actor</th><th>evidence</th></tr>
{% for e in r.events %}<tr><td>{{ e.time.strftime('%Y-%m-%d %H:%M:%S') }}</td><td class="{{ e.severity }}">{{ e.severity }}</td>
<td>{{ e.event }}</td><td>{{ actor(e) }}</td><td><ul>{% for ev in e.evidence %}<li><b>{{ ev.kind }}</b>: <code>{{ ev.value }}</code>
{% if ev.detail %} ({{ ev.detail }}){% endif %}</li>{% endfor %}</ul></td></tr>
{% endfor %}</table>
<p><small>{{ r.tool.name }} {{ r.tool.version }}</small></p>
</body></html>
"""


def render_html(report: EventsReport) -> str:
    """A self-contained HTML page of the events."""
    from jinja2 import Environment, select_autoescape

    template = Environment(autoescape=select_autoescape(default_for_string=True)).from_string(_HTML)
    return template.render(r=report, severities=[s.value for s in Severity],
                           counts=Counter(e.severity for e in report.events), actor=actor)
