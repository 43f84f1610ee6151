"""DNS tunnels: many unique, long, high-entropy names under one registered domain, or TXT/NULL volume.

Only UDP queries to port 53 are read in Python (a small share of traffic); the rest of the work is
per registered domain, so memory grows with domains and distinct names (capped), not packets.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from doorwatch.model import Event, Evidence, Severity
from doorwatch.net.decode import UDP, address
from doorwatch.net.detector import Detector, Observation, Options, make_event, packet_actor, thresholds
from doorwatch.net.flows import FlowTable

TXT, NULL = 16, 10
MAX_NAMES = 20000  # distinct names kept per domain: enough to judge, bounded whatever the capture
# Second-level labels under which ccTLDs register names (co.uk, com.au...).  Written by hand: the
# public suffix list has no maintained library among the dependencies, and grouping names per
# registrant only needs this approximation.
SECOND_LEVELS = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "ne", "or", "go", "gob", "nic", "mil"})


def parse_query(message: bytes) -> tuple[str, int] | None:
    """(query name, query type) of a DNS query message, or None if it is not a plain query."""
    if len(message) < 17 or message[2] & 0x80 or message[4:6] == b"\x00\x00":
        return None
    labels, pos = [], 12
    while pos < len(message):
        size = message[pos]
        if size == 0:
            if pos + 3 >= len(message):
                return None
            return ".".join(labels).lower(), (message[pos + 1] << 8) | message[pos + 2]
        if size > 63 or pos + 1 + size > len(message):
            return None  # compression pointers do not occur in a query's first name
        labels.append(message[pos + 1:pos + 1 + size].decode("latin-1"))
        pos += 1 + size
    return None


def registered_domain(name: str) -> tuple[str, str]:
    """(registered domain, the subdomain part before it)."""
    labels = name.split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVELS else 2
    return ".".join(labels[-keep:]), ".".join(labels[:-keep])


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(text)
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in counts.values()) if total else 0.0


@dataclass
class _Domain:
    first_ts: float
    actor: dict
    queries: int = 0
    txt_null: int = 0
    names: set[str] = field(default_factory=set)
    clients: Counter = field(default_factory=Counter)


class DnsTunnel(Detector):
    """`dns-tunnel`, high: per registered domain, from its queries.

    Each batch only counts (question, client) pairs with Counter (C speed); questions are parsed and
    folded into per-domain figures once per distinct question, when the counts grow large or at the end.
    """

    FOLD_AT = 200_000  # distinct (question, client) pairs kept before folding them into domains

    def __init__(self) -> None:
        self.domains: dict[str, _Domain] = {}
        self.asked: Counter = Counter()  # (question without id, client hi, client lo) -> queries
        self.first_seen: dict[bytes, tuple[float, dict]] = {}  # question -> (time, actor) of its first query

    def observe(self, obs: Observation) -> None:
        p = obs.packets
        queries = np.flatnonzero((p.proto == UDP) & (p.dport == 53) & (p.paylen >= 17))
        if not len(queries):
            return
        view = p.batch.buffer.view
        messages = [bytes(view[start + 2:start + length])  # without the query id: the same question recurs
                    for start, length in zip(p.payload[queries].tolist(), p.paylen[queries].tolist())]
        self.asked.update(zip(messages, p.src_hi[queries].tolist(), p.src_lo[queries].tolist()))
        earliest = dict(zip(reversed(messages), range(len(messages) - 1, -1, -1)))  # message -> its first position
        for message in earliest.keys() - self.first_seen.keys():
            first = int(queries[earliest[message]])
            self.first_seen[message] = (float(p.batch.ts[first]), packet_actor(p, first))
        if len(self.asked) > self.FOLD_AT:
            self._fold()

    def _fold(self) -> None:
        """Move the counted questions into the per-domain figures."""
        domain_of: dict[bytes, tuple[_Domain, bool] | None] = {}  # message -> (its domain, TXT/NULL query)
        for (message, src_hi, src_lo), count in self.asked.items():
            if message not in domain_of:
                domain_of[message] = self._file(message)
            target = domain_of[message]
            if target is None:
                continue
            entry, txt_null = target
            entry.queries += count
            if txt_null:
                entry.txt_null += count
            entry.clients[src_hi, src_lo] += count
        self.asked.clear()
        self.first_seen.clear()

    def _file(self, message: bytes) -> tuple[_Domain, bool] | None:
        """File a newly folded question under its domain: (the domain, whether it asks for TXT/NULL)."""
        question = self._question(message)
        if question is None:
            return None
        domain, sub, qtype = question
        entry = self.domains.get(domain)
        if entry is None:
            entry = self.domains[domain] = _Domain(*self.first_seen[message])
        elif self.first_seen[message][0] < entry.first_ts:
            entry.first_ts, entry.actor = self.first_seen[message]
        if sub and len(entry.names) < MAX_NAMES:
            entry.names.add(sub)
        return entry, qtype in (TXT, NULL)

    @staticmethod
    def _question(message: bytes) -> tuple[str, str, int] | None:
        query = parse_query(b"\0\0" + message)
        if query is None:
            return None
        return (*registered_domain(query[0]), query[1])

    def settle(self) -> None:
        self._fold()

    def merge(self, other: "DnsTunnel") -> None:
        self._fold()
        other._fold()
        for domain, theirs in other.domains.items():
            entry = self.domains.setdefault(domain, theirs)
            if entry is theirs:
                continue
            entry.queries += theirs.queries
            entry.txt_null += theirs.txt_null
            entry.names.update(list(theirs.names)[:max(0, MAX_NAMES - len(entry.names))])
            entry.clients.update(theirs.clients)

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        self._fold()
        limits = thresholds("dns_tunnel")
        events = []
        for domain, entry in self.domains.items():
            reasons = self._reasons(entry, limits)
            if not reasons:
                continue
            evidence = [Evidence(kind="domain", value=domain, detail=f"{entry.queries} queries")]
            evidence += [Evidence(kind=kind, value=value) for kind, value in reasons]
            evidence.append(Evidence(kind="example", value=f"{max(sorted(entry.names), key=len)}.{domain}"))
            actor = dict(entry.actor, src=address(*entry.clients.most_common(1)[0][0]))
            events.append(make_event(entry.first_ts, "dns-tunnel", Severity.HIGH, evidence, **actor))
        return events

    @staticmethod
    def _reasons(entry: _Domain, limits: dict) -> list[tuple[str, str]]:
        reasons = []
        unique = len(entry.names)
        if unique >= limits["min_unique_subdomains"]:
            longest = [max(name.split("."), key=len) for name in entry.names]
            mean_length = sum(map(len, longest)) / unique
            mean_entropy = sum(entropy(name.replace(".", "")) for name in entry.names) / unique
            if mean_length >= limits["min_label_length"] and mean_entropy >= limits["min_entropy"]:
                reasons.append(("unique-subdomains", f"{unique} unique names, longest label {mean_length:.0f} "
                                                     f"characters on average, entropy {mean_entropy:.2f} bits/character"))
        if entry.txt_null >= limits["min_txt_null_queries"] and unique >= limits["min_txt_null_unique"]:
            reasons.append(("txt-null-volume", f"{entry.txt_null} TXT/NULL queries over {unique} names"))
        return reasons
