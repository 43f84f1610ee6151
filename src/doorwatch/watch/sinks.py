"""Where events go: the terminal or a file (a line per event, flushed), syslog, and a webhook."""

from __future__ import annotations

import queue
import sys
import syslog
import threading
import urllib.error
import urllib.request
from typing import IO

from rich.console import Console
from rich.markup import escape

from doorwatch.model import Event
from doorwatch.report.events import SEVERITY_STYLE

SYSLOG_PRIORITY = {"critical": syslog.LOG_CRIT, "high": syslog.LOG_ERR, "medium": syslog.LOG_WARNING,
                   "low": syslog.LOG_NOTICE, "info": syslog.LOG_INFO}
WEBHOOK_TIMEOUT = 3.0


def summary(event: Event) -> str:
    """One line naming the actor and the main evidence: what a person reads first."""
    data = event.model_dump()
    parts = [f"{data['time']:%Y-%m-%d %H:%M:%S}", f"{data['severity']:<8}", f"{data['event']:<22}"]
    if data.get("pid") is not None:
        parts.append(f"pid {data['pid']} {data.get('exe') or data.get('name') or '?'} ({data.get('user') or '?'})")
    if data.get("dst"):
        parts.append(f"-> {data['dst']}:{data.get('dport')}")
    if data.get("duration") is not None:
        parts.append(f"for {data['duration']:.1f}s")
    parts += [f"{item['value']}" + (f" [{item['detail']}]" if item.get("detail") else "") for item in data["evidence"][:3]]
    return "  ".join(parts)


class LineSink:
    """Table lines or JSON lines, one per event, flushed at once so a reader sees them as they happen."""

    def __init__(self, stream: IO[str], as_json: bool) -> None:
        self.stream = stream
        self.as_json = as_json
        self.console = Console(file=stream, highlight=False, soft_wrap=True) if not as_json else None

    def __call__(self, event: Event) -> None:
        if self.as_json:
            self.stream.write(event.model_dump_json() + "\n")
        else:
            style = SEVERITY_STYLE.get(event.severity, "")
            self.console.print(f"[{style}]{escape(summary(event))}[/]" if style else escape(summary(event)))
        self.stream.flush()


class SyslogSink:
    def __init__(self) -> None:
        syslog.openlog("doorwatch", syslog.LOG_PID, syslog.LOG_AUTHPRIV)

    def __call__(self, event: Event) -> None:
        syslog.syslog(SYSLOG_PRIORITY.get(event.severity, syslog.LOG_INFO), summary(event))


class WebhookSink:
    """POSTs each event as JSON from a background thread: a slow or absent receiver never holds up the watch."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pending: queue.Queue[Event | None] = queue.Queue(maxsize=1000)
        self.thread = threading.Thread(target=self._send_all, name="doorwatch-webhook", daemon=True)
        self.thread.start()

    def __call__(self, event: Event) -> None:
        try:
            self.pending.put_nowait(event)
        except queue.Full:
            print(f"doorwatch: webhook {self.url}: queue full, event dropped", file=sys.stderr)

    def close(self) -> None:
        """Send what is queued, waiting a bounded time; what could not be sent is said on stderr."""
        self.pending.put(None)
        self.thread.join(timeout=WEBHOOK_TIMEOUT * 2)
        if self.thread.is_alive():
            print(f"doorwatch: webhook {self.url}: {self.pending.qsize()} event(s) not sent before exit", file=sys.stderr)

    def _send_all(self) -> None:
        while (event := self.pending.get()) is not None:
            body = event.model_dump_json().encode()
            request = urllib.request.Request(self.url, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                    response.read()
            except (urllib.error.URLError, OSError, ValueError) as err:
                print(f"doorwatch: webhook {self.url}: {getattr(err, 'reason', err)}", file=sys.stderr)
