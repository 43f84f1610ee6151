"""Speed of `doorwatch pcap` against tcpdump and tshark on one generated capture.

Writes a pcap of N packets (default 5,000,000; first argument to change it) with a realistic mix
built with numpy: TCP flows (handshakes, data, ACKs) to many servers, QUIC-like UDP, DNS queries and
answers, NTP; then times `doorwatch pcap`, `tcpdump -n -q -r FILE` and `tshark -q -z conv,ip -r FILE`
on it and prints packets per second for each and the ratios.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RNG = np.random.default_rng(7)


def _put(buf: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> None:
    """Write rows[i] at buf[offsets[i]:...]."""
    buf[offsets[:, None] + np.arange(rows.shape[1])] = rows


def _be(values: np.ndarray, width: int) -> np.ndarray:
    return values.astype(f">u{width}").view(np.uint8).reshape(-1, width)


def _le32(values: np.ndarray) -> np.ndarray:
    return values.astype("<u4").view(np.uint8).reshape(-1, 4)


def write_capture(path: Path, count: int) -> int:
    """A pcap of `count` packets; returns its size in bytes."""
    flows = max(count // 100, 1000)
    client = (10 << 24) + RNG.integers(1, 1 << 16, flows)
    server = RNG.integers(0x01000000, 0xDF000000, flows)
    sport = RNG.integers(32768, 61000, flows)
    dport = RNG.choice([443, 443, 443, 80, 8080, 22, 993, 5222], flows)
    kind = RNG.choice(4, count, p=[0.72, 0.16, 0.08, 0.04])  # 0 tcp, 1 quic-like udp, 2 dns, 3 ntp
    flow = (np.minimum(RNG.zipf(1.3, count) - 1, flows - 1) ^ RNG.integers(0, 64, count)) % flows
    to_server = RNG.random(count) < 0.45
    tcp_payload = np.where(RNG.random(count) < 0.5, 0, np.minimum(RNG.exponential(500, count).astype(np.int64), 1400))
    udp_payload = np.minimum(RNG.exponential(600, count).astype(np.int64) + 30, 1350)
    dns_payload = np.full(count, 40)
    ntp_payload = np.full(count, 48)
    payload = np.select([kind == 0, kind == 1, kind == 2], [tcp_payload, udp_payload, dns_payload], ntp_payload)
    l4_size = np.where(kind == 0, 20, 8)
    caplen = 14 + 20 + l4_size + payload
    record = 16 + caplen
    offsets = 24 + np.concatenate([[0], np.cumsum(record)[:-1]])
    total = int(24 + record.sum())
    buf = np.zeros(total, np.uint8)
    buf[:24] = np.frombuffer(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"), np.uint8)

    ts = 1_700_000_000 + np.sort(RNG.random(count)) * 3600
    seconds = ts.astype(np.int64)
    header = np.hstack([_le32(seconds), _le32(((ts - seconds) * 1e6).astype(np.int64)), _le32(caplen), _le32(caplen)])
    _put(buf, offsets, header)
    frame = offsets + 16
    ether = np.frombuffer(bytes.fromhex("020000000002020000000001" + "0800"), np.uint8)
    _put(buf, frame, np.broadcast_to(ether, (count, 14)))

    resolver, ntp_server = (10 << 24) + 53, (193 << 24) + (204 << 16) + 114
    proto = np.where(kind == 0, 6, 17)
    remote = np.select([kind == 2, kind == 3], [resolver, ntp_server], server[flow])
    local = client[flow]
    src = np.where(to_server, local, remote)
    dst = np.where(to_server, remote, local)
    lport = np.where(kind == 3, 123, sport[flow])
    rport = np.select([kind == 1, kind == 2, kind == 3], [443, 53, 123], dport[flow])
    sp, dp = np.where(to_server, lport, rport), np.where(to_server, rport, lport)
    ip = np.hstack([np.broadcast_to(np.array([0x45, 0], np.uint8), (count, 2)), _be(20 + l4_size + payload, 2),
                    np.zeros((count, 4), np.uint8), np.full((count, 1), 64, np.uint8), proto.astype(np.uint8)[:, None],
                    np.zeros((count, 2), np.uint8), _be(src, 4), _be(dst, 4)])
    _put(buf, frame + 14, ip)
    l4 = frame + 34
    _put(buf, l4, np.hstack([_be(sp, 2), _be(dp, 2)]))
    tcp = np.flatnonzero(kind == 0)
    flags = np.where(payload[tcp] > 0, 0x18, 0x10)
    tcp_rest = np.hstack([_be(RNG.integers(0, 1 << 32, len(tcp)), 4), _be(RNG.integers(0, 1 << 32, len(tcp)), 4),
                          np.full((len(tcp), 1), 0x50, np.uint8), flags.astype(np.uint8)[:, None],
                          np.zeros((len(tcp), 6), np.uint8)])
    _put(buf, l4[tcp] + 4, tcp_rest)
    udp = np.flatnonzero(kind != 0)
    _put(buf, l4[udp] + 4, np.hstack([_be(8 + payload[udp], 2), np.zeros((len(udp), 2), np.uint8)]))

    names = [f"www{n:04d}.site{n % 97:03d}.com".encode() for n in range(2000)]
    queries = np.array([list(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                             + b"".join(bytes([len(label)]) + label for label in name.split(b".")) + b"\x00\x00\x01\x00\x01")
                        for name in names], np.uint8)
    dns = np.flatnonzero(kind == 2)
    rows = queries[RNG.integers(0, len(names), len(dns))]
    rows[:, 2] |= np.where(to_server[dns], 0, 0x80).astype(np.uint8)  # answers from the resolver
    _put(buf, l4[dns] + 8, rows)
    ntp = np.flatnonzero(kind == 3)
    _put(buf, l4[ntp] + 8, np.broadcast_to(np.array([0x23] + [0] * 47, np.uint8), (len(ntp), 48)))
    body = np.flatnonzero((kind <= 1) & (payload >= 16))  # encrypted-looking payload: first 16 bytes random
    _put(buf, l4[body] + l4_size[body], RNG.integers(0, 256, (len(body), 16), dtype=np.uint8))
    buf.tofile(path)
    return total


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.pcap"
        started = time.perf_counter()
        size = write_capture(path, count)
        print(f"capture: {count:,} packets, {size / 1e6:.0f} MB, written in {time.perf_counter() - started:.1f} s")
        doorwatch = [sys.executable, "-m", "doorwatch", "pcap", "--format", "json", "-o", os.devnull, str(path)]
        timed(["cat", str(path)])  # warm the page cache so every tool reads from memory
        load = os.getloadavg()[0]
        results = {"doorwatch pcap": timed(doorwatch)}
        if shutil.which("tcpdump"):
            results["tcpdump -n -q"] = timed(["tcpdump", "-n", "-q", "-r", str(path)])
        if shutil.which("tshark") and "--no-tshark" not in sys.argv:
            results["tshark -q -z conv,ip"] = timed(["tshark", "-q", "-z", "conv,ip", "-r", str(path)])
        print(f"load average before the runs: {load:.1f} on {os.cpu_count()} cores (other work slows every tool)")
        ours = results["doorwatch pcap"][0]
        for name, (wall, cpu) in results.items():
            ratio = "" if name == "doorwatch pcap" else f"   doorwatch {wall / ours:.1f}x faster"
            print(f"{name:24s} {wall:8.2f} s wall {cpu:8.2f} s cpu  {count / wall / 1e6:6.2f} M packets/s{ratio}")


if __name__ == "__main__":
    main()
