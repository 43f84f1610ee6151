"""Processes that pretend to be something else, and the marks known implants leave behind."""

from __future__ import annotations

import os

from doorwatch.model import Event, Evidence, Severity, now_utc
from doorwatch.watch.host import Host
from doorwatch.watch.procs import ProcessInfo

COMM_LENGTH = 15  # TASK_COMM_LEN - 1: the kernel truncates process names to this
YOUNG_SECONDS = 10.0  # processes this young are re-read each scan: they may exec or rename themselves


def _argv0_name(info: ProcessInfo) -> str | None:
    if not info.argv:
        return None
    first = info.argv[0].split()[0] if info.argv[0].split() else info.argv[0]
    return os.path.basename(first.rstrip(":")) or None


def _same_program(name: str, exe_name: str) -> bool:
    """Whether a process name stands for the executable, allowing for the kernel's truncation."""
    return name == exe_name or (len(name) == COMM_LENGTH and exe_name.startswith(name))


class MasqueradeDetector:
    """`process-masquerade` for new (and recently renamed) processes, plus implant mutex files."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.reported: set[tuple] = set()

    def scan(self, fresh: list[ProcessInfo]) -> list[Event]:
        changed = self.host.processes.recheck_young(YOUNG_SECONDS)
        events = []
        for info in {p.pid: p for p in fresh + changed}.values():
            events += self.judge(info)
        return events + self.mutex_files()

    def judge(self, info: ProcessInfo) -> list[Event]:
        """The masquerade events for one process (none for kernel threads and honest programs)."""
        if info.kernel_thread:
            return []
        findings = self._name_findings(info) + self._origin_findings(info) + self._environment_findings(info)
        events = []
        for severity, evidence in findings:
            key = (info.pid, info.start_ticks, evidence.kind, evidence.value)
            if key not in self.reported:
                self.reported.add(key)
                events.append(self.host.process_event("process-masquerade", severity, info, [evidence]))
        return events

    def _name_findings(self, info: ProcessInfo) -> list[tuple[Severity, Evidence]]:
        rules = self.host.rules
        names = {("comm", info.comm)}
        argv0 = _argv0_name(info)
        if argv0:
            names.add(("argv0", info.argv[0]))
        for source, name in sorted(names):
            if rules.looks_like_kernel_thread(name):
                return [(Severity.HIGH, Evidence(kind=f"name-{source}", value=name,
                                                 detail="a user process named like a kernel thread"))]
        exe_name = os.path.basename(info.exe or "")
        if not exe_name or rules.is_interpreter(info.exe):
            return []
        if argv0 and info.argv[0].startswith("/") and os.path.realpath(info.argv[0].split()[0]) == info.exe:
            return []  # started through a symlink to itself (/sbin/init -> systemd)
        for source, name, shown in (("comm", info.comm, info.comm), ("argv0", argv0, info.argv[0] if info.argv else "")):
            if not name or _same_program(name, exe_name):
                continue
            if any(_same_program(name, daemon) for daemon in rules.system_daemon_names):
                return [(Severity.HIGH, Evidence(kind=f"name-{source}", value=shown,
                                                 detail=f"borrows the name of the system daemon {name}; the executable is {exe_name}"))]
        return []

    def _origin_findings(self, info: ProcessInfo) -> list[tuple[Severity, Evidence]]:
        origin = self.host.origin(info)
        if not origin.suspicious:
            return []
        return [(Severity.HIGH, evidence) for evidence in origin.evidence(info.exe) if "package" not in (evidence.detail or "")]

    def _environment_findings(self, info: ProcessInfo) -> list[tuple[Severity, Evidence]]:
        marks = self.host.rules.implant_environment
        found = []
        for key, values in marks.items():
            value = (info.environ or {}).get(key)
            if value is not None and value in values:
                found.append((Severity.MEDIUM, Evidence(kind="environment", value=f"{key}={value}",
                                                        detail="history disabled, as implants do for their shells")))
        return found

    def mutex_files(self) -> list[Event]:
        """Zero-byte files with the names implants use as a lock in /run and /var/run."""
        events = []
        seen_dirs = set()
        for directory in self.host.rules.implant_mutex_dirs:
            real = os.path.realpath(directory)
            if real in seen_dirs:
                continue
            seen_dirs.add(real)
            try:
                entries = list(os.scandir(real))
            except OSError:
                continue
            for entry in entries:
                if entry.name in self.host.rules.implant_mutex_files and ("mutex", entry.path) not in self.reported:
                    if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_size == 0:
                        self.reported.add(("mutex", entry.path))
                        events.append(Event(time=now_utc(), event="process-masquerade", severity=Severity.HIGH,
                                            evidence=[Evidence(kind="mutex-file", value=entry.path,
                                                               detail="zero-byte lock file named as known implants name theirs")]))
        return events
