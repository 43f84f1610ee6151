"""Exfiltration by destination country: bytes a host sent to each country outside the allowed ones.

Countries come from the `iptocc` package (offline IP-to-country tables built from the regional
internet registries' delegation files, shipped with the package, IPv4 and IPv6).  Private, loopback,
link-local and multicast addresses have no country and are never counted.
"""

from __future__ import annotations

from collections import defaultdict

import iptocc
import numpy as np

from doorwatch.model import Event, Evidence, Severity
from doorwatch.net.decode import address
from doorwatch.net.detector import Detector, Options, is_public, make_event
from doorwatch.net.flows import FlowTable


def country_of(addr: str) -> str | None:
    """ISO 3166-1 alpha-2 country of a public address, or None."""
    if not is_public(addr):
        return None
    try:
        return iptocc.country_code(addr)
    except ValueError:
        return None


class Exfiltration(Detector):
    """`exfiltration`, high: more than --exfil-bytes sent by one host to a country not allowed."""

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        if not options.allow_countries or not flows.size:
            return []
        # each flow contributes both directions: A sends bytes_ab to B, B sends bytes_ba to A
        sender_hi = np.concatenate([flows["a_hi"], flows["b_hi"]])
        sender_lo = np.concatenate([flows["a_lo"], flows["b_lo"]])
        receiver_hi = np.concatenate([flows["b_hi"], flows["a_hi"]])
        receiver_lo = np.concatenate([flows["b_lo"], flows["a_lo"]])
        sent = np.concatenate([flows["bytes_ab"], flows["bytes_ba"]])
        first = np.concatenate([flows["first_ts"], flows["first_ts"]])
        keep = sent > 0
        pairs = np.stack([sender_hi[keep], sender_lo[keep], receiver_hi[keep], receiver_lo[keep]], axis=1)
        unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
        totals = np.bincount(inverse.ravel(), weights=sent[keep])
        starts = np.full(len(unique), np.inf)
        np.minimum.at(starts, inverse.ravel(), first[keep])

        by_country: dict[tuple[str, str], list] = defaultdict(lambda: [0, np.inf, {}])
        countries: dict[str, str | None] = {}
        for (s_hi, s_lo, r_hi, r_lo), total, start in zip(unique.tolist(), totals.tolist(), starts.tolist()):
            receiver = address(r_hi, r_lo)
            if receiver not in countries:
                countries[receiver] = country_of(receiver)
            country = countries[receiver]
            if country is None or country in options.allow_countries:
                continue
            entry = by_country[address(s_hi, s_lo), country]
            entry[0] += total
            entry[1] = min(entry[1], start)
            entry[2][receiver] = entry[2].get(receiver, 0) + total
        events = []
        for (sender, country), (total, start, receivers) in by_country.items():
            if total <= options.exfil_bytes:
                continue
            top = max(receivers, key=receivers.get)
            evidence = [Evidence(kind="country", value=country, detail=f"not in the allowed countries {', '.join(sorted(options.allow_countries))}"),
                        Evidence(kind="bytes", value=str(int(total)), detail=f"to {len(receivers)} address(es); most to {top}")]
            events.append(make_event(start, "exfiltration", Severity.HIGH, evidence, src=sender, dst=top))
        return events
