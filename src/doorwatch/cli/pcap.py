"""`doorwatch pcap`: analyse packet captures for magic packets, Wake-on-LAN, remote management,
beaconing, DNS tunnels and exfiltration."""

from pathlib import Path
from typing import Annotated

import typer

from doorwatch.cli.common import (FailOnOption, FormatOption, OutputFormat, OutputOption, choose_format, exit_code, fail,
                                  render_rich, write_output)
from doorwatch.scales import Severity

FORMATS = (OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.JSONL, OutputFormat.HTML)


def pcap(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE", help="pcap or pcapng files (Ethernet, Linux cooked, raw IP; IPv4 and IPv6).")],
    allow_country: Annotated[list[str] | None, typer.Option(
        "--allow-country", metavar="CC", help="ISO country code that may receive data (repeatable). Without it, no exfiltration check. Countries come from the offline iptocc registry data; private addresses have none.")] = None,
    exfil_bytes: Annotated[int | None, typer.Option(
        "--exfil-bytes", min=1, metavar="BYTES", help="Bytes one host may send to a country not allowed before it is reported (default from the shipped thresholds: 10 MB).")]
        = None,
    output_format: FormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = Severity.HIGH,
) -> None:
    """Analyse packet captures for the signals that wake hidden backdoors, and for beacons and tunnels."""
    fmt = choose_format(output_format, FORMATS, output)
    # Imported here so other commands do not pay for numpy and the capture readers.
    from doorwatch.errors import DoorwatchError
    from doorwatch.model import to_json
    from doorwatch.net.analyse import analyse
    from doorwatch.net.detector import Options, thresholds
    from doorwatch.report.events import render_html, render_table

    if exfil_bytes is None:
        exfil_bytes = int(thresholds("exfiltration")["default_bytes"])
    countries = frozenset(code.strip().upper() for code in allow_country or [])
    if any(len(code) != 2 or not code.isalpha() for code in countries):
        fail("--allow-country takes two-letter ISO 3166-1 codes, e.g. --allow-country DE")
    try:
        report = analyse(files, Options(allow_countries=countries, exfil_bytes=exfil_bytes))
    except DoorwatchError as err:
        fail(str(err))
    if fmt is OutputFormat.JSON:
        text = to_json(report)
    elif fmt is OutputFormat.JSONL:
        text = "\n".join(to_json(event, indent=None) for event in report.events)
    elif fmt is OutputFormat.HTML:
        text = render_html(report)
    else:
        text = render_rich(render_table(report))
    write_output(text, output)
    raise typer.Exit(exit_code((e.severity for e in report.events), fail_on))
