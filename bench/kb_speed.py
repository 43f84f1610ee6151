"""Speed of the provenance knowledge base.

Prints: index build time; load time from the cache; time per lookup once loaded; attribution time
for an audit-sized inventory (thousands of components built from real ids); and the cold-start time
of `doorwatch kb lookup` in a fresh process, with the command line's own start-up (`--help`) shown
separately. Times are CPU time, so a busy shared machine disturbs them less than wall-clock. Peer measured in the same run: netaddr's IEEE registry lookup (`EUI(mac).oui.registration()`),
per lookup and from a cold process.

    python bench/kb_speed.py
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time


def best_of(runs: int, command: list[str], env: dict) -> float:
    """Least CPU time (user + system) of a fresh process over a few runs.

    CPU time rather than wall-clock, so other work on a shared machine does not count against us."""
    return min(cpu for cpu, _ in timed_runs(runs, command, env))


def timed_runs(runs: int, command: list[str], env: dict) -> list[tuple[float, float]]:
    """(CPU seconds, wall seconds) of each fresh process."""
    times = []
    for _ in range(runs):
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall))
    return times


def per_call(function, items) -> float:
    """CPU seconds per call."""
    start = time.process_time()
    for item in items:
        function(item)
    return (time.process_time() - start) / len(items)


def components(kb, count: int):
    """An inventory-like mix of hardware and packages, from real identifiers."""
    from doorwatch.model import Component

    rng = random.Random(1)
    pci = rng.sample(sorted(kb.index["pci_devices"]), count // 4)
    usb = rng.sample(sorted(kb.index["usb_products"]), count // 4)
    ouis = rng.sample(sorted(kb.index["oui_l"]), count // 8)
    made = [Component(ref=f"p{i}", kind="pci", category="hardware", name=key, ids={"pci": key}) for i, key in enumerate(pci)]
    made += [Component(ref=f"u{i}", kind="usb", category="hardware", name=key, ids={"usb": key}) for i, key in enumerate(usb)]
    made += [Component(ref=f"m{i}", kind="nic", category="hardware", name="eth", ids={"mac": f"{o[:2]}:{o[2:4]}:{o[4:]}:01:02:03"}) for i, o in enumerate(ouis)]
    packages = ["libc6", "curl", "bash", "wps-office", "google-chrome-stable", "python3-requests", "nvidia-driver-535", "dde-dock", "openssl"]
    while len(made) < count:
        name = rng.choice(packages) + f"-{len(made)}" if rng.random() < 0.8 else rng.choice(packages)
        made.append(Component(ref=f"d{len(made)}", kind="package", category="software", name=name, ids={"deb": name},
                              properties={"maintainer": "Debian Developers <debian-devel@lists.debian.org>"}))
    return made


def main() -> int:
    cache = tempfile.mkdtemp(prefix="kb-bench-")
    os.environ["DOORWATCH_CACHE_DIR"] = cache
    env = {**os.environ}
    from doorwatch.kb.index import load_index

    start = time.perf_counter()
    load_index()
    print(f"index build (first use, then cached):       {time.perf_counter() - start:8.3f} s")
    load = best_of(5, [sys.executable, "-c", "from doorwatch.kb import KnowledgeBase; KnowledgeBase.load().lookup('pci:8086')"], env)
    imports = best_of(5, [sys.executable, "-c", "import doorwatch.kb"], env)
    print(f"cold process: import + load + 1 lookup:     {load:8.3f} s CPU (import alone {imports:.3f} s)")

    from doorwatch.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    keys = [f"pci:{v}" for v in list(kb.index["pci_vendors"])[:500]] + [f"usb:{v}" for v in list(kb.index["usb_vendors"])[:500]]
    keys += [f"oui:{p}" for p in list(kb.index["oui_l"])[:500]] + ["cpu:GenuineIntel", "arm:0x41", "org:LENOVO", "org:Dell Inc."] * 50
    kb.lookup("oui:001b21")
    kb.lookup("org:Example Widget Factory")
    ours = per_call(kb.lookup, keys)
    print(f"lookup once loaded (no answer cache):       {ours * 1e6:8.1f} µs per key over {len(keys)} keys")
    names = [f"org:{name}" for name in random.Random(2).sample(sorted(kb.index["usb_vendors"].values()), 300)]
    print(f"org: lookup of an unseen name (matcher):    {per_call(kb.lookup, names) * 1e6:8.1f} µs per name")

    import netaddr

    macs = [f"{p[:2]}-{p[2:4]}-{p[4:]}-00-00-01" for p in list(kb.index["oui_l"])[:500]]
    peer = per_call(lambda mac: netaddr.EUI(mac).oui.registration()["org"], macs)
    mine = per_call(lambda mac: kb.lookup(f"oui:{mac}"), macs)
    print(f"OUI lookup: doorwatch {mine * 1e6:.1f} µs, peer netaddr {peer * 1e6:.1f} µs (ratio {peer / mine:.1f}x faster)")

    for count in (2000, 5000):
        inventory = components(kb, count)
        fresh = KnowledgeBase(kb.index)
        start = time.process_time()
        for component in inventory:
            fresh.attribute(component)
        print(f"attribute {count} components (fresh caches): {(time.process_time() - start) * 1000:8.1f} ms CPU")

    doorwatch = [sys.executable, "-m", "doorwatch"]
    runs = timed_runs(9, [*doorwatch, "kb", "lookup", "pci:8086", "usb:0bda", "oui:00:1b:21", "org:LENOVO", "--format", "json"], env)
    cold = min(cpu for cpu, _ in runs)
    walls = sorted(wall for _, wall in runs)
    start_up = best_of(5, [*doorwatch, "--version"], env)
    interpreter = min(wall for _, wall in timed_runs(9, [sys.executable, "-c", "pass"], env))
    peer_cold = best_of(5, [sys.executable, "-c", "import netaddr; print(netaddr.EUI('00-1B-21-00-00-01').oui.registration()['org'])"], env)
    print(f"cold `doorwatch kb lookup` (4 keys):        {cold:8.3f} s CPU; CLI start-up alone (--version) {start_up:.3f} s;"
          f" knowledge base share {cold - start_up:.3f} s")
    print(f"  wall clock over {len(walls)} runs: best {walls[0]:.3f} s, median {walls[len(walls) // 2]:.3f} s"
          f" (the bare interpreter, `python -c pass`: best {interpreter:.3f} s)")
    single = sorted(wall for _, wall in timed_runs(9, [*doorwatch, "kb", "lookup", "pci:10ec", "--format", "json"], env))
    print(f"cold `doorwatch kb lookup pci:10ec` (1 key): wall clock best {single[0]:.3f} s, median {single[len(single) // 2]:.3f} s")
    print(f"peer cold netaddr OUI lookup:               {peer_cold:8.3f} s CPU (ratio doorwatch/peer {cold / peer_cold:.2f})")
    print(f"machine load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
