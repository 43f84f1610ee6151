"""Packet sockets with classic BPF filters (the BPFDoor pattern), reported with the constants they compare."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="opening a packet socket needs root")


def packet_events(events, pid):
    return [e for e in events if e["event"] == "packet-socket-opened" and e["pid"] == pid]


@pytest.mark.parametrize(("program", "magic"), [("filter_classic", "0x5293"), ("filter_novel", "0x7a3c91e5")])
def test_packet_socket_with_a_magic_filter_is_reported_with_its_constants(scene, scene_events, binaries, program, magic):
    [event] = packet_events(scene_events, scene[program].pid)
    assert event["exe"] == str(binaries["packet_filter"])
    constants = {e["value"]: e["detail"] for e in event["evidence"] if e["kind"] == "constant"}
    assert constants[magic] == "jeq at instruction 3: unusual constant"
    assert constants["0x800"] == "jeq at instruction 1: protocol field value"
    [bpf] = [e for e in event["evidence"] if e["kind"] == "bpf-filter"]
    assert bpf["value"] == "6 instructions" and "ld [0x2a]" in bpf["detail"]
    assert event["severity"] == "critical"


def test_packet_socket_without_a_filter_says_so(scene, scene_events):
    [event] = packet_events(scene_events, scene["no_filter"].pid)
    [bpf] = [e for e in event["evidence"] if e["kind"] == "bpf-filter"]
    assert bpf["value"] == "none"
    assert not [e for e in event["evidence"] if e["kind"] == "constant"]
