"""Camera and microphone use: inotify gives the open/close edge on the device node, /proc/*/fd the process."""

from __future__ import annotations

import glob
import os
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch

from inotify_simple import INotify, flags

from doorwatch.model import Event, Evidence, Severity, now_utc
from doorwatch.watch.host import Host
from doorwatch.watch.procs import ProcessInfo, real_path

DEFAULT_GLOBS = {"camera": ["/dev/video*"], "microphone": ["/dev/snd/pcmC*D*c"]}
_DEVICE_MASK = flags.OPEN | flags.CLOSE_WRITE | flags.CLOSE_NOWRITE | flags.DELETE_SELF
_DIR_MASK = flags.CREATE
_OPEN_SETTLE = (0.0, 0.02, 0.05, 0.1)  # the opener's fd is installed just after inotify reports the open


@dataclass
class Session:
    """One process holding one device, from when it was first seen."""

    info: ProcessInfo | None
    started: float
    seen_at_start: bool = False


@dataclass
class Device:
    path: str  # as the fd links show it (resolved)
    kind: str  # camera | microphone
    sessions: dict[int, Session] = field(default_factory=dict)


class DeviceWatcher:
    """Reports `<kind>-activated` when a process opens a device and `<kind>-deactivated` when it lets go."""

    def __init__(self, host: Host, globs: dict[str, list[str]]) -> None:
        self.host = host
        self.globs = globs
        self.inotify = INotify()
        self.devices: dict[int, Device] = {}  # by watch descriptor
        self.dir_watches: dict[int, str] = {}
        for kind, patterns in globs.items():
            for pattern in patterns:
                self._watch_dir(os.path.dirname(pattern))
                for path in sorted(glob.glob(pattern)):
                    self._watch_device(path, kind)

    def fileno(self) -> int:
        return self.inotify.fileno()

    def close(self) -> None:
        self.inotify.close()

    def describe(self) -> str:
        """How many devices of each kind are watched, for the start-up line."""
        kinds = [device.kind for device in self.devices.values()]
        return " and ".join(f"{kinds.count(kind)} {kind} device(s)" for kind in self.globs)

    def _watch_dir(self, directory: str) -> None:
        if directory and not glob.has_magic(directory) and os.path.isdir(directory):
            if directory not in self.dir_watches.values():
                self.dir_watches[self.inotify.add_watch(directory, _DIR_MASK)] = directory

    def _watch_device(self, path: str, kind: str) -> Device | None:
        try:
            wd = self.inotify.add_watch(path, _DEVICE_MASK)
        except OSError:
            return None
        return self.devices.setdefault(wd, Device(path=real_path(path), kind=kind))

    def _kind_of(self, path: str) -> str | None:
        for kind, patterns in self.globs.items():
            if any(fnmatch(path, pattern) for pattern in patterns):
                return kind
        return None

    def scan(self, at_start: bool = False) -> list[Event]:
        """Compare the holders of every device with what is known: the events of the difference."""
        holders = self.host.processes.holders({device.path for device in self.devices.values()})
        events = []
        for device in self.devices.values():
            events += self._update(device, holders.get(device.path, set()), at_start)
        return events

    def handle_pending(self) -> list[Event]:
        """Read the queued inotify events and turn them into camera/microphone events."""
        touched: dict[str, Device] = {}
        opened: set[str] = set()  # devices with an open the watch saw (not a new node alone)
        events: list[Event] = []
        for raw in self.inotify.read(timeout=0):
            if raw.wd in self.dir_watches:
                path = os.path.join(self.dir_watches[raw.wd], raw.name)
                kind = self._kind_of(path)
                device = self._watch_device(path, kind) if kind else None
                if device is not None:  # it may have been opened before the watch was in place
                    touched[device.path] = device
                continue
            device = self.devices.get(raw.wd)
            if device is None:
                continue
            if raw.mask & flags.IGNORED:  # the node is gone (device unplugged): its sessions end here
                events += self._update(self.devices.pop(raw.wd), set(), at_start=False)
                touched.pop(device.path, None)
                opened.discard(device.path)
                continue
            touched[device.path] = device
            if raw.mask & flags.OPEN:
                opened.add(device.path)
        if not touched:
            return events
        for delay in _OPEN_SETTLE if opened else (0.0,):
            time.sleep(delay)
            holders = self.host.processes.holders(set(touched))
            if all(holders[path] - set(touched[path].sessions) for path in opened):
                break
        for path, device in touched.items():
            changes = self._update(device, holders[path], at_start=False)
            if path in opened and not holders[path] and not any(e.event.endswith("-activated") for e in changes):
                changes.append(self._brief_use(device))
            events += changes
        return events

    def _brief_use(self, device: Device) -> Event:
        """An open whose process had closed the device (or left) before /proc could name it: a quick
        capture, or a probe of the device's capabilities (udev, the sound server)."""
        evidence = [Evidence(kind="device", value=device.path,
                             detail="opened and closed before the process could be identified")]
        return Event(time=now_utc(), event=f"{device.kind}-activated", severity=Severity.LOW, evidence=evidence,
                     device=device.path, duration=0.0)

    def _update(self, device: Device, pids: set[int], at_start: bool) -> list[Event]:
        events, now = [], time.monotonic()
        for pid in sorted(pids - device.sessions.keys()):
            info = self.host.processes.get(pid)
            device.sessions[pid] = Session(info=info, started=now, seen_at_start=at_start)
            events.append(self._event(device, f"{device.kind}-activated", info, at_start=at_start))
        for pid in sorted(device.sessions.keys() - pids):
            session = device.sessions.pop(pid)
            duration = round(now - session.started, 3)
            events.append(
                self._event(device, f"{device.kind}-deactivated", session.info, duration=duration,
                            at_least=session.seen_at_start)
            )
        return events

    def _event(self, device: Device, name: str, info: ProcessInfo | None, **extra) -> Event:
        activated = name.endswith("-activated")
        severity, reasons = self.judge(device.kind, info)
        note = "in use when the watch started" if extra.pop("at_start", False) else None
        evidence = [Evidence(kind="device", value=device.path, detail=note or ("opened" if activated else "closed"))]
        evidence += [Evidence(kind="reason", value=reason) for reason in reasons]
        if not activated and extra.pop("at_least", False):
            extra["duration_at_least"] = True
        else:
            extra.pop("at_least", None)
        if info is None:
            return Event(time=now_utc(), event=name, severity=severity, evidence=evidence, device=device.path, **extra)
        return self.host.process_event(name, severity, info, evidence, device=device.path, **extra)

    def judge(self, kind: str, info: ProcessInfo | None) -> tuple[Severity, list[str]]:
        """info for an allowed application in a user's session; high for daemons and unpackaged programs."""
        if info is None:
            return Severity.MEDIUM, ["the process could not be identified"]
        origin = self.host.origin(info)
        name = os.path.basename(info.exe or "") or info.comm
        rules = self.host.rules
        allowed = rules.camera_apps if kind == "camera" else rules.microphone_apps
        reasons = [evidence.detail for evidence in origin.evidence(info.exe)]
        if origin.untrusted:
            return Severity.HIGH, reasons
        if name in rules.media_servers:
            return Severity.INFO, reasons + ["sound server of the session"]
        if not info.in_session:
            return Severity.HIGH, reasons + ["no terminal and no desktop session: a daemon or a hidden process"]
        if name not in allowed:
            return Severity.MEDIUM, reasons + [f"{name} is not in the allowed {kind} applications"]
        return Severity.INFO, reasons
