"""Wake-on-LAN magic packets: six 0xFF bytes then the target MAC address sixteen times.

They travel in UDP (usually to port 7 or 9, any port possible) or in Ethernet frames of EtherType
0x0842.  Candidates are chosen with numpy: UDP payloads that open with 0xFFFFFFFF or go to port 7
or 9, and frames that carry no IP; only those are searched for the pattern.
"""

from __future__ import annotations

import re

import numpy as np

from doorwatch.model import Event, Evidence, Severity
from doorwatch.net.decode import UDP
from doorwatch.net.detector import PROTO_NAMES, Detector, Observation, Options, make_event, packet_actor
from doorwatch.net.flows import FlowTable

# the MAC may not start with 0xFF (no NIC address does), so a longer run of 0xFF is not a sync stream
WOL_PATTERN = re.compile(rb"\xff{6}((?!\xff)[\x00-\xff]{6})\1{15}")
WOL_ETHERTYPE = 0x0842
WOL_PORTS = (7, 9)
PATTERN_LENGTH = 102


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


class WakeOnLan(Detector):
    """`wake-on-lan-packet`, medium: one event per sender, receiver and target MAC."""

    def __init__(self) -> None:
        self.found: dict[tuple, list] = {}

    def observe(self, obs: Observation) -> None:
        p = obs.packets
        batch = p.batch
        udp = (p.proto == UDP) & (p.paylen >= PATTERN_LENGTH)
        candidates = udp & ((p.opening == 0xFFFFFFFF) | (p.dport == WOL_PORTS[0]) | (p.dport == WOL_PORTS[1]))
        candidates |= ~p.ip & (batch.caplen >= PATTERN_LENGTH)
        for i in np.flatnonzero(candidates):
            start, end = (int(p.payload[i]), int(p.payload[i] + p.paylen[i])) if p.ip[i] else \
                (int(batch.start[i]), int(batch.start[i] + batch.caplen[i]))
            match = WOL_PATTERN.search(batch.raw, start, end)
            if match is not None:
                self._record(p, int(i), _mac(match.group(1)))

    def _record(self, p, i: int, target: str) -> None:
        batch = p.batch
        if p.ip[i]:
            actor = packet_actor(p, i)
            carrier = f"{PROTO_NAMES.get(actor['proto'], actor['proto'])} payload"
        else:
            actor = self._ethernet_actor(batch, i)
            carrier = "Ethernet frame"
        key = (actor.get("src"), actor.get("dst"), target)
        if key in self.found:
            self.found[key][1] += 1
        else:
            self.found[key] = [float(batch.ts[i]), 1, actor, carrier]

    @staticmethod
    def _ethernet_actor(batch, i: int) -> dict:
        """MAC addresses and EtherType of a non-IP frame (Ethernet link type only)."""
        if batch.link[i] != 1:
            return {"proto": "wol"}
        s = int(batch.start[i])
        ethertype = int(batch.buffer.be16[s + 12])
        return {"src": _mac(batch.raw[s + 6:s + 12]), "dst": _mac(batch.raw[s:s + 6]),
                "proto": "wol-ethertype" if ethertype == WOL_ETHERTYPE else f"ethertype-0x{ethertype:04x}"}

    def merge(self, other: "WakeOnLan") -> None:
        for key, (ts, count, actor, carrier) in other.found.items():
            if key in self.found:
                self.found[key][1] += count
            else:
                self.found[key] = [ts, count, actor, carrier]

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        events = []
        for (_, _, target), (ts, count, actor, carrier) in self.found.items():
            evidence = [Evidence(kind="target-mac", value=target, detail=f"{count} packet(s) in {carrier}")]
            events.append(make_event(ts, "wake-on-lan-packet", Severity.MEDIUM, evidence, **actor))
        return events
