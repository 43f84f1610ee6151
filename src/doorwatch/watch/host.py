"""The machine as every detector sees it: processes, packages, rules, and how to name a process in an event."""

from __future__ import annotations

import os
from dataclasses import dataclass

from doorwatch.model import Event, Evidence, Severity, now_utc
from doorwatch.watch.packages import PackageIndex
from doorwatch.watch.procs import ProcessInfo, ProcessTable
from doorwatch.watch.rules import WatchRules


@dataclass(frozen=True)
class ExeOrigin:
    """Where a process's executable comes from, as far as this user can see."""

    known: bool  # False when /proc/PID/exe is not readable (another user's process, no root)
    packaged: bool = False
    deleted: bool = False
    upgraded: bool = False  # deleted, but a packaged file of that name is there now: a package upgrade
    temporary: bool = False
    in_memory: bool = False

    @property
    def suspicious(self) -> bool:
        """Runs from somewhere a legitimate long-running program does not."""
        return (self.deleted and not self.upgraded) or self.temporary or self.in_memory

    @property
    def untrusted(self) -> bool:
        """Suspicious, or simply not installed by a package."""
        return self.known and (self.suspicious or not (self.packaged or self.upgraded))

    def evidence(self, exe: str | None) -> list[Evidence]:
        notes = []
        if self.in_memory:
            notes.append("runs from an anonymous memory file (memfd)")
        elif self.deleted and self.upgraded:
            notes.append("executable replaced since start (package upgrade)")
        elif self.deleted:
            notes.append("executable deleted since start")
        if self.temporary:
            notes.append("executable in a temporary directory")
        if self.known and not (self.packaged or self.upgraded or self.in_memory):
            notes.append("executable not installed by any package")
        return [Evidence(kind="executable", value=exe or "?", detail=note) for note in notes]


class Host:
    """Shared state of one watch: the process table, the package index and the rules."""

    def __init__(self, rules: WatchRules, packages: PackageIndex | None = None, proc: str = "/proc") -> None:
        self.rules = rules
        self.packages = packages or PackageIndex()
        self.processes = ProcessTable(proc)
        self.is_root = os.geteuid() == 0

    def origin(self, info: ProcessInfo) -> ExeOrigin:
        exe = info.exe
        if not info.exe_readable or not exe:
            return ExeOrigin(known=False)
        if exe.startswith("/memfd:"):
            return ExeOrigin(known=True, deleted=True, in_memory=True)
        packaged = self.packages.owns(exe)
        return ExeOrigin(
            known=True,
            packaged=packaged and not info.exe_deleted,
            deleted=info.exe_deleted,
            upgraded=info.exe_deleted and packaged and os.path.exists(exe),
            temporary=self.rules.in_temporary_dir(exe),
        )

    def process_event(
        self, name: str, severity: Severity, info: ProcessInfo | None, evidence: list[Evidence], **extra
    ) -> Event:
        """An event about a process, with the fields the contract asks for and its ancestry."""
        fields: dict = {"time": now_utc(), "event": name, "severity": severity, "evidence": evidence}
        if info is not None:
            fields.update(
                pid=info.pid,
                exe=info.exe,
                user=info.user,
                name=info.comm,
                cmdline=info.cmdline or None,
                parents=self.processes.parents(info),
            )
        return Event(**fields, **extra)
