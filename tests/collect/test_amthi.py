"""The AMT provisioning question and its answer, as the ME's host interface lays them out, and
what the inventory says when it cannot ask (a recorded tree, or not root)."""

import struct

import pytest

from doorwatch.collect import amthi, mei
from doorwatch.collect.machine import MachineRoot
from machines import build_laptop


def answer(state: int, status: int = 0, command: int = 0x04800011) -> bytes:
    return struct.pack("<BBHIIIB", 1, 1, 0, command, 5, status, state)


def test_request_is_the_provisioning_state_command_with_no_payload():
    assert amthi.request() == bytes.fromhex("01010000" "11000004" "00000000")


@pytest.mark.parametrize("state, feature", [(0, "off"), (1, "on"), (2, "on")])
def test_each_state_is_read_from_the_answer(state, feature):
    assert amthi.STATES[amthi.parse_response(answer(state))] == feature


@pytest.mark.parametrize("data, reason", [
    (answer(2)[:10], "short answer"),
    (answer(2, status=2), "status 2"),
    (answer(2, command=0x0480001A), "unexpected answer"),
    (answer(7), "unknown provisioning state"),
])
def test_a_wrong_answer_is_an_error_not_a_state(data, reason):
    with pytest.raises(amthi.AmtQueryError, match=reason):
        amthi.parse_response(data)


def test_connect_uses_the_amthi_client_id_in_the_drivers_byte_order():
    assert amthi.AMTHI_UUID.bytes_le.hex() == "2800f812b7b42d4baca846e0ff65814c"


def test_recorded_machine_is_not_asked(tmp_path):
    features = [r for r in mei.collect(MachineRoot(build_laptop(tmp_path / "l"), live=False)) if getattr(r, "id", None) == "amt-provisioned"]
    assert [f.state for f in features] == ["unknown"]
    assert any(e.value == "not asked" for e in features[0].evidence)
