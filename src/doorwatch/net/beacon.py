"""Beaconing, scored in the manner of RITA from the regularity of connections between two hosts.

Connections (flows) are grouped by originator, responder, responder port and protocol.  Per group:
  - intervals between connection starts: Bowley skew, and median absolute deviation relative to the
    period (RITA uses absolute seconds; relative jitter treats a 60 s and a 1 h beacon alike);
  - sizes (bytes the originator sent per connection): Bowley skew, median absolute deviation, smallness;
  - connection count against the count the period predicts over the group's span;
  - coverage: share of equal bins across the capture (RITA: hours of a day) holding a connection.
The score is the mean of the interval, size, count and coverage scores (0..1).
"""

from __future__ import annotations

import ipaddress

import numpy as np

from doorwatch.model import Event, Evidence, Severity
from doorwatch.net.decode import address
from doorwatch.net.detector import Detector, Options, make_event, thresholds
from doorwatch.net.flows import FlowTable, mix_keys


def is_unicast(addr: str) -> bool:
    """Beacons go to one host: multicast and broadcast announcements are periodic by design."""
    ip = ipaddress.ip_address(addr)
    return not (ip.is_multicast or ip.is_unspecified or addr.endswith(".255"))


def bowley_skew(values: np.ndarray) -> float:
    """Bowley's quartile skew, 0 when the quartiles coincide (a perfectly regular series)."""
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    if q3 == q1 or q2 == q1 or q2 == q3:
        return 0.0
    return float((q1 + q3 - 2 * q2) / (q3 - q1))


def mad(values: np.ndarray) -> float:
    return float(np.median(np.abs(values - np.median(values))))


def beacon_score(starts: np.ndarray, sizes: np.ndarray, capture_start: float, capture_end: float,
                 limits: dict) -> dict[str, float] | None:
    """The scores of one series of connection start times and sizes, or None if it cannot be a beacon."""
    intervals = np.diff(starts)
    period = float(np.median(intervals))
    if period < limits["min_period"]:
        return None
    interval_score = (1 - abs(bowley_skew(intervals))
                      + max(0.0, 1 - mad(intervals) / (limits["jitter_scale"] * period))) / 2
    size_mode = np.bincount(sizes.astype(np.int64)).argmax() if sizes.max() < 1 << 24 else float(np.median(sizes))
    size_score = (1 - abs(bowley_skew(sizes)) + max(0.0, 1 - mad(sizes) / limits["size_jitter_scale"])
                  + max(0.0, 1 - size_mode / 65535)) / 3
    span = float(starts[-1] - starts[0])
    count_score = min(1.0, len(starts) / (1 + span / period))
    bins = int(max(1, min(limits["histogram_bins"], (capture_end - capture_start) // period)))
    edges = np.linspace(capture_start, capture_end, bins + 1)
    occupied = np.unique(np.clip(np.searchsorted(edges, starts, side="right") - 1, 0, bins - 1))
    coverage_score = len(occupied) / bins
    score = (interval_score + size_score + count_score + coverage_score) / 4
    return {"score": score, "period": period, "jitter": mad(intervals), "interval": interval_score, "size": size_score,
            "count": count_score, "coverage": coverage_score, "mean_bytes": float(np.mean(sizes))}


class Beaconing(Detector):
    """`beaconing`, medium or high by score."""

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        limits = thresholds("beaconing")
        if not flows.size:
            return []
        orig_hi, orig_lo, resp_hi, resp_lo = (flows.role(n) for n in ("orig_hi", "orig_lo", "resp_hi", "resp_lo"))
        resp_port, proto = flows.role("resp_port"), flows["proto"]
        usable = ~np.isin(resp_port, limits["ignore_ports"]) & ~np.isin(flows.role("orig_port"), limits["ignore_ports"])
        group = mix_keys(orig_hi, orig_lo, resp_hi, resp_lo, resp_port, proto)
        values, counts = np.unique(group[usable], return_counts=True)
        busy = set(values[counts >= limits["min_connections"]].tolist())
        if not busy:
            return []
        rows = np.flatnonzero(usable & np.isin(group, list(busy)))
        rows = rows[np.lexsort((flows["first_ts"][rows], group[rows]))]
        bounds = np.flatnonzero(np.diff(group[rows])) + 1
        sizes = flows.role("orig_bytes")
        events = []
        for members in np.split(rows, bounds):
            dst = address(resp_hi[members[0]], resp_lo[members[0]])
            if not is_unicast(dst):
                continue
            scores = beacon_score(flows["first_ts"][members], sizes[members].astype(np.float64),
                                  flows.start_ts, flows.end_ts, limits)
            if scores is None or scores["score"] < limits["report_score"]:
                continue
            severity = Severity.HIGH if scores["score"] >= limits["high_score"] else Severity.MEDIUM
            first = members[0]
            evidence = [
                Evidence(kind="score", value=f"{scores['score']:.3f}",
                         detail=", ".join(f"{k} {scores[k]:.2f}" for k in ("interval", "size", "count", "coverage"))),
                Evidence(kind="period", value=f"{scores['period']:.1f} s", detail=f"jitter (MAD) {scores['jitter']:.1f} s"),
                Evidence(kind="connections", value=str(len(members)), detail=f"{scores['mean_bytes']:.0f} bytes sent on average"),
            ]
            events.append(make_event(flows["first_ts"][first], "beaconing", severity, evidence,
                                     src=address(orig_hi[first], orig_lo[first]), dst=dst,
                                     dport=int(resp_port[first]) or None, proto=int(proto[first])))
        return events
