"""Captures recorded by tcpdump while real sockets talk on loopback."""

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tcpdump") is None, reason="tcpdump is not installed")

DLINK_REQUEST = b"GET /tools_admin.php HTTP/1.1\r\nHost: router\r\nUser-Agent: xmlset_roodkcableoj28840ybtide\r\n\r\n"


class Recorder:
    """tcpdump writing everything it sees on an interface to a file, until stopped."""

    def __init__(self, interface: str, path: Path):
        self.path = path
        self.process = subprocess.Popen(["tcpdump", "-i", interface, "--immediate-mode", "-U", "-n", "-w", str(path), "ip or ip6"],
                                        stderr=subprocess.PIPE, text=True)
        line = ""
        while "listening" not in line:  # tcpdump says "listening on ..." once the capture runs
            line = self.process.stderr.readline()
            if not line:
                self.process.kill()
                pytest.fail("tcpdump stopped before capturing")
        time.sleep(0.2)

    def stop(self) -> Path:
        time.sleep(0.3)
        self.process.terminate()
        self.process.wait(timeout=10)
        return self.path


def serve_once(host: str, port: int, reply: bytes) -> threading.Thread:
    """A TCP listener that accepts one connection, reads, answers and closes."""
    server = socket.create_server((host, port))

    def run():
        with server:
            connection, _ = server.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(reply)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def send_udp(source: str, target: tuple[str, int], payload: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((source, 0))
        sock.sendto(payload, target)


def real_traffic() -> None:
    send_udp("127.0.0.1", ("127.0.0.1", 7329), b"w302r_mfg\x00x/bin/ls")
    send_udp("127.0.0.1", ("127.0.0.1", 9), b"\xff" * 6 + bytes.fromhex("001b21a0b0c0") * 16)
    web = serve_once("127.0.0.1", 18080, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    with socket.create_connection(("127.0.0.1", 18080)) as client:
        client.sendall(DLINK_REQUEST)
        client.recv(4096)
    web.join(5)
    # an unknown implant: the sender knocks on a quiet UDP port, the target connects back to it
    shell = serve_once("127.0.0.2", 14444, b"ok\n")
    send_udp("127.0.0.2", ("127.0.0.3", 31999), b"\x13\x37MAGIC-KNOCK-v2\x00")
    time.sleep(0.3)
    with socket.create_connection(("127.0.0.2", 14444), source_address=("127.0.0.3", 0)) as back:
        back.sendall(b"uid=0(root)\n")
        back.recv(100)
    shell.join(5)


@pytest.fixture(scope="module", params=["lo", "any"])
def recorded(request, tmp_path_factory) -> Path:
    recorder = Recorder(request.param, tmp_path_factory.mktemp("lo") / f"{request.param}.pcap")
    try:
        real_traffic()
    finally:
        path = recorder.stop()
    return path


def test_signals_sent_through_real_sockets_are_found(recorded):
    result = subprocess.run([sys.executable, "-m", "doorwatch", "pcap", "--format", "json", str(recorded)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    seen = {(next((e["value"] for e in event["evidence"] if e["kind"] in ("rule", "target-mac")), None),
             event["src"], event["dst"], event["dport"], event["severity"]) for event in report["events"]}
    # other programs may talk on loopback during the capture: look for ours, tolerate theirs
    assert ("tenda-w302r-mfg", "127.0.0.1", "127.0.0.1", 7329, "critical") in seen
    assert ("dlink-roodkcableoj", "127.0.0.1", "127.0.0.1", 18080, "critical") in seen
    assert ("00:1b:21:a0:b0:c0", "127.0.0.1", "127.0.0.1", 9, "medium") in seen
    assert ("generic-magic-prefix", "127.0.0.2", "127.0.0.3", 31999, "high") in seen
    assert report["files"][0]["link_type"] in ("ethernet", "linux-sll", "linux-sll2")
