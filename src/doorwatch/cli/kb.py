"""`doorwatch kb`: ask the provenance knowledge base.

Imports stay inside the commands so `doorwatch kb lookup` starts quickly.
"""

from pathlib import Path
from typing import Annotated, Optional

import typer

from doorwatch.cli.common import FormatOption, OutputFormat, OutputOption, choose_format, fail, render_rich, write_output

app = typer.Typer(help="Ask the provenance knowledge base who made a chip, device or program, and where.", no_args_is_help=True)

FORMATS = (OutputFormat.TABLE, OutputFormat.JSON)
ANSWER_COLUMNS = ("key", "vendor", "country", "parent", "parent_country", "confidence", "source")


@app.command("lookup")
def lookup(
    keys: Annotated[list[str], typer.Argument(help="pci:VVVV, usb:VVVV, oui:XX:XX:XX (or a full MAC), cpu:VENDOR_ID, arm:0xNN, pnp:ABC or org:NAME.")],
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """What the knowledge base knows of each key: maker, country, ultimate owner, confidence and source."""
    chosen = choose_format(format, FORMATS, output)
    from doorwatch.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    try:
        answers = [kb.lookup(key) for key in keys]
    except ValueError as err:
        fail(str(err))
    records = [answer.as_dict() for answer in answers]
    if chosen == OutputFormat.JSON:
        write_output(_json({"answers": records}), output)
        return
    from rich.table import Table

    table = Table(*(column.replace("_", " ") for column in ANSWER_COLUMNS), title="Knowledge base answers")
    for record in records:
        table.add_row(*(_cell(record, column) for column in ANSWER_COLUMNS))
    write_output(render_rich([table]), output)


@app.command("stats")
def stats(format: FormatOption = None, output: OutputOption = None) -> None:
    """Coverage of the knowledge base: identifiers by confidence, and the curated records."""
    chosen = choose_format(format, FORMATS, output)
    from doorwatch.kb import KnowledgeBase
    from doorwatch.kb.stats import coverage

    figures = coverage(KnowledgeBase.load())
    if chosen == OutputFormat.JSON:
        write_output(_json({"stats": figures}), output)
        return
    from rich.table import Table

    table = Table("identifiers", "total", "curated", "registry", "name-match", "guess", "maker only", "unknown", title="Coverage by confidence")
    for space, row in figures["identifiers"].items():
        table.add_row(space, *(str(row[column]) for column in ("total", "curated", "registry", "name-match", "guess", "maker-only", "unknown")))
    records = Table("curated records", "count", title="Curated data")
    for name, count in figures["curated"].items():
        records.add_row(name, str(count))
    sources_table = Table("source", "version or size")
    for name, value in figures["sources"].items():
        sources_table.add_row(name, str(value))
    write_output(render_rich([table, records, sources_table]), output)


@app.command("update")
def update(
    source: Annotated[Optional[Path], typer.Option("--from", help="Take the ids files from this folder instead of the system's usual places.", file_okay=False)] = None,
    format: FormatOption = None,
    output: OutputOption = None,
) -> None:
    """Refresh pci.ids, usb.ids, pnp.ids and the IEEE MA-M/MA-S listings (mam.txt, oui36.txt of ieee-data)
    from the system's copies when those are newer (kept in the user cache)."""
    chosen = choose_format(format, FORMATS, output)
    if source is not None and not source.is_dir():
        fail(f"--from {source}: no such folder")
    from doorwatch.kb.update import refresh

    try:
        results = refresh(source)
    except OSError as err:
        fail(f"cannot update the ids files: {err.strerror or err}")
    if chosen == OutputFormat.JSON:
        write_output(_json({"files": results}), output)
        return
    from rich.table import Table

    table = Table("file", "updated", "version in use", "path in use", "system copy", title="ids files")
    for row in results:
        table.add_row(row["file"], "yes" if row["updated"] else "no", str(row["current_version"] or "-"), row["current"], str(row["candidate"] or "none found"))
    write_output(render_rich([table]), output)


def _json(document: dict) -> str:
    import json

    from doorwatch import __version__

    # The contract's "tool" object, written without the pydantic models to keep lookups quick.
    return json.dumps({"tool": {"name": "doorwatch", "version": __version__}, **document}, indent=2, ensure_ascii=False)


def _cell(record: dict, column: str) -> str:
    from rich.markup import escape

    value = record.get(column)
    if column == "vendor" and value is None and record.get("note"):
        return f"[dim]{escape(record['note'])}[/]"
    return "-" if value is None else escape(str(value))
