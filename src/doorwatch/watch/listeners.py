"""Listening sockets whose owner is not what a machine should be listening with."""

from __future__ import annotations

from doorwatch.model import Event, Evidence, Severity, now_utc
from doorwatch.watch.host import Host
from doorwatch.watch.inet import TCP_CLOSE, TCP_LISTEN, InetSocket, InetTable, ephemeral_ports


class ListenerDetector:
    """`hidden-listener`: the owner runs from a deleted or temporary file, is not packaged, or is not allowed."""

    def __init__(self, host: Host, inet: InetTable) -> None:
        self.host = host
        self.inet = inet
        self.ephemeral = ephemeral_ports()
        self.reported: set[int] = set()

    def listening(self) -> list[InetSocket]:
        """TCP sockets in LISTEN and bound UDP sockets outside the ephemeral port range."""
        udp = [s for s in self.inet.sockets("udp", {TCP_CLOSE}) if s.dport == 0 and s.sport not in self.ephemeral]
        return self.inet.sockets("tcp", {TCP_LISTEN}) + udp

    def scan(self) -> list[Event]:
        fresh = [s for s in self.listening() if s.inode and s.inode not in self.reported]
        if not fresh:
            return []
        owners = self.host.processes.socket_owners({s.inode for s in fresh})
        events = []
        for sock in fresh:
            self.reported.add(sock.inode)
            event = self._judge(sock, owners.get(sock.inode))
            if event is not None:
                events.append(event)
        return events

    def _judge(self, sock: InetSocket, owner: tuple[int, int] | None) -> Event | None:
        where = Evidence(kind="listener", value=f"{sock.proto} {sock.src}:{sock.sport}", detail=f"socket:[{sock.inode}]")
        extra = {"proto": sock.proto, "sport": sock.sport, "src": sock.src}
        if owner is None:
            if not self.host.is_root:
                return None  # another user's socket: nothing can be said about it without root
            where.detail += f", {self.host.processes.unknown_owner()}"
            return Event(time=now_utc(), event="hidden-listener", severity=Severity.MEDIUM, evidence=[where], **extra)
        info = self.host.processes.get(owner[0])
        if info is None:
            return None
        origin = self.host.origin(info)
        allowed = self.host.rules.listener_allowed(info.exe, info.comm, sock.sport)
        if origin.suspicious:
            severity = Severity.CRITICAL
        elif origin.untrusted:
            severity = Severity.HIGH
        elif not allowed:
            severity = Severity.LOW
        else:
            return None
        evidence = [where] + origin.evidence(info.exe)
        if not allowed:
            evidence.append(Evidence(kind="allow-list", value=info.comm, detail="not in the listener allow-list"))
        return self.host.process_event("hidden-listener", severity, info, evidence, **extra)
