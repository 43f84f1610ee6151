"""A capture holding one of each signal among realistic background traffic yields exactly those detections."""

import json
import subprocess
import sys

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doorwatch", "pcap", *args], capture_output=True, text=True, timeout=120)


def rule_of(event: dict) -> str | None:
    return next((e["value"] for e in event["evidence"] if e["kind"] == "rule"), None)


@pytest.fixture(scope="module")
def scenario_report(scenario):
    result = run("--format", "json", str(scenario))
    assert result.returncode == 1, result.stderr  # critical and high detections: at or above --fail-on high
    return json.loads(result.stdout)


def test_exactly_the_planted_signals_are_found(scenario_report):
    found = sorted((e["event"], "generic" if rule_of(e) == "generic-magic-prefix" else "documented" if rule_of(e) else "")
                   for e in scenario_report["events"])
    assert found == sorted([("wake-on-lan-packet", ""), ("magic-packet", "documented"), ("magic-packet", "generic"),
                            ("beaconing", ""), ("dns-tunnel", "")])


def test_each_detection_names_the_actor_and_the_evidence(scenario_report):
    by_id = {(e["event"], rule_of(e)): e for e in scenario_report["events"]}
    wol = by_id["wake-on-lan-packet", None]
    assert wol["severity"] == "medium" and wol["dport"] == 9 and wol["proto"] == "udp"
    assert any(e["value"] == "00:11:22:33:44:55" for e in wol["evidence"])
    tenda = by_id["magic-packet", "tenda-w302r-mfg"]
    assert tenda["severity"] == "critical" and tenda["dport"] == 7329 and tenda["dst"] == "192.168.1.1"
    knock = by_id["magic-packet", "generic-magic-prefix"]
    assert knock["severity"] == "high" and knock["src"] == "203.0.113.9" and knock["dport"] == 31337
    assert any(e["kind"] == "reaction" and "4444" in e["value"] for e in knock["evidence"])
    beacon = by_id["beaconing", None]
    assert beacon["severity"] in ("medium", "high") and beacon["dst"] == "198.51.100.77" and beacon["dport"] == 443
    period = next(e["value"] for e in beacon["evidence"] if e["kind"] == "period")
    assert 55 <= float(period.split()[0]) <= 65
    assert any(e["kind"] == "score" for e in beacon["evidence"])
    tunnel = by_id["dns-tunnel", None]
    assert tunnel["severity"] == "high" and any(e["value"] == "exfil-tunnel.net" for e in tunnel["evidence"])


def test_document_lists_the_file_and_says_exfiltration_was_not_checked(scenario_report, scenario):
    assert scenario_report["tool"]["name"] == "doorwatch"
    [entry] = scenario_report["files"]
    assert entry["path"] == str(scenario) and entry["link_type"] == "ethernet" and entry["packets"] > 10000
    assert "not checked" in scenario_report["summary"]["exfiltration"]


def test_background_traffic_yields_nothing_high(background_only):
    result = run("--format", "json", str(background_only))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [e for e in report["events"] if e["severity"] in ("high", "critical")] == []
