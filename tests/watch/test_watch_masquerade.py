"""Processes that pretend to be kernel threads or system daemons, and implant marks."""

from __future__ import annotations

from doorwatch.watch import Host, WatchRules
from doorwatch.watch.masquerade import MasqueradeDetector


def for_pid(events, pid):
    return [e for e in events if e["event"] == "process-masquerade" and e["pid"] == pid]


def test_kernel_thread_look_alikes_are_reported(scene, scene_events, binaries):
    [native] = [e for e in for_pid(scene_events, scene["kworker_native"].pid) if e["evidence"][0]["kind"] == "name-comm"]
    assert native["evidence"][0]["value"] == "[kworker/0:2]"
    assert native["severity"] == "high"
    assert native["exe"] == str(binaries["renamed"])
    [python] = for_pid(scene_events, scene["kworker_python"].pid)
    assert python["evidence"][0]["value"] == "kworker/1:3"


def test_borrowed_daemon_name_is_reported(scene, scene_events):
    names = [e["evidence"][0] for e in for_pid(scene_events, scene["borrowed_daemon"].pid)
             if e["evidence"][0]["kind"] == "name-argv0"]
    assert names and names[0]["value"] == "/sbin/udevd" and "system daemon udevd" in names[0]["detail"]


def test_ordinary_renames_and_symlinked_programs_are_not_reported(scene, scene_events):
    assert for_pid(scene_events, scene["ordinary_rename"].pid) == []
    assert for_pid(scene_events, scene["through_symlink"].pid) == []


def test_history_disabled_in_the_environment_is_reported(scene, scene_events):
    [event] = for_pid(scene_events, scene["history_off"].pid)
    assert event["evidence"][0]["value"] == "HISTFILE=/dev/null"
    assert event["severity"] == "medium"


def test_zero_byte_implant_mutex_file_is_reported(tmp_path):
    rules = WatchRules.shipped()
    rules.implant_mutex_dirs = [str(tmp_path)]
    (tmp_path / "haldrund.pid").touch()
    (tmp_path / "kdevrund.pid").write_text("1234\n")  # a real pid file has content
    (tmp_path / "crond.pid").touch()
    events = MasqueradeDetector(Host(rules)).mutex_files()
    assert [e.evidence[0].value for e in events] == [str(tmp_path / "haldrund.pid")]
