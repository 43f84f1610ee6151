"""Options and output handling every sub-command shares, so each command stays a thin function."""

import enum
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Iterable, NoReturn

import typer

from doorwatch.scales import Severity


class OutputFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    HTML = "html"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"


FormatOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format. Default: table on a terminal, json otherwise.",
        case_sensitive=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the output to this file instead of standard output.", dir_okay=False),
]
FailOnOption = Annotated[
    Severity,
    typer.Option(
        "--fail-on",
        help="Exit 1 when any finding is at or above this severity.",
        case_sensitive=False,
    ),
]


def fail(message: str) -> NoReturn:
    """Print a one-line error and exit 2, as the contract asks for bad usage or unreadable input."""
    from rich.console import Console  # Rich costs ~50 ms to import: only paid when printing

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]doorwatch: error:[/] {message}")
    raise typer.Exit(2)


def choose_format(requested: OutputFormat | None, allowed: Iterable[OutputFormat], output: Path | None) -> OutputFormat:
    """The requested format if this command offers it; else table on a terminal, json otherwise."""
    allowed = list(allowed)
    if requested is None:
        to_terminal = output is None and sys.stdout.isatty()
        return OutputFormat.TABLE if to_terminal and OutputFormat.TABLE in allowed else OutputFormat.JSON
    if requested not in allowed:
        names = ", ".join(fmt.value for fmt in allowed)
        fail(f"--format {requested.value} is not offered by this command; choose one of: {names}")
    return requested


def write_output(text: str, output: Path | None) -> None:
    """Write to the file atomically (never a half-written report), or to standard output."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    target = output.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False, suffix=".tmp") as tmp:
            tmp.write(text)
        os.replace(tmp.name, target)
    except OSError as err:
        fail(f"cannot write {output}: {err.strerror or err}")


def render_rich(renderables: Iterable, width: int | None = None) -> str:
    """Render Rich objects to text: coloured for a terminal, plain for a file or a pipe."""
    from rich.console import Console

    to_terminal = sys.stdout.isatty()
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=to_terminal,
        width=width or (Console().width if to_terminal else 120),
        color_system="auto" if to_terminal else None,
        highlight=False,
    )
    for renderable in renderables:
        console.print(renderable)
    return buffer.getvalue()


def exit_code(severities: Iterable[Severity | str], fail_on: Severity) -> int:
    """0 when nothing reaches the threshold, 1 when something does."""
    threshold = Severity(fail_on)
    return 1 if any(Severity(sev).at_least(threshold) for sev in severities) else 0
