"""`doorwatch scan` over this machine's executables: time, peak memory, and every file with a high finding.

Usage: python bench/scan_system.py [--jobs 2] [DIR ...]   (default: /usr/bin /usr/sbin /usr/lib)
Prints the wall time and peak memory of the whole scan (no cache), the share of ELF files with a
high or critical finding (the target is at most 0.5%), and lists those files. The YARA-X byte
reading floor over the same files is measured in the same run for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_scan(dirs: list[str], jobs: int) -> tuple[dict, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scan.json"
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "doorwatch", "scan", "--no-cache", "--jobs", str(jobs),
                                    "-f", "json", "-o", str(out), *dirs], stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        peak_mb = max(usage.ru_maxrss, 0) / 1024
        children = __import__("resource").getrusage(__import__("resource").RUSAGE_CHILDREN).ru_maxrss / 1024
        return json.loads(out.read_text()), elapsed, max(peak_mb, children)


def yara_floor(dirs: list[str]) -> float:
    """One YARA-X rule set over the same ELF files: the byte-reading floor of any scanner."""
    import yara_x

    scanner = yara_x.Scanner(yara_x.compile('rule s { strings: $a = "/bin/sh" $b = "/dev/video" condition: any of them }'))
    started = time.perf_counter()
    for directory in dirs:
        for root, _, files in os.walk(directory):
            for name in files:
                path = os.path.join(root, name)
                try:
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue
                    with open(path, "rb") as handle:
                        if handle.read(4) != b"\x7fELF":
                            continue
                    scanner.scan_file(path)
                except (OSError, yara_x.ScanError):
                    continue
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dirs", nargs="*", default=["/usr/bin", "/usr/sbin", "/usr/lib"])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    report, elapsed, peak = run_scan(args.dirs, args.jobs)

    def walk(targets):
        for target in targets:
            yield target
            yield from walk(target.get("children") or [])

    elf = [t for t in walk(report["targets"]) if t["type"] == "elf"]
    flagged = [t for t in elf if any(f["severity"] in ("high", "critical") for f in t["findings"])]
    print(f"directories: {' '.join(args.dirs)}  jobs: {args.jobs}")
    print(f"ELF files: {len(elf)}  targets: {len(report['targets'])}  errors: {report['summary']['errors']}")
    print(f"doorwatch scan: {elapsed:.1f} s wall, peak {peak:.0f} MB (largest process)")
    print(f"ELF files with a high or critical finding: {len(flagged)} = {100 * len(flagged) / max(1, len(elf)):.2f}% (target <= 0.5%)")
    for target in flagged:
        for finding in target["findings"]:
            if finding["severity"] in ("high", "critical"):
                print(f"  {target['path']}: {finding['severity']} {finding['id']}: {finding['title']}")
    sys.stdout.flush()
    floor = yara_floor(args.dirs)
    print(f"YARA-X floor (one pass, one thread, same ELF files): {floor:.1f} s  -> doorwatch/floor {elapsed / floor:.1f}x")


if __name__ == "__main__":
    main()
