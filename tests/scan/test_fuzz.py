"""Bounded fuzzing of the parsing entry points: malformed input is an error on the target, never a crash."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from doorwatch.scan import analyse_file, load_rules

SOURCE = "#include <stdio.h>\n#include <stdlib.h>\nint main(int c, char **v) { if (c > 1) system(v[1]); puts(\"x\"); return 0; }\n"


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    directory = tmp_path_factory.mktemp("fuzz-seeds")
    found = {}
    for name, compiler in (("x86-64", "gcc"), ("mips", "mips-linux-gnu-gcc"), ("arm", "arm-linux-gnueabi-gcc")):
        out = directory / name
        try:
            subprocess.run([compiler, "-O2", "-o", str(out), "-x", "c", "-"], input=SOURCE, text=True, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            continue
        found[name] = out.read_bytes()
    return found


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _analyse(tmp_path: Path, data: bytes):
    path = tmp_path / "sample"
    path.write_bytes(data)
    return analyse_file(path, "sample", load_rules()).target


@FUZZ
@given(data=st.data())
def test_mutated_executables_never_crash(seeds, tmp_path, data):
    arch = data.draw(st.sampled_from(sorted(seeds)))
    blob = bytearray(seeds[arch])
    for _ in range(data.draw(st.integers(1, 24))):
        position = data.draw(st.integers(4, len(blob) - 1))  # the magic stays: the parser must face the rest
        blob[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(16, len(blob)))
    target = _analyse(tmp_path, bytes(blob[:cut]))
    assert target.type == "elf" and target.sha256


@FUZZ
@given(body=st.binary(max_size=4096), magic=st.sampled_from([b"\x7fELF", b"MZ", b"#!", b""]))
def test_random_bytes_never_crash(tmp_path, body, magic):
    target = _analyse(tmp_path, magic + body)
    assert target.sha256 is not None
