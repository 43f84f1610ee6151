"""Camera and microphone use, seen as it happens by a running `doorwatch watch`."""

from __future__ import annotations

import os
import time

from doorwatch.watch import Host, WatchRules
from doorwatch.watch.devices import DeviceWatcher



def make_nodes(root):
    """A camera node and a capture PCM node as regular files, and the globs that find them."""
    (root / "snd").mkdir()
    camera, microphone = root / "video0", root / "snd" / "pcmC0D0c"
    camera.touch()
    microphone.touch()
    (root / "snd" / "pcmC0D0p").touch()  # a playback node: not a microphone
    globs = ["--camera-glob", str(root / "video*"), "--microphone-glob", str(root / "snd" / "pcmC*D*c")]
    return camera, microphone, globs


def test_camera_and_microphone_on_and_off_are_reported_within_a_second(tmp_path, binaries, start, event_stream):
    camera, microphone, globs = make_nodes(tmp_path)
    stream = event_stream(*globs, "--duration", "60")
    assert "1 camera device(s) and 1 microphone device(s)" in stream.banner

    user = start([binaries["device_user"], camera, microphone])
    assert user.first_line == f"opened {camera}"
    on, waited = stream.wait_for(lambda e: e["event"] == "camera-activated" and e["pid"] == user.pid, timeout=1.0)
    assert on["exe"] == str(binaries["device_user"])
    assert on["device"] == str(camera)
    assert str(camera) in on["cmdline"]
    assert os.getpid() in [parent["pid"] for parent in on["parents"]]
    assert on["user"] == "root" if os.geteuid() == 0 else on["user"]
    # an unpackaged program from a temporary directory switching the camera on is not routine
    assert on["severity"] == "high"

    user.send()
    assert user.read_line() == f"closed {camera}"
    off, _ = stream.wait_for(lambda e: e["event"] == "camera-deactivated" and e["pid"] == user.pid, timeout=1.0)
    assert off["duration"] > 0

    user.send()
    assert user.read_line() == f"opened {microphone}"
    mic, _ = stream.wait_for(lambda e: e["event"] == "microphone-activated" and e["pid"] == user.pid, timeout=1.0)
    assert mic["exe"] == str(binaries["device_user"]) and mic["device"] == str(microphone)
    user.send()
    assert user.read_line() == f"closed {microphone}"
    stream.wait_for(lambda e: e["event"] == "microphone-deactivated" and e["pid"] == user.pid, timeout=1.0)
    assert not [e for e in stream.seen if e["event"].startswith("camera") and e.get("device") == str(microphone)]


def test_once_shows_a_camera_already_in_use(tmp_path, binaries, start, watch_once):
    camera, _, globs = make_nodes(tmp_path)
    user = start([binaries["device_user"], camera])
    events = [e for e in watch_once(*globs) if e["event"] == "camera-activated"]
    assert [e["pid"] for e in events] == [user.pid]
    assert events[0]["evidence"][0]["detail"] == "in use when the watch started"


def test_a_device_node_created_later_is_watched(tmp_path, binaries, start, event_stream):
    _, _, globs = make_nodes(tmp_path)
    stream = event_stream(*globs, "--duration", "60")
    late = tmp_path / "video1"
    late.touch()
    user = start([binaries["device_user"], late])
    event, _ = stream.wait_for(lambda e: e["event"] == "camera-activated" and e["pid"] == user.pid, timeout=2.0)
    assert event["device"] == str(late)


def test_a_brief_open_is_reported_even_when_the_process_is_gone(tmp_path, start, event_stream):
    camera, _, globs = make_nodes(tmp_path)
    stream = event_stream(*globs, "--duration", "60")
    start(["/usr/bin/head", "-c", "0", camera], wait_ready=False).process.wait(timeout=5)
    event, _ = stream.wait_for(lambda e: e["event"] == "camera-activated", timeout=2.0)
    assert event["device"] == str(camera)
    assert event["pid"] is None or event["exe"] == "/usr/bin/head"


def test_a_device_node_removed_while_held_still_ends_its_session(tmp_path, binaries, start, event_stream):
    camera, _, globs = make_nodes(tmp_path)
    stream = event_stream(*globs, "--duration", "60")
    user = start([binaries["device_user"], camera])
    stream.wait_for(lambda e: e["event"] == "camera-activated" and e["pid"] == user.pid, timeout=1.0)
    camera.unlink()  # the kernel reports the removal once the last holder lets go, with the close
    user.send()
    off, _ = stream.wait_for(lambda e: e["event"] == "camera-deactivated" and e["pid"] == user.pid, timeout=2.0)
    assert off["device"] == str(camera)


def test_severity_follows_the_policy_and_the_session(tmp_path, start):
    camera, _, _ = make_nodes(tmp_path)
    session = {"PATH": "/usr/bin", "DISPLAY": ":0"}
    in_session = start(["/usr/bin/tail", "-f", camera], env=session, wait_ready=False)
    daemon = start(["/usr/bin/tail", "-f", camera], env={"PATH": "/usr/bin"}, wait_ready=False)

    for program in (in_session, daemon):  # tail opens the file just after it starts
        fds = f"/proc/{program.pid}/fd"
        deadline = time.monotonic() + 5
        while str(camera) not in {os.readlink(f"{fds}/{fd}") for fd in os.listdir(fds)}:
            assert time.monotonic() < deadline, "tail never opened the camera node"
            time.sleep(0.02)

    def severities(rules) -> dict[int, str]:
        watcher = DeviceWatcher(Host(rules), {"camera": [str(camera)]})
        try:
            return {e.pid: e.severity for e in watcher.scan(at_start=True)}
        finally:
            watcher.close()

    rules = WatchRules.shipped()
    assert severities(rules)[in_session.pid] == "medium"  # packaged, in a session, but not an allowed camera app
    assert severities(rules)[daemon.pid] == "high"  # no terminal, no desktop session
    rules.camera_apps.add("tail")
    assert severities(rules)[in_session.pid] == "info"
    assert severities(rules)[daemon.pid] == "high"
