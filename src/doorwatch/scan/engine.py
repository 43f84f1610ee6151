"""`doorwatch scan` as a library: walk the inputs, analyse files in bounded worker processes,
reuse cached results, add what programs gain from the libraries they link, assemble the report.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import resource
import signal
import stat
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from doorwatch.errors import DoorwatchError
from doorwatch.model import Capability, Evidence, ScanReport, ScanTarget, Severity
from doorwatch.scan.analysis import Outcome, analyse_file
from doorwatch.scan.cache import ResultCache
from doorwatch.scan.rules import load_rules

INTERESTING_MAGIC = (b"\x7fELF", b"MZ", b"#!")
SYSTEM_LIBRARY_DIRS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
                       "/usr/local/lib")
LIBRARY_DEPTH = 1  # what a program links itself; deeper chains reach general-purpose libraries
MAX_LIBRARY_BYTES = 48 << 20  # larger system libraries (LLVM, browsers) are not analysed for inheritance


@dataclass(frozen=True)
class ScanOptions:
    """How a scan runs: worker count, cache, and the bounds each file is analysed within."""

    jobs: int = max(1, os.cpu_count() or 1)
    use_cache: bool = True
    timeout: float = 60.0  # seconds per file
    memory_mb: int = 2048  # address space per worker
    max_file_mb: int = 512
    cache_dir: Path | None = None
    system_libraries: bool = True


# -- one file, inside a worker --------------------------------------------------------------


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # pragma: no cover - runs on SIGALRM
    raise _Timeout()


def _limit_worker(memory_mb: int) -> None:
    """Worker initialiser: bound the address space so one hostile file cannot exhaust the machine,
    and keep the garbage collector off what lives for the whole scan."""
    try:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass
    _freeze_long_lived()


# The analysis allocates millions of small objects that almost never form cycles, while the
# rules and parse caches live for the whole scan: with the default thresholds the collector
# re-examined those again and again, about a third of the analysis time.
GC_THRESHOLDS = (100_000, 50, 100)


def _freeze_long_lived() -> tuple[int, int, int]:
    """Load the rules, exempt everything alive now from collection, collect less often; returns
    the previous thresholds."""
    load_rules()
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    return previous


@contextlib.contextmanager
def collector_for_analysis() -> Iterator[None]:
    """`_freeze_long_lived` for analysis in this process, undone afterwards."""
    previous = _freeze_long_lived()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _entry(outcome: Outcome) -> dict:
    return {
        "target": outcome.target.model_dump(mode="json", exclude={"path"}),
        "needed": outcome.needed,
        "inheritable": [cap.model_dump(mode="json") for cap in outcome.inheritable],
    }


def _outcome(entry: dict, display: str) -> Outcome:
    target = ScanTarget(path=display, **entry["target"])
    return Outcome(target, entry["needed"], [Capability(**cap) for cap in entry["inheritable"]])


def analyse_one(path: str, display: str, options: ScanOptions, explicit: bool, deep: bool = True) -> dict | None:
    """Analyse one file within the time bound, through the cache; None for an uninteresting file in a tree."""
    rules = load_rules()
    file = Path(path)
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
        size = file.stat().st_size
    except OSError as err:
        return _error_entry(f"cannot read: {err.strerror or err}")
    if not explicit and not head.startswith(INTERESTING_MAGIC) and not _maybe_container(file):
        return None
    if size > options.max_file_mb << 20:
        return _error_entry(f"larger than {options.max_file_mb} MB: not analysed")
    cache = ResultCache(rules.digest, options.cache_dir) if options.use_cache else None
    sha256 = None
    if cache is not None:
        with file.open("rb") as handle:
            sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        cached = cache.get(sha256 if deep else sha256 + "-capabilities")
        if cached is not None:
            return cached
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, options.timeout)
    try:
        entry = _entry(analyse_file(file, display, rules, deep=deep))
    except _Timeout:
        return _error_entry(f"analysis exceeded {options.timeout:g} s: skipped", sha256, size)
    except MemoryError:
        return _error_entry(f"analysis exceeded {options.memory_mb} MB: skipped", sha256, size)
    except (OSError, ValueError, DoorwatchError) as err:
        return _error_entry(f"cannot analyse: {err}", sha256, size)
    except Exception as err:  # a defect in one analysis must cost one file, never the scan
        return _error_entry(f"internal analysis error: {type(err).__name__}: {err}", sha256, size)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if cache is not None:
        cache.put(entry["target"]["sha256"] + ("" if deep else "-capabilities"), entry)
    return entry


def _maybe_container(file: Path) -> bool:
    from doorwatch.scan.analysis import detect_container

    return detect_container is not None and detect_container(file) is not None


def _error_entry(message: str, sha256: str | None = None, size: int | None = None) -> dict:
    return {"target": {"sha256": sha256, "size": size, "errors": [message]}, "needed": [], "inheritable": []}


# -- inputs ------------------------------------------------------------------------------------


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """(file, named explicitly) for every regular file under the inputs; links and devices are skipped."""
    for path in paths:
        try:
            mode = path.stat().st_mode
        except OSError as err:
            raise DoorwatchError(f"cannot read {path}: {err.strerror or err}") from err
        if stat.S_ISREG(mode):
            yield path, True
        elif stat.S_ISDIR(mode):
            for root, dirs, files in os.walk(path, onerror=None):
                dirs.sort()
                for name in sorted(files):
                    file = Path(root, name)
                    try:
                        if stat.S_ISREG(file.lstat().st_mode):
                            yield file, False
                    except OSError:
                        continue
        else:
            raise DoorwatchError(f"{path} is neither a file nor a directory")


# -- the scan ----------------------------------------------------------------------------------


def scan_paths(paths: list[Path], options: ScanOptions = ScanOptions(),
               progress: Callable[[int, int], None] | None = None) -> ScanReport:
    """Scan files and trees; every readable input yields a target (or an error on one), never a crash."""
    files = [(file, explicit, True) for file, explicit in iter_files(paths)]
    outcomes: dict[int, Outcome] = {}
    for index, entry in _run(files, options, progress):
        if entry is not None:
            outcomes[index] = _outcome(entry, str(files[index][0]))
    ordered = [outcomes[i] for i in sorted(outcomes)]
    libraries = _system_libraries(ordered, options)
    _inherit_library_capabilities(ordered, libraries)
    report = ScanReport(targets=[o.target for o in ordered])
    report.summary = summarise(report.targets)
    return report


def _run(jobs: list[tuple[Path, bool, bool]], options: ScanOptions, progress) -> Iterator[tuple[int, dict | None]]:
    """Analyse (file, named explicitly, deep) jobs in bounded worker processes, in any order."""
    total = len(jobs)
    if options.jobs <= 1 or total <= 1:
        with collector_for_analysis():
            for index, (file, explicit, deep) in enumerate(jobs):
                yield index, analyse_one(str(file), str(file), options, explicit, deep)
                if progress:
                    progress(index + 1, total)
        return
    pending = dict(enumerate(jobs))
    done = 0
    try:
        with ProcessPoolExecutor(max_workers=options.jobs, initializer=_limit_worker, initargs=(options.memory_mb,)) as pool:
            # Largest files first, so that no long analysis starts last while the other workers idle.
            largest_first = sorted(pending.items(), key=lambda item: -_size(item[1][0]))
            futures = {pool.submit(analyse_one, str(f), str(f), options, e, d): i for i, (f, e, d) in largest_first}
            for future in as_completed(futures):
                index = futures[future]
                entry = future.result()
                pending.pop(index, None)
                done += 1
                if progress:
                    progress(done, total)
                yield index, entry
    except BrokenProcessPool:
        # A worker died (a parser crash or the kernel's OOM killer): retry the rest one by one,
        # so only the file that kills its worker is reported as failed.
        for index in list(pending):
            file, explicit, deep = pending.pop(index)
            yield index, _isolated(file, explicit, deep, options)
            done += 1
            if progress:
                progress(done, total)


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0


def _isolated(file: Path, explicit: bool, deep: bool, options: ScanOptions) -> dict | None:
    try:
        with ProcessPoolExecutor(max_workers=1, initializer=_limit_worker, initargs=(options.memory_mb,)) as pool:
            return pool.submit(analyse_one, str(file), str(file), options, explicit, deep).result()
    except BrokenProcessPool:
        return _error_entry("the analysis process died on this file: skipped")


# -- libraries -------------------------------------------------------------------------------


def _tree_libraries(outcomes: list[Outcome]) -> dict[str, Outcome]:
    """Scanned ELF files by every name a program may link them by: file name and symlinks beside it."""
    by_name: dict[str, Outcome] = {}
    directories: dict[Path, list[Outcome]] = {}
    for outcome in outcomes:
        if outcome.target.type == "elf":
            path = Path(outcome.target.path)
            by_name.setdefault(path.name, outcome)
            directories.setdefault(path.parent, []).append(outcome)
    for directory, members in directories.items():
        real = {Path(o.target.path).resolve(): o for o in members}
        try:
            entries = list(directory.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                try:
                    target = entry.resolve()
                except OSError:
                    continue
                if target in real:
                    by_name.setdefault(entry.name, real[target])
    return by_name


def _system_libraries(outcomes: list[Outcome], options: ScanOptions) -> dict[str, Outcome]:
    """The libraries programs link, found in the scanned tree or analysed (capabilities only) on the system."""
    found = _tree_libraries(outcomes)
    if not options.system_libraries:
        return found
    wanted: dict[str, Path] = {}
    frontier = {Path(name).name for o in outcomes if o.target.type == "elf" for name in o.needed}
    for _ in range(LIBRARY_DEPTH):
        batch = {}
        for name in frontier - found.keys() - wanted.keys():
            path = _system_library_path(name)
            if path is not None:
                batch[name] = path
        if not batch:
            break
        jobs = [(path, True, False) for path in batch.values()]
        names = list(batch)
        following = set()
        for index, entry in _run(jobs, options, None):
            if entry is not None:
                outcome = _outcome(entry, str(batch[names[index]]))
                found[names[index]] = outcome
                following.update(Path(name).name for name in outcome.needed)
        wanted.update(batch)
        frontier = following
    return found


def _system_library_path(name: str) -> Path | None:
    for directory in SYSTEM_LIBRARY_DIRS:
        candidate = Path(directory, name)
        try:
            if candidate.is_file() and candidate.stat().st_size <= MAX_LIBRARY_BYTES:
                return candidate
        except OSError:
            continue
    return None


def _inherit_library_capabilities(outcomes: list[Outcome], libraries: dict[str, Outcome]) -> None:
    """Give each program the capabilities of the shared libraries it links (DT_NEEDED), found in the
    scanned tree first and on the system second: ffmpeg films through libavdevice."""
    for outcome in outcomes:
        if outcome.target.type != "elf" or not outcome.needed:
            continue
        gained: dict[str, list[Evidence]] = {}
        frontier, seen = [(Path(name).name, Path(name).name) for name in outcome.needed], set()
        for _ in range(LIBRARY_DEPTH):
            following = []
            for name, via in frontier:
                lib = libraries.get(name)
                if name in seen or lib is None or lib.target.arch != outcome.target.arch or lib is outcome:
                    continue
                seen.add(name)
                for cap in lib.inheritable:
                    shown = ", ".join(ev.value for ev in cap.evidence[:3])
                    gained.setdefault(cap.id, []).append(Evidence(
                        kind="library", value=via, path=lib.target.path,
                        detail=f"{cap.id} through {via}" + (f" (which links {name})" if via != name else "") + f": {shown}"))
                following.extend((Path(child).name, via) for child in lib.needed)
            frontier = following
        own = {cap.id: cap for cap in outcome.target.capabilities}
        for cap_id, evidence in gained.items():
            if cap_id in own:
                own[cap_id].evidence.extend(evidence[:2])
            else:
                outcome.target.capabilities.append(Capability(id=cap_id, evidence=evidence[:3]))
        outcome.target.capabilities.sort(key=lambda cap: cap.id)


# -- summary ----------------------------------------------------------------------------------


def _walk_targets(targets: list[ScanTarget]) -> Iterator[ScanTarget]:
    for target in targets:
        yield target
        if target.children:
            yield from _walk_targets(target.children)


def all_targets(report: ScanReport) -> list[ScanTarget]:
    """Every target, children of images and archives included."""
    return list(_walk_targets(report.targets))


def summarise(targets: list[ScanTarget]) -> dict:
    flat = list(_walk_targets(targets))
    by_severity = {sev.value: 0 for sev in Severity}
    capabilities: dict[str, int] = {}
    for target in flat:
        for finding in target.findings:
            by_severity[Severity(finding.severity).value] += 1
        for cap in target.capabilities:
            capabilities[cap.id] = capabilities.get(cap.id, 0) + 1
    return {
        "targets": len(flat),
        "errors": sum(1 for t in flat if t.errors),
        "findings": by_severity,
        "capabilities": dict(sorted(capabilities.items())),
    }


def severities(report: ScanReport) -> list[str]:
    return [finding.severity for target in all_targets(report) for finding in target.findings]
