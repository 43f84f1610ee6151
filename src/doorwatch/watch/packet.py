"""Packet sockets (AF_PACKET) and the classic BPF filters on them: the BPFDoor pattern."""

from __future__ import annotations

import os
from dataclasses import dataclass

from doorwatch.model import Event, Evidence, Severity, now_utc
from doorwatch.watch.bpf import Filter, FilterUnreadable, read_filter
from doorwatch.watch.host import Host

SOCKET_TYPES = {1: "stream", 2: "dgram", 3: "raw", 5: "seqpacket", 10: "packet"}


@dataclass(frozen=True)
class PacketSocket:
    inode: int
    type: str
    protocol: int  # ethertype, host order
    ifindex: int
    uid: int


def read_packet_sockets(path: str = "/proc/net/packet") -> list[PacketSocket]:
    """The packet sockets of this network namespace, from the kernel's table."""
    try:
        with open(path, encoding="ascii") as handle:
            lines = handle.read().splitlines()[1:]
    except OSError:
        return []
    sockets = []
    for line in lines:
        # sk RefCnt Type Proto Iface R Rmem User Inode
        cols = line.split()
        if len(cols) >= 9:
            sockets.append(PacketSocket(int(cols[8]), SOCKET_TYPES.get(int(cols[2]), cols[2]),
                                        int(cols[3], 16), int(cols[4]), int(cols[7])))
    return sockets


def _interface(ifindex: int) -> str:
    if ifindex == 0:
        return "any"
    try:
        return next(name for index, name in os.if_nameindex() if index == ifindex)
    except StopIteration:
        return str(ifindex)


class PacketSocketDetector:
    """Reports each packet socket once, with its owner and, with root, the constants its filter compares."""

    def __init__(self, host: Host, table: str = "/proc/net/packet") -> None:
        self.host = host
        self.table = table
        self.reported: set[int] = set()

    def scan(self) -> list[Event]:
        sockets = [s for s in read_packet_sockets(self.table) if s.inode not in self.reported]
        if not sockets:
            return []
        owners = self.host.processes.socket_owners({s.inode for s in sockets})
        events = []
        for sock in sockets:
            self.reported.add(sock.inode)
            events.append(self._event(sock, owners.get(sock.inode)))
        return events

    def _event(self, sock: PacketSocket, owner: tuple[int, int] | None) -> Event:
        evidence = [Evidence(kind="packet-socket", value=f"socket:[{sock.inode}]",
                             detail=f"{sock.type}, protocol 0x{sock.protocol:04x}, interface {_interface(sock.ifindex)}")]
        if owner is None:
            evidence.append(Evidence(kind="owner", value="unknown",
                                     detail=self.host.processes.unknown_owner() if self.host.is_root else "owner visible to root only"))
            return Event(time=now_utc(), event="packet-socket-opened", severity=Severity.MEDIUM, evidence=evidence,
                         inode=sock.inode)
        pid, fd = owner
        info = self.host.processes.get(pid)
        bpf, filter_note = self._filter(pid, fd)
        evidence += self._filter_evidence(bpf, filter_note)
        severity = Severity.MEDIUM
        if info is not None:
            origin = self.host.origin(info)
            evidence += origin.evidence(info.exe)
            name = os.path.basename(info.exe or "") or info.comm
            unusual = bpf is not None and any(c.constant not in self.host.rules.common_bpf_constants for c in bpf.comparisons)
            if origin.untrusted:
                severity = Severity.CRITICAL if unusual else Severity.HIGH
            elif name in self.host.rules.packet_socket_owners:
                severity = Severity.LOW
        return self.host.process_event("packet-socket-opened", severity, info, evidence, inode=sock.inode, fd=fd)

    def _filter(self, pid: int, fd: int) -> tuple[Filter | None, str]:
        if not self.host.is_root:
            return None, "filter not readable without root"
        try:
            bpf = read_filter(pid, fd)
        except FilterUnreadable as err:
            return None, f"filter not readable: {err}"
        return bpf, "" if bpf else "no classic BPF filter attached"

    def _filter_evidence(self, bpf: Filter | None, note: str) -> list[Evidence]:
        if bpf is None:
            return [Evidence(kind="bpf-filter", value="none" if note.startswith("no ") else "unknown", detail=note)]
        common = self.host.rules.common_bpf_constants
        evidence = [Evidence(kind="bpf-filter", value=f"{len(bpf.instructions)} instructions",
                             detail="; ".join(bpf.disassembly()))]
        for comparison in bpf.comparisons:
            usual = "protocol field value" if comparison.constant in common else "unusual constant"
            evidence.append(Evidence(kind="constant", value=f"0x{comparison.constant:x}",
                                     detail=f"{comparison.op} at instruction {comparison.index}: {usual}"))
        return evidence
