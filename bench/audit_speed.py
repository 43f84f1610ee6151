"""How long a full `doorwatch audit` of this machine takes, and how many components it finds.

Peer, run in the same process: the shell tools an auditor would otherwise run for a
partial inventory with no origin and no policy (`lspci -vvnn`, `lsusb -v`,
`dpkg-query -W`), timed as subprocesses.

    python bench/audit_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from doorwatch.audit import inventory, judge
from doorwatch.policy.schema import load_policy

STORE = "/tmp/doorwatch-bench-audits.sqlite"
PEER_COMMANDS = [["lspci", "-vvnn"], ["lsusb", "-v"], ["dpkg-query", "-W"]]


def time_audit() -> tuple[float, int, dict[str, float]]:
    started = time.perf_counter()
    inv, timings = inventory("/")
    report = judge(inv, load_policy("domestic-only"), "secret", {"allow_origin": ["CN"]})
    return time.perf_counter() - started, len(report.components), timings


def time_command() -> float:
    """The whole command as a user runs it: interpreter start, imports, audit, JSON, store."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "doorwatch", "audit", "--policy", "domestic-only", "--allow-origin", "CN",
                    "--format", "json", "--store", STORE], stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def time_peer() -> float | None:
    commands = [cmd for cmd in PEER_COMMANDS if shutil.which(cmd[0])]
    if not commands:
        return None
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cold, count, timings = time_audit()
    warm = [time_audit()[0] for _ in range(args.runs)]
    command = [time_command() for _ in range(args.runs)]
    peer = [t for t in (time_peer() for _ in range(args.runs)) if t is not None]
    print(f"doorwatch audit (policy domestic-only, CN, secret): {count} components")
    print(f"  first run in this process: {cold:.3f} s")
    print(f"  median of {args.runs} further runs: {statistics.median(warm):.3f} s (max {max(warm):.3f} s)")
    print(f"  the command `doorwatch audit ... --format json` end to end: median {statistics.median(command):.3f} s (max {max(command):.3f} s)")
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:6]
    print("  slowest stages of the first run: " + ", ".join(f"{name} {sec * 1000:.0f} ms" for name, sec in slowest))
    if peer:
        median_peer = statistics.median(peer)
        print(f"peer: {' + '.join(' '.join(c) for c in PEER_COMMANDS)}: median {median_peer:.3f} s (no origin, no policy)")
        print(f"ratio doorwatch / peer: {statistics.median(warm) / median_peer:.2f}")
    print("target: a full audit (inventory, attribution, policy; knowledge base loaded) under 2 s:", "met" if cold < 2 else "NOT met")
    print("  the command also pays for the interpreter and its libraries (SQLAlchemy alone takes about 0.5 s to import)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
