"""Fixtures of the watch tests: the C programs they run (compiled once per session) and process handling."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

C_SOURCES = Path(__file__).parent / "c"


class Program:
    """A test program run as a real process, with its stdout read line by line."""

    def __init__(self, argv: list[str], executable: str | None = None, env: dict | None = None) -> None:
        self.process = subprocess.Popen(argv, executable=executable, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self.process.pid
        self.first_line = ""

    def read_line(self, timeout: float = 5.0) -> str:
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()), daemon=True).start()
        return lines.get(timeout=timeout).strip()

    def send(self, text: str = "\n") -> None:
        self.process.stdin.write(text)
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            stream.close()


def doorwatch(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the doorwatch command line as a user would, capturing its output."""
    return subprocess.run([sys.executable, "-m", "doorwatch", *args], capture_output=True, text=True, timeout=timeout)


def once_events(*args: str) -> list[dict]:
    """The events of `doorwatch watch --once --format json`, checking the exit status and the document."""
    result = doorwatch("watch", "--once", "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert document["tool"]["name"] == "doorwatch"
    return document["events"]


class EventStream:
    """A running `doorwatch watch --format jsonl`, its events collected as they are printed."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "doorwatch", "watch", "--format", "jsonl", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.events: queue.Queue[dict] = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.banner = self.process.stderr.readline()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.events.put(json.loads(line))

    def wait_for(self, predicate, timeout: float) -> tuple[dict, float]:
        """The first event matching predicate (also among those already seen) and the time it took."""
        began = time.monotonic()
        for event in self.seen:
            if predicate(event):
                return event, 0.0
        while (left := timeout - (time.monotonic() - began)) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(event)
            if predicate(event):
                return event, time.monotonic() - began
        raise AssertionError(f"no matching event within {timeout}s; seen: {[e['event'] for e in self.seen]}")

    def stop(self) -> int:
        self.process.terminate()
        code = self.process.wait(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()
        return code


@pytest.fixture(scope="session")
def binaries(tmp_path_factory) -> dict[str, Path]:
    """Each tests/watch/c/*.c compiled with gcc: name -> executable."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build the test programs")
    out = tmp_path_factory.mktemp("bin")
    built = {}
    for source in sorted(C_SOURCES.glob("*.c")):
        target = out / source.stem
        subprocess.run(["gcc", "-O1", "-o", str(target), str(source)], check=True)
        built[source.stem] = target
    return built


@pytest.fixture
def start():
    """start(argv, ...) -> Program, waiting for its first line; every program is stopped after the test."""
    started: list[Program] = []

    def run(argv: list, wait_ready: bool = True, **kwargs) -> Program:
        program = Program([str(arg) for arg in argv], **kwargs)
        started.append(program)
        if wait_ready:
            program.first_line = program.read_line()
        return program

    yield run
    for program in started:
        program.stop()


@pytest.fixture
def event_stream():
    streams: list[EventStream] = []

    def run(*args: str) -> EventStream:
        stream = EventStream(*args)
        streams.append(stream)
        return stream

    yield run
    for stream in streams:
        if stream.process.poll() is None:
            stream.stop()


@pytest.fixture
def run_doorwatch():
    """doorwatch(*args) -> CompletedProcess, the command line run as a user runs it."""
    return doorwatch


@pytest.fixture
def watch_once():
    """watch_once(*args) -> the events of `doorwatch watch --once --format json`."""
    return once_events


@pytest.fixture(scope="session")
def scene(binaries, tmp_path_factory):
    """Every process the --once tests look for, started once: name -> Program (stopped after the session)."""
    room = tmp_path_factory.mktemp("scene")
    shutil.copy(binaries["tcp_server"], room / "updater")
    shutil.copy(binaries["tcp_server"], room / "srv")
    python_wait = "print('ready', flush=True); import sys; sys.stdin.read()"
    recipes = {
        "kworker_native": ([binaries["renamed"], "[kworker/0:2]"], {}),
        "kworker_python": ([sys.executable, "-c", "import ctypes; ctypes.CDLL(None).prctl(15, b'kworker/1:3', 0, 0, 0);"
                            + python_wait], {}),
        "borrowed_daemon": (["/sbin/udevd"], {"executable": str(binaries["renamed"])}),
        "ordinary_rename": (["my-sleeper", "600"], {"executable": "/usr/bin/sleep", "wait": False}),
        "through_symlink": (["/usr/bin/python3", "-c", python_wait], {}),
        "history_off": (["/usr/bin/sleep", "600"], {"env": {"HISTFILE": "/dev/null", "PATH": "/usr/bin"}, "wait": False}),
        "temp_listener": ([room / "updater"], {}),
        "deleted_listener": ([room / "srv"], {}),
        "packaged_listener": (["/usr/bin/python3", "-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0));"
                               "s.listen(); print('ready', s.getsockname()[1], flush=True); input()"], {}),
    }
    if os.geteuid() == 0:
        recipes["filter_classic"] = ([binaries["packet_filter"], "0x5293"], {})
        recipes["filter_novel"] = ([binaries["packet_filter"], "0x7a3c91e5"], {})
        recipes["no_filter"] = ([sys.executable, "-c", "import socket; s = socket.socket(socket.AF_PACKET, "
                                 "socket.SOCK_RAW, socket.htons(3));" + python_wait], {})
    programs = {}
    try:
        for name, (argv, options) in recipes.items():
            wait = options.pop("wait", True)
            programs[name] = Program([str(arg) for arg in argv], **options)
            if wait:
                programs[name].first_line = programs[name].read_line()
        os.unlink(room / "srv")
        yield programs
    finally:
        for program in programs.values():
            program.stop()


@pytest.fixture(scope="session")
def scene_events(scene):
    """The events `doorwatch watch --once --format json` reports with the scene running."""
    return once_events()
