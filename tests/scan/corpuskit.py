"""What the scan tests share: the corpus labels, the toolchains and builds, compiling, and running
`doorwatch scan --format json` as a user does.

The corpus programs are compiled and only ever scanned, never executed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).parent / "corpus"
LABELS: dict[str, dict] = yaml.safe_load((CORPUS / "labels.yaml").read_text())["programs"]


@dataclass(frozen=True)
class Toolchain:
    """A compiler for one architecture, its strip tool, and the names `arch` may carry for it."""

    compiler: str
    strip: str
    accepted_names: frozenset[str]


TOOLCHAINS = {
    "x86_64": Toolchain("gcc", "strip", frozenset({"x86-64", "x86_64", "amd64", "x64"})),
    "arm": Toolchain(
        "arm-linux-gnueabi-gcc", "arm-linux-gnueabi-strip", frozenset({"arm", "armel", "arm32", "armv5", "armle"})
    ),
    "aarch64": Toolchain("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-strip", frozenset({"aarch64", "arm64"})),
    "mips": Toolchain(
        "mips-linux-gnu-gcc", "mips-linux-gnu-strip", frozenset({"mips", "mipsbe", "mipseb", "mips32", "mips32be", "mips32eb"})
    ),
    "mipsel": Toolchain(
        "mipsel-linux-gnu-gcc", "mipsel-linux-gnu-strip", frozenset({"mipsel", "mipsle", "mips32el", "mips32le"})
    ),
}

# Every architecture gets an optimised build; x86-64, ARM and MIPS (what firmware mostly is) also a
# stripped copy of it, and x86-64 an unoptimised build.
VARIANTS = {
    "x86_64": ("O2", "O2-stripped", "O0"),
    "arm": ("O2", "O2-stripped"),
    "aarch64": ("O2",),
    "mips": ("O2", "O2-stripped"),
    "mipsel": ("O2",),
}


@dataclass(frozen=True)
class Build:
    """One corpus program compiled for one architecture in one variant."""

    program: str
    arch: str
    variant: str

    @property
    def id(self) -> str:
        return f"{self.program}-{self.arch}-{self.variant}"

    @property
    def file_name(self) -> str:
        return f"{self.program}.{self.arch}.{self.variant}"


BUILDS = [Build(program, arch, variant) for program in LABELS for arch in TOOLCHAINS for variant in VARIANTS[arch]]


def _compile(build: Build, out_dir: Path) -> Path:
    toolchain = TOOLCHAINS[build.arch]
    source = CORPUS / LABELS[build.program]["source"]
    target = out_dir / build.file_name
    optimisation = "-O0" if build.variant == "O0" else "-O2"
    if build.variant == "O2-stripped":
        unstripped = out_dir / Build(build.program, build.arch, "O2").file_name
        command = [toolchain.strip, "-o", str(target), str(unstripped)]
    else:
        command = [toolchain.compiler, optimisation, "-o", str(target), str(source), "-lpthread"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")
    return target


@dataclass
class CompiledCorpus:
    directory: Path
    paths: dict[Build, Path]
    missing_toolchains: dict[str, str]  # arch -> the tool that is not installed

    def path(self, build: Build) -> Path:
        if build.arch in self.missing_toolchains:
            pytest.skip(f"{self.missing_toolchains[build.arch]} is not installed: no {build.arch} builds")
        return self.paths[build]


def run_scan(*paths: Path) -> dict:
    """`doorwatch scan --format json --no-cache PATH...` as a user runs it; its JSON document."""
    command = [sys.executable, "-m", "doorwatch", "scan", "--format", "json", "--no-cache", *map(str, paths)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        pytest.fail(f"`doorwatch scan` exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as err:
        pytest.fail(f"`doorwatch scan --format json` did not print JSON ({err}): {result.stdout[:500]!r}")


def targets_by_name(report: dict) -> dict[str, dict]:
    """The report's top-level targets keyed by file name."""
    return {Path(target["path"]).name: target for target in report.get("targets", [])}


def compile_corpus(directory: Path) -> CompiledCorpus:
    """Every corpus program built into `directory` for every architecture whose toolchain is installed."""
    missing = {
        arch: tool
        for arch, toolchain in TOOLCHAINS.items()
        for tool in (toolchain.compiler, toolchain.strip)
        if shutil.which(tool) is None
    }
    wanted = [build for build in BUILDS if build.arch not in missing]
    # Stripped copies are made from the O2 builds, so those come first.
    first = [build for build in wanted if build.variant != "O2-stripped"]
    second = [build for build in wanted if build.variant == "O2-stripped"]
    paths: dict[Build, Path] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for batch in (first, second):
            paths.update(zip(batch, pool.map(lambda build: _compile(build, directory), batch)))
    return CompiledCorpus(directory, paths, missing)
