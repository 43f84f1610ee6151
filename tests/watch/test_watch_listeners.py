"""Listening sockets whose owner runs from a temporary or deleted file, or is not allowed."""

from __future__ import annotations


def listener_events(events, pid):
    return [e for e in events if e["event"] == "hidden-listener" and e["pid"] == pid]


def test_listener_from_a_temporary_directory_is_hidden_listener(scene, scene_events):
    program = scene["temp_listener"]
    [event] = listener_events(scene_events, program.pid)
    assert event["sport"] == int(program.first_line.split()[1])
    assert event["exe"].endswith("/updater")
    assert event["severity"] == "critical"
    assert "executable in a temporary directory" in [e.get("detail") for e in event["evidence"]]


def test_listener_from_a_deleted_executable_is_hidden_listener(scene, scene_events):
    [event] = listener_events(scene_events, scene["deleted_listener"].pid)
    assert "executable deleted since start" in [e.get("detail") for e in event["evidence"]]
    assert event["severity"] == "critical"


def test_packaged_listener_is_low_unless_allowed(scene, scene_events, watch_once):
    pid = scene["packaged_listener"].pid
    [event] = listener_events(scene_events, pid)
    assert event["severity"] == "low"
    assert listener_events(watch_once("--allow-listener", "python3.11"), pid) == []
