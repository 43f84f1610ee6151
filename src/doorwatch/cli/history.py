"""`doorwatch history` and `doorwatch diff`: past audits in the local store, and what changed."""

import json
from pathlib import Path
from typing import Annotated

import typer

from doorwatch.cli.common import FormatOption, OutputFormat, OutputOption, choose_format, render_rich, write_output

StoreOption = Annotated[Path | None, typer.Option("--store", help="The local store of audits. Default: under your data directory.", dir_okay=False)]
FORMATS = [OutputFormat.TABLE, OutputFormat.JSON]


def history(
    store: StoreOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many, newest first.")] = 50,
    export: Annotated[str | None, typer.Option("--export", help="Print one stored audit exactly as it was kept (canonical JSON, the bytes its SHA-256 covers): an id, its first characters, `latest` or `previous`.")] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """List past audits kept in the local store, newest first.

    Use an id (or its first characters), `latest` or `previous` with `doorwatch diff` and `--export`.
    """
    from doorwatch.store import Store

    opened = Store(store)
    if export is not None:
        opened.load(export)  # checks the digest before anything is handed out
        write_output(opened.resolve(export).document, output)
        return
    chosen = choose_format(fmt, FORMATS, output)
    rows = opened.list(limit)
    if chosen is OutputFormat.JSON:
        keys = ("audit_id", "created_at", "hostname", "policy", "clearance", "verdict", "components", "findings", "worst", "sha256")
        items = [{key: (getattr(row, key).isoformat() if key == "created_at" else getattr(row, key)) for key in keys} for row in rows]
        write_output(json.dumps({"tool": _tool(), "store": str(opened.path), "audits": items}, indent=2), output)
        return
    from rich.table import Table

    table = Table(title=f"Audits in {opened.path}")
    for column in ("id", "when (UTC)", "host", "policy", "clearance", "verdict", "components", "findings", "worst"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.audit_id[:8], row.created_at.strftime("%Y-%m-%d %H:%M:%S"), row.hostname or "", row.policy, row.clearance or "",
                      row.verdict, str(row.components), str(row.findings), row.worst or "")
    write_output(render_rich([table] if rows else ["No audit yet: run doorwatch audit."]), output)


def diff(
    before: Annotated[str, typer.Argument(help="The earlier audit: an id, its first characters, `previous` or `latest`.")],
    after: Annotated[str, typer.Argument(help="The later audit.")] = "latest",
    store: StoreOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Show what changed between two audits: new or removed devices and packages, changed makers or
    versions, features switched on or off, findings new or resolved.

    Exit status 1 when anything changed, 0 when nothing did.

    Example: doorwatch diff previous latest
    """
    from doorwatch.diff import diff_audits
    from doorwatch.store import Store

    chosen = choose_format(fmt, FORMATS, output)
    opened = Store(store)
    result = diff_audits(opened.load(before), opened.load(after))
    if chosen is OutputFormat.JSON:
        document = {"tool": _tool(), **result.model_dump(mode="json")}
        write_output(json.dumps(document, indent=2), output)
    else:
        write_output(render_rich(_diff_renderables(result)), output)
    raise typer.Exit(0 if result.empty else 1)


def _tool() -> dict:
    from doorwatch.model import ToolInfo

    return ToolInfo().model_dump()


def _diff_renderables(result):
    from rich.markup import escape

    if result.empty:
        yield f"No change between {result.before[:8]} and {result.after[:8]}."
        return
    from rich.table import Table

    table = Table(title=f"Changes from {result.before[:8]} to {result.after[:8]}", expand=True)
    for column in ("change", "kind", "component", "detail"):
        table.add_column(column)
    for component in result.added:
        table.add_row("[green]added[/]", component.kind, escape(component.name), escape(f"{component.vendor or '?'} ({component.country or '?'})"))
    for component in result.removed:
        table.add_row("[red]removed[/]", component.kind, escape(component.name), escape(f"{component.vendor or '?'} ({component.country or '?'})"))
    for change in result.changed:
        detail = "; ".join(f"{field}: {old} -> {new}" for field, (old, new) in change.changes.items())
        table.add_row("[yellow]changed[/]", change.kind, escape(change.name), escape(detail))
    for feature in result.features:
        table.add_row("[yellow]feature[/]", feature.id, feature.component or "", f"{feature.before or 'absent'} -> {feature.after or 'absent'}")
    for finding in result.new_findings:
        table.add_row("[red]new finding[/]", "", "", escape(finding))
    for finding in result.resolved_findings:
        table.add_row("[green]resolved[/]", "", "", escape(finding))
    yield table
