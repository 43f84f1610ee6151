"""`doorwatch scan` on Windows executables: PE files compiled with MinGW-w64 during the test run.

The programs in tests/scan/pe/ are Windows versions of three trigger mechanisms (a UDP magic string
running a command, a TCP knock integer handing out a command interpreter, a constant password
opening a command session, checked in a helper function of its own at -O0) and one look-alike (a
verb-dispatching file server). They are compiled for 64-bit and 32-bit Windows, optimised and
unoptimised, and only ever scanned.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scan.corpuskit import run_scan, targets_by_name

SOURCES = Path(__file__).parent / "pe"
COMPILERS = {"win64": "x86_64-w64-mingw32-gcc", "win32": "i686-w64-mingw32-gcc"}
ARCH = {"win64": "x86-64", "win32": "x86"}
SEVERE = {"high", "critical"}

# program -> the trigger constant the evidence must show (as a user would search for it)
BACKDOORS = {
    "udp_magic_exec": ("zq81", "0x3138717a"),
    "tcp_knock_shell": ("0x5a17c3e9",),
    "service_password": ("Qx7!vR2#mLp9",),
}
BENIGN = ("verb_server",)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> dict[str, dict]:
    """Every program built for every installed MinGW compiler at -O2 and -O0, scanned in one run."""
    available = {name: compiler for name, compiler in COMPILERS.items() if shutil.which(compiler)}
    if not available:
        pytest.skip("MinGW-w64 (gcc-mingw-w64-x86-64-posix) is not installed: no PE builds")
    directory = tmp_path_factory.mktemp("pe")
    for source in sorted(SOURCES.glob("*.c")):
        for target, compiler in available.items():
            for level in ("O2", "O0"):
                out = directory / f"{source.stem}.{target}.{level}.exe"
                subprocess.run([compiler, f"-{level}", "-o", str(out), str(source), "-lws2_32"], check=True, capture_output=True)
    return targets_by_name(run_scan(directory))


def _builds(programs) -> list[tuple[str, str, str]]:
    return [(program, target, level) for program in programs for target in COMPILERS for level in ("O2", "O0")]


def _target(scanned: dict, program: str, target: str, level: str) -> dict:
    name = f"{program}.{target}.{level}.exe"
    if name not in scanned:
        pytest.skip(f"{COMPILERS[target]} is not installed")
    return scanned[name]


@pytest.mark.parametrize("program, target, level", _builds(BACKDOORS))
def test_pe_backdoors_are_found_with_their_trigger_constant(scanned, program, target, level):
    found = _target(scanned, program, target, level)
    assert found["type"] == "pe" and found["arch"] == ARCH[target] and not found["errors"]
    severe = [f for f in found["findings"] if f["severity"] in SEVERE]
    assert severe, f"no high or critical finding: {found['findings']}"
    shown = " ".join(str(e.get("value")) for f in severe for e in f["evidence"])
    assert any(constant in shown for constant in BACKDOORS[program]), shown


@pytest.mark.parametrize("program, target, level", _builds(BENIGN))
def test_pe_look_alikes_get_nothing_high(scanned, program, target, level):
    found = _target(scanned, program, target, level)
    assert found["type"] == "pe" and not found["errors"]
    assert not [f for f in found["findings"] if f["severity"] in SEVERE], found["findings"]
    assert "network-listen" in {c["id"] for c in found["capabilities"]}


def test_pe_capabilities_come_from_imports(scanned):
    found = _target(scanned, "tcp_knock_shell", "win64", "O2")
    assert {"exec-shell", "network-listen"} <= {c["id"] for c in found["capabilities"]}
