"""Beaconing and exfiltration, judged from the connections the kernel reports."""

from __future__ import annotations

import random

from doorwatch.watch import Host, WatchRules
from doorwatch.watch.inet import TCP_ESTABLISHED, InetSocket, InetTable
from doorwatch.watch.outbound import OutboundDetector, beacon_score


def connection(dst: str, sport: int, sent: int) -> InetSocket:
    return InetSocket(proto="tcp", state=TCP_ESTABLISHED, src="192.0.2.10", sport=sport, dst=dst, dport=443,
                      inode=0, uid=0, cookie=sport, bytes_sent=sent)


def test_regular_intervals_score_high_and_random_ones_low():
    rng = random.Random(7)
    regular = [60.0 * i + rng.uniform(-1, 1) for i in range(12)]
    irregular = sorted(rng.uniform(0, 3600) for _ in range(12))
    assert beacon_score(regular) > 0.9
    assert beacon_score(irregular) < 0.8
    assert beacon_score(regular[:3]) is None


def test_connections_on_a_beat_make_one_beaconing_event():
    detector = OutboundDetector(Host(WatchRules.shipped()), InetTable(), exfil_bytes=10**9)
    events = []
    for beat in range(10):
        detector.observe(connection("198.51.100.7", 40000 + beat, 300), now=30.0 * beat)
        events += detector.judge()
    [event] = [e for e in events if e.event == "beaconing"]
    assert event.dst == "198.51.100.7" and event.dport == 443
    assert event.evidence[0].value == "30.0s"


def test_bytes_to_a_country_not_allowed_make_exfiltration_and_allowed_ones_do_not():
    # 2,000,000 bytes acknowledged to each address, in five scans
    detector = OutboundDetector(Host(WatchRules.shipped(allowed_countries=["de"])), InetTable(), exfil_bytes=1_000_000)
    for step in range(1, 6):
        detector.observe(connection("8.8.8.8", 50000, 400_000 * step), now=float(step))
        detector.observe(connection("77.88.8.8", 50001, 400_000 * step), now=float(step))
    allowed = OutboundDetector(Host(WatchRules.shipped(allowed_countries=["US", "RU"])), InetTable(), exfil_bytes=1_000_000)
    allowed.observe(connection("8.8.8.8", 50000, 5_000_000), now=1.0)
    events = {e.country: e for e in detector.judge() if e.event == "exfiltration"}
    assert set(events) == {"US", "RU"}
    assert events["US"].dst == "8.8.8.8" and events["RU"].dst == "77.88.8.8"
    assert events["US"].bytes_sent == 2_000_000
    assert [e for e in detector.judge() if e.event == "exfiltration"] == []  # once per country
    assert [e for e in allowed.judge() if e.event == "exfiltration"] == []


def test_bytes_spread_over_addresses_of_one_country_add_up():
    detector = OutboundDetector(Host(WatchRules.shipped(allowed_countries=["DE"])), InetTable(), exfil_bytes=1_000_000)
    detector.observe(connection("8.8.8.8", 50000, 600_000), now=1.0)
    detector.observe(connection("8.8.4.4", 50001, 600_000), now=1.0)
    [event] = [e for e in detector.judge() if e.event == "exfiltration"]
    assert event.country == "US" and event.bytes_sent == 1_200_000
    assert {e.value for e in event.evidence if e.kind == "destination"} == {"8.8.8.8:443", "8.8.4.4:443"}


def test_connections_open_before_the_watch_are_not_counted_as_beats():
    detector = OutboundDetector(Host(WatchRules.shipped()), InetTable(), exfil_bytes=10**9)
    for sport in range(40000, 40010):
        detector.observe(connection("198.51.100.9", sport, 0), now=0.0, started_now=False)
    assert detector.destinations[("198.51.100.9", 443)].starts == []
    assert detector.judge() == []
