"""Each detector on small real captures: what must be found, and the look-alikes that must not."""

import json
import random

import numpy as np
from typer.testing import CliRunner

import pcap_traffic as traffic
from pcap_packets import TCP_SYN, capture, icmp_echo, ip, tcp, udp
from doorwatch.cli import app
from doorwatch.net.beacon import beacon_score
from doorwatch.net.detector import thresholds
from doorwatch.net.dns import registered_domain

runner = CliRunner()
T0 = traffic.START


def events(tmp_path, datagrams, *args) -> list[dict]:
    path = capture(tmp_path / "t.pcap", datagrams)
    result = runner.invoke(app, ["pcap", "--format", "json", *args, str(path)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["events"]


def rules(found: list[dict]) -> list[str]:
    return sorted(next((e["value"] for e in event["evidence"] if e["kind"] in ("rule", "service")), event["event"])
                  for event in found)


def upload(rng, server: str, total: int) -> list:
    return traffic.tcp_session(T0, traffic.CLIENT, server, 40000, 443, traffic.client_hello(rng, "x"), [100], rng) + [
        (T0 + 1 + n * 0.001, ip(traffic.CLIENT, server, tcp(40000, 443, 0x18, rng.randbytes(1400)))) for n in range(total // 1440)]


def test_exfiltration_by_country_only_when_asked(tmp_path):
    rng = random.Random(1)
    datagrams = upload(rng, "8.8.8.8", 2_000_000)
    [event] = events(tmp_path, datagrams, "--allow-country", "DE", "--allow-country", "fr", "--exfil-bytes", "1000000")
    assert event["event"] == "exfiltration" and event["severity"] == "high" and event["dst"] == "8.8.8.8"
    assert event["evidence"][0]["value"] == "US" and int(event["evidence"][1]["value"]) > 1_900_000
    assert events(tmp_path, datagrams, "--allow-country", "US", "--exfil-bytes", "1000000") == []
    assert events(tmp_path, datagrams, "--allow-country", "DE") == []  # below the default 10 MB
    assert events(tmp_path, datagrams) == []
    private = upload(rng, "10.1.2.3", 2_000_000)  # no country: never exfiltration
    assert events(tmp_path, private, "--allow-country", "DE", "--exfil-bytes", "1000000") == []


def test_bad_country_code_is_a_usage_error(tmp_path):
    path = capture(tmp_path / "e.pcap", traffic.wake_on_lan(T0))
    result = runner.invoke(app, ["pcap", "--allow-country", "Germany", str(path)])
    assert result.exit_code == 2 and "two-letter" in result.output


def test_remote_management_services(tmp_path):
    rng = random.Random(2)
    datagrams = traffic.tcp_session(T0, traffic.CLIENT, "192.168.1.50", 45000, 16993, b"\x16\x03\x01\x00\x10" + bytes(16), [300], rng)
    datagrams += [(T0 + 5, ip(traffic.CLIENT, "192.168.1.51", udp(45001, 623, bytes.fromhex("0600ff07") + bytes(12)))),
                  (T0 + 5.1, ip("192.168.1.51", traffic.CLIENT, udp(623, 45001, bytes.fromhex("0600ff07") + bytes(20))))]
    found = events(tmp_path, datagrams)
    assert rules(found) == ["intel-amt", "ipmi-rmcp"]
    assert {e["severity"] for e in found} == {"medium"} and {e["dport"] for e in found} == {16993, 623}


def test_bpfdoor_values_count_only_in_a_lone_packet(tmp_path):
    rng = random.Random(3)
    trigger = bytes.fromhex("7255") + bytes(2) + bytes([192, 168, 1, 66]) + b"\x11\x5c" + b"justforfun\0\0\0\0"
    lone = [(T0, ip("203.0.113.5", traffic.CLIENT, udp(5353 + 1, 8000, trigger)))]
    assert rules(events(tmp_path, lone)) == ["bpfdoor-udp"]
    icmp = [(T0, ip("203.0.113.5", traffic.CLIENT, icmp_echo(trigger)))]
    assert rules(events(tmp_path, icmp)) == ["bpfdoor-icmp"]
    busy = [(T0 + n, ip("203.0.113.5", traffic.CLIENT, udp(4433, 8000, rng.randbytes(40)))) for n in range(30)]
    busy.insert(10, (T0 + 10.5, ip("203.0.113.5", traffic.CLIENT, udp(4433, 8000, trigger))))
    assert events(tmp_path, busy) == []  # the same two bytes inside a busy stream are chance


def test_synful_knock_sequence_relation(tmp_path):
    seq = 0x10000000
    knock = [(T0, ip("203.0.113.7", "192.168.1.254", tcp(31337, 80, TCP_SYN, seq=seq, ack=seq + 0xC123D)))]
    [event] = events(tmp_path, knock)
    assert rules([event]) == ["synful-knock"] and event["severity"] == "critical"
    ordinary = [(T0, ip("203.0.113.7", "192.168.1.254", tcp(31337, 80, TCP_SYN, seq=seq, ack=0)))]
    assert events(tmp_path, ordinary) == []


def test_generic_knock_needs_a_reaction_a_rare_opening_and_no_known_protocol(tmp_path):
    rng = random.Random(4)
    assert rules(events(tmp_path, traffic.knock_and_connect_back(T0, rng))) == ["generic-magic-prefix"]
    silent = traffic.knock_and_connect_back(T0, rng)[:1]
    assert events(tmp_path, silent) == []
    late = traffic.knock_and_connect_back(T0, rng)
    late = late[:1] + [(t + 600, d) for t, d in late[1:]]  # ten minutes later is no reaction
    assert events(tmp_path, late) == []
    tls = traffic.knock_and_connect_back(T0, rng, magic=traffic.client_hello(rng, "a.example"))
    assert events(tmp_path, tls) == []
    common = []
    for n in range(8):  # the same opening to many hosts is a protocol, not a secret
        common += traffic.knock_and_connect_back(T0 + 100 * n, rng, target=f"192.168.1.{100 + n}")
    assert events(tmp_path, common) == []


def test_new_service_after_a_knock(tmp_path):
    rng = random.Random(5)
    sender, target = "203.0.113.9", "192.168.1.40"
    datagrams = [(T0, ip(sender, target, udp(50000, 40404, b"\xde\xc0\xad\xdeopen-sesame")))]
    datagrams += traffic.tcp_session(T0 + 1, sender, target, 50001, 2222, b"id\n", [20], rng)
    [event] = events(tmp_path, datagrams)
    reaction = next(e["value"] for e in event["evidence"] if e["kind"] == "reaction")
    assert "new port 2222" in reaction and event["dport"] == 40404


def test_beacon_score_separates_a_beacon_from_random_visits():
    rng = np.random.default_rng(6)
    limits = thresholds("beaconing")
    regular = np.cumsum(60 + rng.uniform(-5, 5, 60))
    beacon = beacon_score(regular, np.full(60, 620.0), 0, 3700, limits)
    assert beacon["score"] >= limits["report_score"] and 58 <= beacon["period"] <= 62
    visits = np.sort(rng.uniform(0, 3700, 60))
    random_visits = beacon_score(visits, rng.integers(400, 4000, 60).astype(float), 0, 3700, limits)
    assert random_visits["score"] < limits["report_score"]
    burst = np.sort(rng.uniform(0, 3, 60))  # sixty connections in three seconds are no beacon
    assert beacon_score(burst, np.full(60, 620.0), 0, 3700, limits) is None


def test_ordinary_dns_is_no_tunnel(tmp_path):
    rng = random.Random(7)
    datagrams = []
    for n in range(400):
        query = traffic.dns_query(f"img{n}.cdn.example.com", 1, n)
        datagrams.append((T0 + n, ip(traffic.CLIENT, traffic.RESOLVER, udp(30000 + n, 53, query))))
    datagrams += traffic.dns_tunnel(rng, queries=20)  # too few names to tell
    assert events(tmp_path, datagrams) == []
    assert registered_domain("a.b.news.bbc.co.uk") == ("bbc.co.uk", "a.b.news")
    assert registered_domain("x.y.example.com") == ("example.com", "x.y")


def test_port_that_answers_only_the_magic_value(tmp_path):
    target = "192.168.1.60"
    datagrams = [(T0 + n, ip(f"198.51.100.{n + 1}", target, udp(40000 + n, 47000, b"hello?" + bytes([n])))) for n in range(2)]
    datagrams += [(T0 + 10, ip("203.0.113.9", target, udp(50000, 47000, b"\x7fSECRET-KNOCK\x01"))),
                  (T0 + 10.1, ip(target, "203.0.113.9", udp(47000, 50000, b"ready\n")))]
    [event] = events(tmp_path, datagrams)
    assert event["src"] == "203.0.113.9" and "none of the 2 other" in event["evidence"][2]["value"]
    answered_to_all = datagrams + [(T0 + n + 0.1, ip(target, f"198.51.100.{n + 1}", udp(47000, 40000 + n, b"hi"))) for n in range(2)]
    assert events(tmp_path, answered_to_all) == []
