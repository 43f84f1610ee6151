"""What /proc says about processes: a cache keyed by pid so a periodic scan examines only new pids.

psutil covers single facts well, but the scan loop reads /proc directly: psutil.Process would open
the same files with more bookkeeping per pid, and the overhead budget is per pid per scan.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

PF_KTHREAD = 0x00200000  # include/linux/sched.h: the task is a kernel thread
DELETED_SUFFIX = " (deleted)"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SESSION_VARIABLES = ("XDG_SESSION_ID", "DISPLAY", "WAYLAND_DISPLAY")


@lru_cache(maxsize=256)
def user_name(uid: int | None) -> str | None:
    """The account name for a uid, or the number when the account is unknown."""
    if uid is None:
        return None
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _read_text(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "surrogateescape")
    except OSError:
        return None


@dataclass
class ProcessInfo:
    """One process as first examined: enough to judge it and to name it in an event."""

    pid: int
    ppid: int
    comm: str
    start_ticks: int
    kernel_thread: bool
    has_tty: bool
    uid: int | None
    exe: str | None = None
    exe_deleted: bool = False
    exe_readable: bool = False
    argv: list[str] = field(default_factory=list)
    environ_text: str | None = None  # raw /proc/PID/environ, parsed on first use

    @cached_property
    def environ(self) -> dict[str, str] | None:
        """The environment the process started with; None when this user may not read it."""
        if self.environ_text is None:
            return None
        return dict(item.partition("=")[::2] for item in self.environ_text.split("\0") if "=" in item)

    @property
    def user(self) -> str | None:
        return user_name(self.uid)

    @property
    def cmdline(self) -> str:
        return " ".join(self.argv)

    @property
    def in_session(self) -> bool:
        """Started from a terminal or a desktop session (as far as /proc shows)."""
        if self.has_tty:
            return True
        return bool(self.environ) and any(self.environ.get(name) for name in SESSION_VARIABLES)


def uptime(proc: str = "/proc") -> float:
    """Seconds since boot, the clock process start times are counted on."""
    return float((_read_text(f"{proc}/uptime") or "0").split()[0])


def read_stat(pid: int, proc: str = "/proc") -> tuple[str, list[str]] | None:
    """(comm, fields after comm) from /proc/PID/stat; comm may hold spaces and parentheses."""
    text = _read_text(f"{proc}/{pid}/stat")
    if not text:
        return None
    open_at, close_at = text.find("("), text.rfind(")")
    return text[open_at + 1 : close_at], text[close_at + 2 :].split()


def read_comm(pid: int, proc: str = "/proc") -> str | None:
    text = _read_text(f"{proc}/{pid}/comm")
    return text.rstrip("\n") if text is not None else None


def examine(pid: int, proc: str = "/proc") -> ProcessInfo | None:
    """Read one process fully; None when it is gone."""
    stat = read_stat(pid, proc)
    if stat is None:
        return None
    comm, fields = stat
    try:
        uid = os.stat(f"{proc}/{pid}").st_uid
    except OSError:
        return None
    info = ProcessInfo(
        pid=pid,
        ppid=int(fields[1]),
        comm=comm,
        start_ticks=int(fields[19]),
        kernel_thread=bool(int(fields[6]) & PF_KTHREAD),
        has_tty=int(fields[4]) != 0,
        uid=uid,
    )
    if info.kernel_thread:
        return info
    try:
        exe = os.readlink(f"{proc}/{pid}/exe")
        info.exe_readable = True
        if exe.endswith(DELETED_SUFFIX):
            exe, info.exe_deleted = exe[: -len(DELETED_SUFFIX)], True
        info.exe = exe
    except OSError:
        pass
    cmdline = _read_text(f"{proc}/{pid}/cmdline") or ""
    info.argv = [arg for arg in cmdline.split("\0") if arg]
    info.environ_text = _read_text(f"{proc}/{pid}/environ")
    return info


class ProcessTable:
    """Processes by pid, refreshed cheaply: new pids are examined, vanished pids dropped."""

    def __init__(self, proc: str = "/proc") -> None:
        self.proc = proc
        self.processes: dict[int, ProcessInfo] = {}
        self.own_pid = os.getpid()
        self.unreadable: set[int] = set()

    def pids(self) -> list[int]:
        return [int(name) for name in os.listdir(self.proc) if name.isdigit()]

    def refresh(self) -> list[ProcessInfo]:
        """Bring the table up to date; returns the processes seen for the first time."""
        current = set(self.pids())
        for gone in self.processes.keys() - current:
            del self.processes[gone]
        fresh = []
        for pid in current - self.processes.keys():
            info = examine(pid, self.proc)
            if info is not None:
                self.processes[pid] = info
                fresh.append(info)
        return fresh

    def recheck_young(self, max_age: float) -> list[ProcessInfo]:
        """Examine again the processes started within max_age seconds: they may have exec'd or renamed
        themselves since first seen. Returns those that changed."""
        changed = []
        horizon = (uptime(self.proc) - max_age) * CLOCK_TICKS
        for pid, old in list(self.processes.items()):
            if old.kernel_thread or old.start_ticks < horizon:
                continue
            if self._unchanged(old):
                continue
            new = examine(pid, self.proc)
            if new is not None:
                self.processes[pid] = new
                changed.append(new)
        return changed

    def _unchanged(self, info: ProcessInfo) -> bool:
        """Name, executable and command line as first seen (three cheap reads instead of a full examine)."""
        base = f"{self.proc}/{info.pid}"
        try:
            exe = os.readlink(f"{base}/exe")
        except OSError:
            exe = None
        if exe is not None and exe.endswith(DELETED_SUFFIX):
            exe = exe[: -len(DELETED_SUFFIX)]
        argv = [arg for arg in (_read_text(f"{base}/cmdline") or "").split("\0") if arg]
        return read_comm(info.pid, self.proc) == info.comm and exe == info.exe and argv == info.argv

    def get(self, pid: int | None) -> ProcessInfo | None:
        """The cached process, examined now if it is new since the last refresh."""
        if pid is None:
            return None
        info = self.processes.get(pid)
        if info is None:
            info = examine(pid, self.proc)
            if info is not None:
                self.processes[pid] = info
        return info

    def parents(self, info: ProcessInfo, limit: int = 16) -> list[dict]:
        """The parent chain up to pid 1: [{pid, name, exe}, ...], nearest first."""
        chain, pid = [], info.ppid
        while pid > 0 and len(chain) < limit:
            parent = self.get(pid)
            if parent is None:
                break
            chain.append({"pid": parent.pid, "name": parent.comm, "exe": parent.exe})
            pid = parent.ppid
        return chain

    def fd_links(self, pid: int):
        """(fd, target) for each open descriptor of pid that this user may read; pids whose descriptors
        may not be read are remembered in `unreadable`, so a caller can say its answer is partial."""
        base = f"{self.proc}/{pid}/fd"
        try:
            names = os.listdir(base)
        except PermissionError:
            self.unreadable.add(pid)
            return
        except OSError:
            return
        for name in names:
            try:
                yield int(name), os.readlink(f"{base}/{name}")
            except PermissionError:
                self.unreadable.add(pid)
            except OSError:
                continue

    def unknown_owner(self) -> str:
        """Why a socket's owner was not found, honestly."""
        hidden = sorted(pid for pid in self.unreadable if pid in self.processes)
        if not hidden:
            return "no process holds it"
        shown = ", ".join(map(str, hidden[:5])) + (" ..." if len(hidden) > 5 else "")
        return f"owner not found; the descriptors of {len(hidden)} process(es) could not be read (pid {shown})"

    def holders(self, targets: set[str]) -> dict[str, set[int]]:
        """Which pids hold each target path open, found through /proc/*/fd."""
        found: dict[str, set[int]] = {target: set() for target in targets}
        for pid in self.pids():
            if pid == self.own_pid:
                continue
            for _, link in self.fd_links(pid):
                if link in found:
                    found[link].add(pid)
        return found

    def socket_owners(self, inodes: set[int]) -> dict[int, tuple[int, int]]:
        """inode -> (pid, fd) for each socket inode wanted, stopping once all are found."""
        wanted = {f"socket:[{inode}]": inode for inode in inodes}
        owners: dict[int, tuple[int, int]] = {}
        for pid in self.pids():
            if len(owners) == len(wanted):
                break
            for fd, link in self.fd_links(pid):
                inode = wanted.get(link)
                if inode is not None and inode not in owners:
                    owners[inode] = (pid, fd)
        return owners


def real_path(path: str) -> str:
    """The path a /proc/PID/fd link would show for a file we were told about."""
    return str(Path(path).resolve())
