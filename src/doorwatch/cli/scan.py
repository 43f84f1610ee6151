"""`doorwatch scan`: static analysis of files, directories and firmware images."""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from doorwatch.cli.common import (
    FailOnOption,
    FormatOption,
    OutputFormat,
    OutputOption,
    choose_format,
    exit_code,
    fail,
    render_rich,
    write_output,
)
from doorwatch.errors import DoorwatchError
from doorwatch.scales import Severity

FORMATS = [OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.SARIF, OutputFormat.HTML]


def scan(
    paths: Annotated[list[Path], typer.Argument(help="Files, directories, firmware images or archives to analyse.", show_default=False)],
    fmt: FormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = Severity.HIGH,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: one per core).")] = os.cpu_count() or 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Analyse every file again instead of reusing cached results.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds allowed per file; a file that takes longer is reported with an error.")] = 60.0,
) -> None:
    """Find backdoors (magic-value triggers, hard-coded credentials, documented backdoors) and spying
    capabilities (camera, microphone, location, packet sockets, hidden shells) in executables,
    scripts and firmware, without running them. Firmware images and archives are unpacked within
    size, file-count, depth and time bounds: tar, zip, cpio, gzip, xz, lzma, bzip2, squashfs,
    cramfs, JFFS2, UBI and UBIFS, uImage, and vendor blobs that hold them.

    Examples:

      doorwatch scan /usr/sbin/httpd

      doorwatch scan firmware.bin --format html -o report.html

      doorwatch scan /usr/bin --jobs 2 --fail-on critical --format sarif -o scan.sarif
    """
    from doorwatch.model import to_json
    from doorwatch.scan.engine import ScanOptions, scan_paths, severities

    chosen = choose_format(fmt, FORMATS, output)
    options = ScanOptions(jobs=jobs, use_cache=not no_cache, timeout=timeout)
    try:
        report = _with_progress(lambda progress: scan_paths(list(paths), options, progress))
    except DoorwatchError as err:
        fail(str(err))
    if chosen is OutputFormat.TABLE:
        from doorwatch.report.scan_table import scan_renderables

        text = render_rich(scan_renderables(report))
    elif chosen is OutputFormat.SARIF:
        from doorwatch.report.scan_sarif import render as render_sarif

        text = render_sarif(report)
    elif chosen is OutputFormat.HTML:
        from doorwatch.report.scan_html import render

        text = render(report)
    else:
        text = to_json(report)
    write_output(text, output)
    unreadable = [t for t in report.targets if t.errors and t.sha256 is None]
    if unreadable and len(unreadable) == len(report.targets):
        fail(f"cannot read {unreadable[0].path}: {unreadable[0].errors[0]}")
    raise typer.Exit(exit_code(severities(report), fail_on))


def _with_progress(run):
    """A progress bar on standard error while a tree is scanned, only when it is a terminal."""
    if not sys.stderr.isatty():
        return run(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("scan", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run(progress)
