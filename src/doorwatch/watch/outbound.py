"""Outbound TCP: connections on a regular beat (beaconing) and bytes sent to countries the policy does not allow."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field

import numpy as np

from doorwatch.model import Event, Evidence, Severity, now_utc
from doorwatch.net.beacon import bowley_skew, mad
from doorwatch.net.exfil import country_of
from doorwatch.watch.host import Host
from doorwatch.watch.inet import TCP_CLOSE, TCP_LISTEN, InetSocket, InetTable, ephemeral_ports

MIN_BEATS = 6  # connections needed before a beat can be told from chance
BEACON_SCORE = 0.8
NARROW_SPREAD = 0.2  # interquartile range, as a fraction of the median interval
FORGET_AFTER = 600.0  # seconds a closed connection is remembered for
FORGET_DESTINATION = 86400.0  # a destination quiet this long starts afresh (RITA scores over a day)


def beacon_score(starts: list[float]) -> float | None:
    """How regular the intervals between connection starts are, 0..1 (RITA's measures: Bowley skew and
    median absolute deviation of the intervals); None with too few connections to say."""
    if len(starts) < MIN_BEATS:
        return None
    intervals = np.diff(np.sort(np.asarray(starts, dtype=float)))
    q1, median, q3 = np.percentile(intervals, [25, 50, 75])
    if median <= 0:
        return 0.0
    # Skew of a spread this narrow is jitter (and scan granularity), not a shape worth scoring.
    skew = 0.0 if q3 - q1 <= NARROW_SPREAD * median else bowley_skew(intervals)
    return round(float(np.mean([1 - abs(skew), max(0.0, 1 - mad(intervals) / median)])), 3)


@dataclass
class Destination:
    starts: list[float] = field(default_factory=list)
    bytes_sent: int = 0
    beacon_reported: bool = False
    last_inode: int = 0
    last_seen: float = 0.0


class OutboundDetector:
    """Tracks outbound TCP connections between scans (connections shorter than a scan may be missed,
    unless they linger in TIME_WAIT, as connections closed by this side do for a minute)."""

    def __init__(self, host: Host, inet: InetTable, exfil_bytes: int) -> None:
        self.host = host
        self.inet = inet
        self.exfil_bytes = exfil_bytes
        self.ephemeral = ephemeral_ports()
        self.connections: dict[tuple, tuple[float, int]] = {}  # 4-tuple -> (last seen, bytes acked)
        self.destinations: dict[tuple[str, int], Destination] = {}
        self.countries: dict[str, str | None] = {}
        self.exfil_reported: set[str] = set()  # countries
        self.primed = False  # connections open when the watch starts have no known start time


    def country(self, ip: str) -> str | None:
        if ip not in self.countries:
            self.countries[ip] = country_of(ip)
        return self.countries[ip]

    def _outbound(self, sock: InetSocket) -> bool:
        try:
            remote = ipaddress.ip_address(sock.dst)
        except ValueError:
            return False
        if getattr(remote, "ipv4_mapped", None):
            remote = remote.ipv4_mapped
        return not (remote.is_loopback or remote.is_link_local or remote.is_unspecified) and sock.sport in self.ephemeral

    def scan(self) -> list[Event]:
        states = set(range(1, 12)) - {TCP_LISTEN, TCP_CLOSE}
        now = time.monotonic()
        for sock in self.inet.sockets("tcp", states, with_info=True):
            if self._outbound(sock):
                self.observe(sock, now, started_now=self.primed)
        self.primed = True
        self.connections = {k: v for k, v in self.connections.items() if now - v[0] < FORGET_AFTER}
        self.destinations = {k: d for k, d in self.destinations.items() if now - d.last_seen < FORGET_DESTINATION}
        return self.judge()

    def observe(self, sock: InetSocket, now: float, started_now: bool = True) -> None:
        """Count a new connection's start (when it began since the last scan) and the bytes acknowledged since."""
        key = (sock.src, sock.sport, sock.dst, sock.dport)
        dest = self.destinations.setdefault((sock.dst, sock.dport), Destination())
        dest.last_seen = now
        last = self.connections.get(key)
        if last is None and started_now:
            dest.starts.append(now)
            del dest.starts[:-64]
        sent = sock.bytes_sent if sock.bytes_sent is not None else (last[1] if last else 0)
        dest.bytes_sent += max(0, sent - (last[1] if last else 0))
        if sock.inode:
            dest.last_inode = sock.inode
        self.connections[key] = (now, sent)

    def judge(self) -> list[Event]:
        events = []
        for (dst, dport), dest in self.destinations.items():
            if not dest.beacon_reported:
                score = beacon_score(dest.starts)
                if score is not None and score >= BEACON_SCORE:
                    dest.beacon_reported = True
                    events.append(self._beacon(dst, dport, dest, score))
        return events + self._exfiltration()

    def _exfiltration(self) -> list[Event]:
        """One event per country outside the policy once the bytes sent there, over all its addresses, pass the threshold."""
        allowed = self.host.rules.allowed_countries
        if not allowed:
            return []
        by_country: dict[str, list[tuple[tuple[str, int], Destination]]] = {}
        for key, dest in self.destinations.items():
            country = self.country(key[0])
            if country and country not in allowed and country not in self.exfil_reported:
                by_country.setdefault(country, []).append((key, dest))
        events = []
        for country, dests in by_country.items():
            total = sum(dest.bytes_sent for _, dest in dests)
            if total < self.exfil_bytes:
                continue
            self.exfil_reported.add(country)
            dests.sort(key=lambda item: -item[1].bytes_sent)
            (dst, dport), top = dests[0]
            evidence = [Evidence(kind="bytes-sent", value=str(total), detail=f"to {country}, not an allowed country")]
            evidence += [Evidence(kind="destination", value=f"{ip}:{port}", detail=f"{dest.bytes_sent} bytes")
                         for (ip, port), dest in dests[:5]]
            events.append(self._event("exfiltration", Severity.HIGH, dst, dport, top, evidence,
                                      country=country, bytes_sent=total))
        return events

    def _beacon(self, dst: str, dport: int, dest: Destination, score: float) -> Event:
        intervals = np.diff(dest.starts)
        evidence = [Evidence(kind="interval", value=f"{float(np.median(intervals)):.1f}s",
                             detail=f"{len(dest.starts)} connections, regularity score {score}")]
        return self._event("beaconing", Severity.MEDIUM, dst, dport, dest, evidence, score=score,
                           country=self.country(dst), connections=len(dest.starts))

    def _event(self, name: str, severity: Severity, dst: str, dport: int, dest: Destination,
               evidence: list[Evidence], **extra) -> Event:
        owner = self.host.processes.socket_owners({dest.last_inode}).get(dest.last_inode) if dest.last_inode else None
        info = self.host.processes.get(owner[0]) if owner else None
        if info is None:
            return Event(time=now_utc(), event=name, severity=severity, evidence=evidence, dst=dst, dport=dport,
                         proto="tcp", **extra)
        return self.host.process_event(name, severity, info, evidence, dst=dst, dport=dport, proto="tcp", **extra)
