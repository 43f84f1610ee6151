"""The watch command line: bad input, outputs to a file and to a webhook, and the end of a run."""

from __future__ import annotations

import configparser
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib import resources

from typer.testing import CliRunner

from doorwatch.cli import app


def test_bad_options_are_one_line_errors_with_status_2():
    runner = CliRunner()
    for args in (["--duration", "-1"], ["--webhook", "ftp://example.invalid/"], ["--allow-country", "Germany"],
                 ["--allow-listener", "sshd:ssh"], ["--interval", "0"]):
        result = runner.invoke(app, ["watch", "--once", *args])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1 and "error" in result.output


def test_duration_ends_the_watch_and_jsonl_goes_to_the_file(tmp_path, binaries, start, run_doorwatch):
    camera = tmp_path / "video0"
    camera.touch()
    user = start([binaries["device_user"], camera])
    output = tmp_path / "events.jsonl"
    began = time.monotonic()
    result = run_doorwatch("watch", "--duration", "2", "--format", "jsonl", "-o", str(output),
                           "--camera-glob", str(camera), "--microphone-glob", str(tmp_path / "none*"))
    assert time.monotonic() - began < 10
    assert result.returncode in (0, 1) and result.stdout == ""
    events = [json.loads(line) for line in output.read_text().splitlines()]
    assert any(e["event"] == "camera-activated" and e["pid"] == user.pid for e in events)


def test_webhook_receives_each_event_and_an_unreachable_one_is_not_fatal(tmp_path, binaries, start, run_doorwatch):
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    camera = tmp_path / "video0"
    camera.touch()
    user = start([binaries["device_user"], camera])
    globs = ["--camera-glob", str(camera), "--microphone-glob", str(tmp_path / "none*")]
    try:
        result = run_doorwatch("watch", "--once", "--format", "json", "--webhook",
                               f"http://127.0.0.1:{server.server_port}/events", *globs)
    finally:
        server.shutdown()
    assert result.returncode in (0, 1)
    assert any(e["event"] == "camera-activated" and e["pid"] == user.pid for e in received)
    assert len(received) == len(json.loads(result.stdout)["events"])

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = run_doorwatch("watch", "--once", "--format", "json", "--webhook", f"http://127.0.0.1:{port}/", *globs)
    assert result.returncode in (0, 1)
    assert "webhook" in result.stderr and json.loads(result.stdout)["events"]


def test_the_systemd_unit_runs_the_watch_as_jsonl():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read_string(resources.files("doorwatch.watch").joinpath("doorwatch-watch.service").read_text())
    command = unit["Service"]["ExecStart"].split()
    assert command[1:3] == ["watch", "--format"] and command[3] == "jsonl"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
