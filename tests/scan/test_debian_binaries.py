"""`doorwatch scan` on real Debian programs that legitimately use a camera, a microphone, packet
sockets, location, Wake-on-LAN or screen capture.

The packages are unpacked (never installed, never run) by `scripts/fetch-debian-binaries.sh` into
`.cache/debian-binaries` at the repository root, or the directory in DOORWATCH_DEBIAN_BINARIES.
The whole unpacked tree is scanned once, so the libraries the programs link are there too.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scan.corpuskit import run_scan

SEVERE = {"high", "critical"}
REPO = Path(__file__).resolve().parents[2]
DEBIAN_BINARIES = Path(os.environ.get("DOORWATCH_DEBIAN_BINARIES", REPO / ".cache" / "debian-binaries"))

# program inside the unpacked tree -> capabilities it must be reported with
EXPECTED = {
    "usr/bin/arecord": {"microphone"},
    "usr/bin/fswebcam": {"camera"},
    "usr/bin/ffmpeg": {"camera"},
    "bin/nc.traditional": {"exec-shell", "network-listen"},
    "usr/bin/tcpdump": {"packet-socket", "bpf-filter"},
    "usr/bin/gpspipe": {"location"},
    "usr/sbin/etherwake": {"wake-on-lan"},
    "usr/bin/x11vnc": {"screen-capture", "network-listen"},
}


@pytest.fixture(scope="session")
def debian_targets() -> dict[str, dict]:
    """One scan of the unpacked packages; targets keyed by their path inside the tree."""
    if not DEBIAN_BINARIES.is_dir():
        pytest.skip(f"{DEBIAN_BINARIES} is absent: run scripts/fetch-debian-binaries.sh {DEBIAN_BINARIES}")
    report = run_scan(DEBIAN_BINARIES)
    root = DEBIAN_BINARIES.resolve()
    targets = {}
    for target in report.get("targets", []):
        path = Path(target["path"])
        path = path if path.is_absolute() else (Path.cwd() / path)
        try:
            targets[path.absolute().relative_to(root).as_posix()] = target
        except ValueError:
            try:
                targets[path.resolve().relative_to(root).as_posix()] = target
            except ValueError:
                continue
    return targets


def _target(debian_targets: dict[str, dict], program: str) -> dict:
    """The program's target; a program that is a symbolic link (arecord -> aplay) may be reported as its file."""
    if program in debian_targets:
        return debian_targets[program]
    real = (DEBIAN_BINARIES / program).resolve().relative_to(DEBIAN_BINARIES.resolve()).as_posix()
    assert real in debian_targets, f"`doorwatch scan` reported no target for {program}"
    return debian_targets[real]


def _capabilities(target: dict) -> dict[str, list[dict]]:
    return {capability["id"]: capability.get("evidence", []) for capability in target.get("capabilities", [])}


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_program_capabilities(program: str, debian_targets):
    capabilities = _capabilities(_target(debian_targets, program))
    missing = EXPECTED[program] - set(capabilities)
    assert not missing, f"{program}: {sorted(missing)} not reported (got {sorted(capabilities)})"


def test_ffmpeg_camera_comes_from_libavdevice(debian_targets):
    evidence = _capabilities(_target(debian_targets, "usr/bin/ffmpeg")).get("camera", [])
    named = [
        item for item in evidence
        if any("libavdevice" in str(item.get(key) or "") for key in ("value", "path", "detail"))
    ]
    assert named, f"ffmpeg's camera evidence does not name libavdevice: {evidence}"


@pytest.mark.parametrize("program", sorted(EXPECTED))
def test_program_has_no_high_finding(program: str, debian_targets):
    target = _target(debian_targets, program)
    severe = [(f["id"], f["severity"], f.get("evidence")) for f in target.get("findings", []) if f["severity"] in SEVERE]
    assert not severe, f"{program} is a legitimate Debian program but got {severe}"


def test_no_file_of_the_packages_has_a_high_finding(debian_targets):
    severe = {
        path: [f["id"] for f in target.get("findings", []) if f["severity"] in SEVERE]
        for path, target in debian_targets.items()
    }
    flagged = {path: ids for path, ids in severe.items() if ids}
    assert not flagged, f"files of legitimate Debian packages flagged high or critical: {flagged}"
