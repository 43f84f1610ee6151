"""Magic packets: documented backdoor triggers (data/magic_packets.yaml) and generic ones.

Documented rules are checked on whole batches with numpy (protocol, port, first payload bytes,
TCP numbers); only the few packets that pass are read in Python.  The generic detection works on
the finished flow table: a rare payload opening sent to a quiet port, after which the target
connects back to the sender or opens a new service to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doorwatch.model import Event, Evidence, Severity
from doorwatch.net.decode import ICMP, ICMP6, TCP, UDP, address, payload_bytes
from doorwatch.net.detector import Detector, Observation, Options, load_data, make_event, packet_actor, printable, thresholds
from doorwatch.net.flows import FlowTable, flow_keys, mix_keys, prefix_bytes
from doorwatch.net.protocols import catalogue

PROTOCOLS = {"tcp": (TCP,), "udp": (UDP,), "icmp": (ICMP, ICMP6), "any": (TCP, UDP, ICMP, ICMP6)}
PREVIEW = 48


@dataclass(frozen=True)
class MagicRule:
    id: str
    name: str
    reference: str
    protocols: tuple[int, ...]
    ports: tuple[int, ...] | None
    prefixes: tuple[bytes, ...]
    contains: bytes | None
    payload_min: int
    payload_max: int | None
    tcp_syn: bool
    seq_ack_difference: int | None
    lone: bool

    @classmethod
    def from_spec(cls, spec: dict) -> "MagicRule":
        prefixes = [bytes.fromhex(v) for v in _as_list(spec.get("prefix_hex"))]
        prefixes += [v.encode("latin-1") for v in _as_list(spec.get("prefix"))]
        contains = spec.get("contains")
        return cls(
            id=spec["id"], name=spec["name"], reference=spec.get("reference", ""),
            protocols=PROTOCOLS[spec.get("proto", "any")],
            ports=tuple(spec["ports"]) if "ports" in spec else None,
            prefixes=tuple(prefixes), contains=contains.encode("latin-1") if contains else None,
            payload_min=int(spec.get("payload_min", max((len(p) for p in prefixes), default=0))),
            payload_max=spec.get("payload_max"), tcp_syn=bool(spec.get("tcp_syn")),
            seq_ack_difference=spec.get("seq_ack_difference"), lone=bool(spec.get("lone")),
        )

    def fits(self, proto: int, dport: int, paylen: int, flags: int) -> bool:
        """Whether a packet's headers fit the rule (the payload is checked by payload_fits)."""
        return (proto in self.protocols and (self.ports is None or dport in self.ports) and paylen >= self.payload_min
                and (self.payload_max is None or paylen <= self.payload_max) and (not self.tcp_syn or flags & 0x12 == 0x02))

    def payload_fits(self, payload: bytes) -> bool:
        return (not self.prefixes or payload.startswith(self.prefixes)) and (self.contains is None or self.contains in payload)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def documented_rules() -> list[MagicRule]:
    return [MagicRule.from_spec(spec) for spec in load_data("magic_packets.yaml")["rules"]]


@dataclass
class _Hit:
    rule: MagicRule
    ts: float
    actor: dict
    flow_key: int
    preview: bytes
    count: int = 1


class DocumentedMagic(Detector):
    """Packets matching a documented backdoor trigger: `magic-packet`, critical."""

    def __init__(self) -> None:
        self.rules = documented_rules()
        self.lone_packets = int(load_data("magic_packets.yaml")["lone_packets"])
        self.hits: dict[tuple, _Hit] = {}
        # one pass selects candidates for all rules: by first two payload bytes, by port, or SYN numbers
        self.openings = np.zeros(1 << 16, bool)
        self.ports = np.zeros(1 << 16, bool)
        for rule in self.rules:
            if rule.contains is not None and rule.ports is None and not rule.prefixes:
                raise ValueError(f"magic rule {rule.id}: 'contains' needs ports or a prefix to narrow the search")
            for prefix in rule.prefixes:
                first = int.from_bytes(prefix[:2].ljust(2, b"\0"), "big")
                self.openings[first if len(prefix) >= 2 else slice(first, first + 256)] = True
            if not rule.prefixes and rule.ports is not None:
                self.ports[list(rule.ports)] = True
        self.seq_ack_differences = [r.seq_ack_difference for r in self.rules if r.seq_ack_difference is not None]

    def observe(self, obs: Observation) -> None:
        p = obs.packets
        candidates = (p.paylen > 0) & (self.openings[p.opening >> 16] | self.ports[p.dport])
        if self.seq_ack_differences:
            candidates |= self._seq_ack_candidates(p)
        index = np.flatnonzero(candidates)
        columns = (index.tolist(), p.proto[index].tolist(), p.dport[index].tolist(), p.paylen[index].tolist(),
                   p.flags[index].tolist())
        for i, proto, dport, paylen, flags in zip(*columns):
            for rule in self.rules:
                if rule.fits(proto, dport, paylen, flags):
                    self._check(obs, rule, i)

    def _seq_ack_candidates(self, p) -> np.ndarray:
        """SYN packets whose sequence and acknowledgement numbers differ by a documented value."""
        syn = np.flatnonzero((p.flags & 0x12) == 0x02)
        view = p.batch.buffer.be32
        difference = (view[p.l4[syn] + 4].astype(np.int64) - view[p.l4[syn] + 8]) % (1 << 32)
        hit = np.isin(difference, self.seq_ack_differences) | np.isin((1 << 32) - difference, self.seq_ack_differences)
        mask = np.zeros(len(p), bool)
        mask[syn[hit]] = True
        return mask

    def _check(self, obs: Observation, rule: MagicRule, i: int) -> None:
        p = obs.packets
        payload = payload_bytes(p, i)
        if not rule.payload_fits(payload):
            return
        if rule.seq_ack_difference is not None and not self._seq_ack_fits(p, i, rule.seq_ack_difference):
            return
        actor = packet_actor(p, i)
        flow_key = int(flow_keys(p, np.array([i]))[0][0])
        # a lone-packet rule is judged per flow: a chance match in a busy flow must not hide a real trigger
        key = (rule.id, actor["src"], actor["dst"], actor["dport"], actor["proto"], flow_key if rule.lone else 0)
        if key in self.hits:
            self.hits[key].count += 1
        else:
            self.hits[key] = _Hit(rule, float(p.batch.ts[i]), actor, flow_key, payload[:PREVIEW])

    @staticmethod
    def _seq_ack_fits(p, i: int, difference: int) -> bool:
        seq, ack = (int(p.batch.buffer.be32[p.l4[i] + k]) for k in (4, 8))
        return difference in ((ack - seq) % 2**32, (seq - ack) % 2**32)

    def merge(self, other: "DocumentedMagic") -> None:
        for key, hit in other.hits.items():
            if key in self.hits:
                self.hits[key].count += hit.count
            else:
                self.hits[key] = hit

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        events = []
        total = flows["packets_ab"] + flows["packets_ba"]
        for hit in self.hits.values():
            row = flows.row_of(hit.flow_key)
            if hit.rule.lone and (row < 0 or total[row] > self.lone_packets):
                continue
            evidence = [Evidence(kind="rule", value=hit.rule.id, detail=hit.rule.name),
                        Evidence(kind="payload", value=printable(hit.preview), detail=f"{hit.count} packet(s)")]
            if hit.rule.reference:
                evidence.append(Evidence(kind="reference", value=hit.rule.reference))
            events.append(make_event(hit.ts, "magic-packet", Severity.CRITICAL, evidence, **hit.actor))
        return events


class GenericMagic(Detector):
    """A rare payload opening sent to a quiet port, then a reaction from the target: `magic-packet`, high.

    Rare: the opening (first 8 bytes) starts at most `max_prefix_flows` flows of the capture.  Quiet: the
    target port received at most `max_service_flows` flows and is no well-known service.  Ordinary
    protocols (data/protocols.yaml) never count.  Reaction: within `reaction_window` seconds the target
    opens its first connection to the sender, or a port of the target that had never accepted a
    connection from the sender accepts one; or the knocked port answers this opening while it left
    the other flows sent to it unanswered (a port that speaks only to the magic value).
    """

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        if not flows.size:
            return []
        limits = thresholds("generic_magic")
        window = float(limits["reaction_window"])
        known = catalogue()
        well_known = np.zeros(1 << 16, bool)
        well_known[list(known.well_known_ports)] = True
        v = _FlowView(flows)

        candidates = (v.length >= limits["min_payload"]) & ((v.proto == TCP) | (v.proto == UDP))
        candidates &= ~well_known[v.resp_port] & ~well_known[v.orig_port]
        candidates &= (v.orig_hi != v.resp_hi) | (v.orig_lo != v.resp_lo)  # a host does not knock on itself
        candidates &= _counts(mix_keys(v.head, np.minimum(v.length, 8)), candidates) <= limits["max_prefix_flows"]
        service = mix_keys(v.resp_hi, v.resp_lo, v.resp_port, v.proto)
        candidates &= _counts(service, np.ones(flows.size, bool)) <= limits["max_service_flows"]
        rows = np.flatnonzero(candidates)

        pairs, services = _KeyIndex(v.pair, v.first_ts), _KeyIndex(service, v.first_ts)
        back = pairs.first_after(v.back[rows], v.sent_at[rows], window)
        several = pairs.size(v.pair[rows]) >= 2  # the sender has other flows to the target: maybe a new service
        selective = v.answered[rows] & (services.size(service[rows]) >= 2)  # maybe the port answered only this
        events, reported = [], set()
        for row, back_row, maybe_new_service, maybe_selective in zip(rows.tolist(), back.tolist(), several.tolist(),
                                                                      selective.tolist()):
            if back_row < 0 and not maybe_new_service and not maybe_selective:
                continue
            opening = prefix_bytes(v.head[row], v.tail[row], v.length[row])
            if known.identify(opening) or self._documented(opening, int(v.proto[row]), int(v.resp_port[row])):
                continue
            reaction = self._connect_back(v, row, back_row) if back_row >= 0 else None
            reaction = reaction or self._new_service(v, pairs, row, window, well_known)
            reaction = reaction or self._answered_only_this(v, services.rows(service[row]), row)
            if reaction is None:
                continue
            src, dst = address(v.orig_hi[row], v.orig_lo[row]), address(v.resp_hi[row], v.resp_lo[row])
            if (src, dst, opening) in reported:
                continue
            reported.add((src, dst, opening))
            evidence = [Evidence(kind="rule", value="generic-magic-prefix",
                                 detail="rare payload opening to a quiet port, followed by a reaction of the target"),
                        Evidence(kind="payload", value=printable(opening), detail=f"{int(v.length[row])} bytes; hex {opening.hex()}"),
                        Evidence(kind="reaction", value=reaction)]
            events.append(make_event(v.sent_at[row], "magic-packet", Severity.HIGH, evidence, src=src, dst=dst,
                                     sport=int(v.orig_port[row]), dport=int(v.resp_port[row]), proto=int(v.proto[row])))
        return events

    @staticmethod
    def _documented(opening: bytes, proto: int, port: int) -> bool:
        """Openings a documented rule already reports (as a critical magic-packet)."""
        return any(rule.prefixes and rule.fits(proto, port, len(opening), 0) and opening.startswith(rule.prefixes)
                   for rule in documented_rules())

    @staticmethod
    def _connect_back(v: "_FlowView", row: int, back_row: int) -> str:
        delay = v.first_ts[back_row] - v.sent_at[row]
        return (f"target connected back to the sender's port {int(v.resp_port[back_row])}/"
                f"{'tcp' if v.proto[back_row] == TCP else 'udp'} {delay:.1f} s later")

    @staticmethod
    def _new_service(v: "_FlowView", pairs: "_KeyIndex", row: int, window: float, well_known: np.ndarray) -> str | None:
        t = v.sent_at[row]
        rows = pairs.rows(v.pair[row])
        later = rows[(v.first_ts[rows] > t) & (v.first_ts[rows] <= t + window) & v.answered[rows]
                     & (v.resp_port[rows] != v.resp_port[row]) & ~well_known[v.resp_port[rows]]]
        for other in later[np.argsort(v.first_ts[later])]:
            before = rows[(v.resp_port[rows] == v.resp_port[other]) & (v.first_ts[rows] < t) & v.answered[rows]]
            if not len(before):
                return (f"target accepted a connection on a new port {int(v.resp_port[other])} from the sender "
                        f"{v.first_ts[other] - t:.1f} s later")
        return None


    @staticmethod
    def _answered_only_this(v: "_FlowView", same_service: np.ndarray, row: int) -> str | None:
        if not v.answered[row]:
            return None
        others = same_service[same_service != row]
        if not len(others) or v.answered[others].any():
            return None
        return f"the port answered this opening but none of the {len(others)} other flow(s) sent to it"


class _FlowView:
    """The flow table's columns seen from originator and responder."""

    def __init__(self, flows: FlowTable):
        self.orig_hi, self.orig_lo = flows.role("orig_hi"), flows.role("orig_lo")
        self.resp_hi, self.resp_lo = flows.role("resp_hi"), flows.role("resp_lo")
        self.orig_port, self.resp_port = flows.role("orig_port"), flows.role("resp_port")
        self.proto = flows["proto"].astype(np.int64)
        self.length, self.head, self.tail = flows.role("orig_payload_len"), flows.role("orig_head"), flows.role("orig_tail")
        self.sent_at, self.first_ts = flows.role("orig_payload_ts"), flows["first_ts"]
        self.answered = flows["accepted"] | ((self.proto == UDP) & (flows.role("resp_packets") > 0))
        self.pair = mix_keys(self.orig_hi, self.orig_lo, self.resp_hi, self.resp_lo)
        self.back = mix_keys(self.resp_hi, self.resp_lo, self.orig_hi, self.orig_lo)


class _KeyIndex:
    """Flows sorted by a key (e.g. originator and responder) and start time, for range look-ups."""

    def __init__(self, keys: np.ndarray, first_ts: np.ndarray):
        self.order = np.lexsort((first_ts, keys))
        self.pair, self.first_ts = keys[self.order], first_ts[self.order]

    def size(self, keys: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.pair, keys, side="right") - np.searchsorted(self.pair, keys)

    def rows(self, key) -> np.ndarray:
        return self.order[np.searchsorted(self.pair, key):np.searchsorted(self.pair, key, side="right")]

    def first_after(self, keys: np.ndarray, times: np.ndarray, window: float) -> np.ndarray:
        """Row of the first flow of each key if it started in (time, time + window], else -1.

        An earlier flow of the same key means the hosts already talked that way: no reaction."""
        at = np.searchsorted(self.pair, keys)
        inside = at < len(self.pair)
        at = np.minimum(at, len(self.pair) - 1)
        first = self.first_ts[at]
        hit = inside & (self.pair[at] == keys) & (first > times) & (first <= times + window)
        return np.where(hit, self.order[at], -1)


def _counts(keys: np.ndarray, among: np.ndarray) -> np.ndarray:
    """For each row, how many rows selected by `among` share its key."""
    values, counts = np.unique(keys[among], return_counts=True)
    if not len(values):
        return np.zeros(len(keys), np.int64)
    pos = np.minimum(np.searchsorted(values, keys), len(values) - 1)
    return np.where(values[pos] == keys, counts[pos], 0)
