"""What every capture detector shares: the per-batch observation, options, data files and event making.

A detector sees each batch once (`observe`), may keep state bounded by flows or by the few packets
it selects, and turns what it kept into events at the end (`finish`), when the flow table is complete.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from doorwatch.model import Event, Evidence, Severity
from doorwatch.net.decode import Packets, address
from doorwatch.net.flows import FlowTable

PROTO_NAMES = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}


@cache
def load_data(name: str) -> Any:
    """A YAML file of `doorwatch/net/data/`."""
    text = resources.files("doorwatch.net").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml when available: ~10x faster


def thresholds(section: str) -> dict[str, Any]:
    return load_data("thresholds.yaml")[section]


@dataclass
class Options:
    """What the user chose: allowed destination countries and the exfiltration volume threshold."""

    allow_countries: frozenset[str] = frozenset()
    exfil_bytes: int = field(default_factory=lambda: int(thresholds("exfiltration")["default_bytes"]))


@dataclass
class Observation:
    """One decoded batch (already folded into the flow table)."""

    packets: Packets
    flows: FlowTable


class Detector:
    """Base of the capture detectors; every step does nothing unless overridden."""

    def observe(self, obs: Observation) -> None:
        """Look at one batch."""

    def settle(self) -> None:
        """Put the state in its compact form once a part of the capture is done (in the worker that read it)."""

    def merge(self, other: "Detector") -> None:
        """Fold in the state of the same detector run over a later part of the capture."""

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        """The events found, once every batch has been seen."""
        return []


LAST_SECOND = 253402300799.0  # 9999-12-31T23:59:59Z: corrupt packet times are clamped, not fatal


def event_time(ts: float) -> datetime:
    return datetime.fromtimestamp(min(max(float(ts), 0.0), LAST_SECOND), timezone.utc)


def make_event(ts: float, name: str, severity: Severity, evidence: list[Evidence], *, src: str | None = None,
               dst: str | None = None, sport: int | None = None, dport: int | None = None, proto: int | str | None = None) -> Event:
    """An Event in the contract's shape; `proto` may be an IP protocol number."""
    if isinstance(proto, (int, np.integer)):
        proto = PROTO_NAMES.get(int(proto), str(int(proto)))
    return Event(time=event_time(ts), event=name, severity=severity, evidence=evidence, src=src, dst=dst,
                 sport=None if sport is None else int(sport), dport=None if dport is None else int(dport), proto=proto)


def packet_actor(p: Packets, i: int) -> dict[str, Any]:
    """src, dst, sport, dport and proto of packet i, for make_event."""
    ported = int(p.proto[i]) in (6, 17)
    return {"src": address(p.src_hi[i], p.src_lo[i]), "dst": address(p.dst_hi[i], p.dst_lo[i]),
            "sport": int(p.sport[i]) if ported else None, "dport": int(p.dport[i]) if ported else None,
            "proto": int(p.proto[i])}


def printable(data: bytes) -> str:
    """Payload bytes as text where printable, \\xNN elsewhere."""
    return "".join(chr(b) if 32 <= b < 127 else f"\\x{b:02x}" for b in data)


def is_public(addr: str) -> bool:
    """True for globally routed unicast addresses (those that can have a country)."""
    ip = ipaddress.ip_address(addr)
    return ip.is_global and not ip.is_multicast
