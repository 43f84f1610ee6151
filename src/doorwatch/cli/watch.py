"""`doorwatch watch`: events as they happen, or a snapshot with --once."""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional
from urllib.parse import urlparse

import typer

from doorwatch.cli.common import FailOnOption, FormatOption, OutputFormat, OutputOption, choose_format, exit_code, fail, write_output
from doorwatch.scales import Severity

if TYPE_CHECKING:
    from doorwatch.model import Event

FORMATS = (OutputFormat.TABLE, OutputFormat.JSONL, OutputFormat.JSON)


def watch(
    duration: Annotated[Optional[float], typer.Option("--duration", help="Stop after this many seconds (default: until interrupted).")] = None,
    once: Annotated[bool, typer.Option("--once", help="Print the current state and exit.")] = False,
    fmt: FormatOption = None,
    output: OutputOption = None,
    use_syslog: Annotated[bool, typer.Option("--syslog", help="Also send each event to syslog.")] = False,
    webhook: Annotated[Optional[str], typer.Option("--webhook", help="Also POST each event as JSON to this http(s) URL.")] = None,
    camera_glob: Annotated[Optional[list[str]], typer.Option("--camera-glob", help="Camera device nodes to watch (default /dev/video*).")] = None,
    microphone_glob: Annotated[Optional[list[str]], typer.Option("--microphone-glob", help="Capture devices to watch (default /dev/snd/pcmC*D*c).")] = None,
    allow_country: Annotated[Optional[list[str]], typer.Option("--allow-country", help="Countries (ISO 3166 alpha-2) traffic may go to; bytes to others count towards exfiltration (none given: no exfiltration check).")] = None,
    allow_listener: Annotated[Optional[list[str]], typer.Option("--allow-listener", help="Allow a listener: NAME, NAME:PORT or a full executable path.")] = None,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between process and socket scans.")] = 3.0,
    exfil_threshold: Annotated[int, typer.Option("--exfil-threshold", help="Bytes to a disallowed country that make an exfiltration event.")] = 10 * 1024 * 1024,
    fail_on: FailOnOption = Severity.HIGH,
) -> None:
    """Watch this machine at run time and print events as they happen.

    Reports camera-activated / microphone-activated (and -deactivated), packet-socket-opened (with the
    constants of an attached BPF filter when run as root), hidden-listener, process-masquerade,
    beaconing and exfiltration. With -o, table and jsonl lines are appended to the file.
    """
    if duration is not None and duration <= 0:
        fail("--duration must be a positive number of seconds")
    if interval <= 0:
        fail("--interval must be a positive number of seconds")
    if webhook and urlparse(webhook).scheme not in ("http", "https"):
        fail(f"--webhook {webhook!r}: give an http:// or https:// URL")
    for code in allow_country or []:
        if len(code) != 2 or not code.isalpha():
            fail(f"--allow-country {code!r}: give a two-letter ISO 3166 country code")
    if not os.path.isdir("/proc/self"):
        fail("watch needs a Linux /proc")
    chosen = choose_format(fmt, FORMATS, output)
    # Imported here so other commands do not pay for the watch's netlink and process libraries.
    from doorwatch.errors import DoorwatchError
    from doorwatch.model import Event, EventsReport, to_json
    from doorwatch.watch import Host, WatchOptions, Watcher, WatchRules
    from doorwatch.watch.sinks import LineSink, SyslogSink, WebhookSink

    try:
        rules = WatchRules.shipped(extra_listeners=allow_listener or [], allowed_countries=allow_country or [])
    except DoorwatchError as err:
        fail(str(err))
    host = Host(rules)
    options = WatchOptions(scan_interval=interval, exfil_bytes=exfil_threshold)
    options.camera_globs = camera_glob or options.camera_globs
    options.microphone_globs = microphone_glob or options.microphone_globs
    events: list[Event] = []  # kept whole only for the json document; the exit status needs severities alone
    severities: set[str] = set()
    stream = _open_stream(output) if chosen is not OutputFormat.JSON else None
    sinks = [lambda event: severities.add(event.severity)]
    if chosen is OutputFormat.JSON:
        sinks.append(events.append)
    if stream is not None:
        sinks.append(LineSink(stream, as_json=chosen is OutputFormat.JSONL))
    if use_syslog:
        sinks.append(SyslogSink())
    hook = WebhookSink(webhook) if webhook else None
    if hook:
        sinks.append(hook)

    def emit(event: Event) -> None:
        for sink in sinks:
            sink(event)

    watcher = Watcher(host, options)
    try:
        if once:
            for event in watcher.snapshot():
                emit(event)
        else:
            def announce() -> None:
                print(f"doorwatch: watching {watcher.devices.describe()}; scanning every {interval:g}s",
                      file=sys.stderr, flush=True)

            watcher.run(emit, duration, ready=announce)
    finally:
        watcher.close()
        if hook:
            hook.close()
        if stream is not None and stream is not sys.stdout:
            stream.close()
    if chosen is OutputFormat.JSON:
        write_output(to_json(EventsReport(events=events, summary=_summary(events))), output)
    elif chosen is OutputFormat.TABLE and once and not severities and output is None:
        print("no events")
    raise typer.Exit(exit_code(severities, fail_on))


def _open_stream(output: Path | None):
    if output is None:
        return sys.stdout
    try:
        output.expanduser().parent.mkdir(parents=True, exist_ok=True)
        return open(output.expanduser(), "a", encoding="utf-8")
    except OSError as err:
        fail(f"cannot write {output}: {err.strerror or err}")


def _summary(events: "list[Event]") -> dict:
    counts: dict[str, int] = {}
    for event in events:
        counts[event.event] = counts.get(event.event, 0) + 1
    return {"events": len(events), "by_event": counts}
