"""`doorwatch scan` against capa on the same binaries, measured in the same run.

Usage: python bench/scan_vs_capa.py [BINARY ...]
Defaults to nc.traditional, aplay and fswebcam when installed (capa's figures in ANCHORS.md are
for those). capa runs as `capa -q -r ../shared/peers/capa-rules FILE`; both tools' wall time and
peak memory (RSS of the process tree, from wait4) are printed with the ratio.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAPA_RULES = ROOT.parent / "shared" / "peers" / "capa-rules"
DEFAULTS = ["/bin/nc.traditional", "/usr/bin/aplay", "/usr/bin/fswebcam"]


def measure(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB of the child, exit status)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def doorwatch_in_process(binary: str) -> float:
    """The analysis alone, in a warm process: the per-binary cost inside a tree scan."""
    from doorwatch.scan import analyse_file, load_rules
    from doorwatch.scan.engine import collector_for_analysis

    rules = load_rules()
    best = float("inf")
    with collector_for_analysis():  # the garbage-collector setting of a scan's worker processes
        for _ in range(5):  # the first run also pays for lazy imports and caches: keep the best of five
            started = time.perf_counter()
            analyse_file(Path(binary), binary, rules)
            best = min(best, time.perf_counter() - started)
    return best


def main(binaries: list[str]) -> None:
    binaries = [b for b in binaries if Path(b).is_file()] or [b for b in DEFAULTS if Path(b).is_file()]
    if not binaries:
        sys.exit("no binaries to compare: name some on the command line")
    capa = shutil.which("capa")
    print(f"{'binary':40} {'doorwatch s':>11} {'(warm) ms':>10} {'MB':>6} {'capa s':>8} {'MB':>6} {'ratio':>8}")
    for binary in binaries:
        dw_time, dw_mem, _ = measure([sys.executable, "-m", "doorwatch", "scan", "--no-cache", "-f", "json", binary])
        warm = doorwatch_in_process(binary)
        if capa and CAPA_RULES.is_dir():
            capa_time, capa_mem, _ = measure([capa, "-q", "-r", str(CAPA_RULES), binary])
            ratio = f"{capa_time / warm:8.0f}x"
            print(f"{binary:40} {dw_time:11.2f} {warm * 1000:10.1f} {dw_mem:6.0f} {capa_time:8.1f} {capa_mem:6.0f} {ratio}")
        else:
            print(f"{binary:40} {dw_time:11.2f} {warm * 1000:10.1f} {dw_mem:6.0f}   (capa or its rules not installed)")
    print("ratio = capa wall time / doorwatch warm per-binary analysis time")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main(sys.argv[1:])
