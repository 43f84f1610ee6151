"""The watch loop: inotify for device edges as they happen, a cheap /proc and netlink scan every few seconds."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

from pyroute2.netlink.exceptions import NetlinkError

from doorwatch.model import Event
from doorwatch.watch.devices import DEFAULT_GLOBS, DeviceWatcher
from doorwatch.watch.host import Host
from doorwatch.watch.inet import InetTable
from doorwatch.watch.listeners import ListenerDetector
from doorwatch.watch.masquerade import MasqueradeDetector
from doorwatch.watch.outbound import OutboundDetector
from doorwatch.watch.packet import PacketSocketDetector


@dataclass
class WatchOptions:
    camera_globs: list[str] = field(default_factory=lambda: list(DEFAULT_GLOBS["camera"]))
    microphone_globs: list[str] = field(default_factory=lambda: list(DEFAULT_GLOBS["microphone"]))
    scan_interval: float = 3.0
    exfil_bytes: int = 10 * 1024 * 1024


class Watcher:
    """Everything `doorwatch watch` looks at, as one object: snapshot() for --once, run() to keep watching."""

    def __init__(self, host: Host, options: WatchOptions) -> None:
        self.host = host
        self.options = options
        self.devices = DeviceWatcher(host, {"camera": options.camera_globs, "microphone": options.microphone_globs})
        self.inet = InetTable()
        self.masquerade = MasqueradeDetector(host)
        self.packets = PacketSocketDetector(host)
        self.listeners = ListenerDetector(host, self.inet)
        self.outbound = OutboundDetector(host, self.inet, options.exfil_bytes)
        self._stopping = False
        self._failed: set[str] = set()

    def close(self) -> None:
        self.devices.close()
        self.inet.close()

    def scan(self) -> list[Event]:
        """One periodic pass: new processes, packet sockets, listeners, outbound connections."""
        fresh = self.host.processes.refresh()
        events = []
        for name, detector in (("processes", lambda: self.masquerade.scan(fresh)), ("packet sockets", self.packets.scan),
                               ("listeners", self.listeners.scan), ("connections", self.outbound.scan)):
            events += self._guarded(name, detector)
        return events

    def _guarded(self, name: str, detector: Callable[[], list[Event]]) -> list[Event]:
        """A source that fails once (a process gone mid-read, netlink refused) is noted, not fatal to the watch."""
        try:
            return detector()
        except (OSError, ValueError, NetlinkError) as err:
            if name not in self._failed:
                self._failed.add(name)
                print(f"doorwatch: {name}: {err}", file=sys.stderr)
            return []

    def snapshot(self) -> list[Event]:
        """The current state: devices in use and every finding of a first scan."""
        return self.devices.scan(at_start=True) + self.scan()

    def run(self, emit: Callable[[Event], None], duration: float | None,
            ready: Callable[[], None] | None = None) -> None:
        """Emit events as they happen until the duration ends or SIGINT/SIGTERM arrives; `ready` is
        called once the starting state is reported and every later change will be."""
        deadline = time.monotonic() + duration if duration is not None else float("inf")
        wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        old_wakeup = signal.set_wakeup_fd(wake_write)
        try:
            for event in self.snapshot():
                emit(event)
            if ready:
                ready()
            next_scan = time.monotonic() + self.options.scan_interval
            while not self._stopping:
                now = time.monotonic()
                if now >= deadline:
                    break
                ready, _, _ = select.select([self.devices.fileno(), wake_read], [], [], max(0.0, min(next_scan, deadline) - now))
                if self.devices.fileno() in ready:
                    for event in self.devices.handle_pending():
                        emit(event)
                if time.monotonic() >= next_scan:
                    for event in self.scan():
                        emit(event)
                    next_scan = max(next_scan + self.options.scan_interval, time.monotonic())
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            os.close(wake_read)
            os.close(wake_write)

    def _stop(self, signum, frame) -> None:
        self._stopping = True
