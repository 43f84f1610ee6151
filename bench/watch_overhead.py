"""CPU overhead of `doorwatch watch` at steady state with 500 processes running.

Starts 500 sleeping processes, runs `doorwatch watch --duration 30`, and samples its CPU time with psutil.
Prints the whole-run figure (start-up included) and the steady-state figure (after the first 5 s), in
percent of one core, next to a peer measured in the same run: a plain psutil poller that lists every
process (exe, cmdline) and every inet connection at the same interval, which is what a /proc poller
without caching does.

    python bench/watch_overhead.py [--duration 30] [--processes 500] [--interval 3]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import psutil

POLLER = """
import sys, time, psutil
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    for p in psutil.process_iter(["exe", "cmdline", "name", "username"]):
        pass
    psutil.net_connections("inet")
    time.sleep(float(sys.argv[2]))
"""


def measure(argv: list[str], duration: float, warmup: float) -> tuple[float, float]:
    """(whole-run %, steady-state %) of one core used by the command."""
    began = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    handle = psutil.Process(process.pid)
    time.sleep(warmup)
    warm_cpu, warm_at = sum(handle.cpu_times()[:2]), time.monotonic()
    time.sleep(max(0.0, duration - warmup - 1.0))
    end_cpu, end_at = sum(handle.cpu_times()[:2]), time.monotonic()
    process.wait()
    return 100 * end_cpu / (end_at - began), 100 * (end_cpu - warm_cpu) / (end_at - warm_at)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--processes", type=int, default=500)
    parser.add_argument("--interval", type=float, default=3.0)
    args = parser.parse_args()

    sleepers = [subprocess.Popen(["sleep", str(args.duration * 3 + 60)]) for _ in range(args.processes)]
    try:
        print(f"{len(psutil.pids())} processes running; {args.duration:g} s runs, scans every {args.interval:g} s")
        watch = [sys.executable, "-m", "doorwatch", "watch", "--duration", str(args.duration),
                 "--interval", str(args.interval), "--format", "jsonl", "-o", "/dev/null"]
        total, steady = measure(watch, args.duration, warmup=5.0)
        print(f"doorwatch watch: {total:.2f}% of one core over the whole run, {steady:.2f}% at steady state")
        poller = [sys.executable, "-c", POLLER, str(args.duration), str(args.interval)]
        peer_total, peer_steady = measure(poller, args.duration, warmup=5.0)
        print(f"psutil poller:   {peer_total:.2f}% of one core over the whole run, {peer_steady:.2f}% at steady state")
        print(f"ratio doorwatch/psutil poller at steady state: {steady / peer_steady:.2f}" if peer_steady else "")
        print(f"budget (2% at steady state): {'met' if steady <= 2.0 else 'NOT met'}")
    finally:
        for sleeper in sleepers:
            sleeper.kill()
        for sleeper in sleepers:
            sleeper.wait()


if __name__ == "__main__":
    main()
