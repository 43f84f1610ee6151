"""`doorwatch scan` on programs that enter the kernel directly and on programs that rewrite argv[0].

Small C programs are compiled for every architecture whose compiler is installed (static and
dynamic on x86-64 and AArch64) and the directory is scanned once with `doorwatch scan --format json`.
A raw `socket(AF_PACKET, ...)` or `execve` made with the architecture's kernel-entry instruction, or
through glibc's `syscall(SYS_xxx, ...)`, must give the same capability as the library call would,
with evidence naming the system call and its address; overwriting argv[0] must show as
`process-masquerade`. Programs that only read argv[0] or make harmless system calls must not.
The programs are only compiled and scanned, never run.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lief
import pytest

from scan.corpuskit import TOOLCHAINS, run_scan, targets_by_name

# The same three-argument kernel entry on each architecture, as hand-written implants do it.
RAW_SYSCALL = r"""
#include <sys/syscall.h>
static long raw3(long n, long a, long b, long c) {
    long ret;
#if defined(__x86_64__)
    __asm__ volatile ("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = n; register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b; register long x2 __asm__("x2") = c;
    __asm__ volatile ("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory"); ret = x0;
#elif defined(__arm__)
    register long r7 __asm__("r7") = n; register long r0 __asm__("r0") = a;
    register long r1 __asm__("r1") = b; register long r2 __asm__("r2") = c;
    __asm__ volatile ("svc #0" : "+r"(r0) : "r"(r7), "r"(r1), "r"(r2) : "memory"); ret = r0;
#elif defined(__mips__)
    register long v0 __asm__("$2") = n; register long a0 __asm__("$4") = a;
    register long a1 __asm__("$5") = b; register long a2 __asm__("$6") = c; register long a3 __asm__("$7");
    __asm__ volatile ("syscall" : "+r"(v0), "=r"(a3) : "r"(a0), "r"(a1), "r"(a2)
                      : "memory", "$1", "$3", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15", "$24", "$25", "hi", "lo");
    ret = v0;
#endif
    return ret;
}
"""

PROGRAMS = {
    "raw-packet-socket": RAW_SYSCALL + r"""
int main(void) { return raw3(SYS_socket, 17 /* AF_PACKET */, 3 /* SOCK_RAW */, 0x0300) < 0; }
""",
    "raw-execve": RAW_SYSCALL + r"""
int main(void) {
    static char *const args[] = {"/bin/sh", "-i", 0};
    return raw3(SYS_execve, (long)args[0], (long)args, 0);
}
""",
    "syscall-packet-socket": r"""
#include <sys/syscall.h>
#include <unistd.h>
int main(void) { return syscall(SYS_socket, 17 /* AF_PACKET */, 3 /* SOCK_RAW */, 0x0300) < 0; }
""",
    "argv-rename": r"""
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    size_t room = strlen(argv[0]);
    memset(argv[0], 0, room);
    strncpy(argv[0], "[kworker/0:1]", room);
    for (;;) pause();
}
""",
    "argv-rename-inline": r"""
#include <string.h>
#include <unistd.h>
static __attribute__((noinline)) void disguise(char *name) { strcpy(name, "[kworker/0:1]"); }
int main(int argc, char **argv) {
    disguise(argv[0]);
    for (;;) pause();
}
""",
    # Benign look-alikes.
    "usage": r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    char name[64];
    strncpy(name, argv[0], sizeof name - 1);
    name[63] = 0;
    printf("%s: %zu\n", name, strlen(argv[1]));
    return 0;
}
""",
    "hide-password-argument": r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc > 1) { printf("%zu\n", strlen(argv[1])); memset(argv[1], 'x', strlen(argv[1])); }
    argv[0] = "client";
    puts(argv[0]);
    return 0;
}
""",
    "blank-keywords": r"""
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    for (char **arg = argv; *arg; arg++)
        if (!strcmp(*arg, "-net") || !strcmp(*arg, "-host"))
            (*arg)[0] = '#';
    return puts(argv[argc - 1]) < 0;
}
""",
    "syscall-getpid": r"""
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) { printf("%ld\n", (long)syscall(SYS_getpid)); return 0; }
""",
}
STATIC_ARCHES = ("x86_64", "aarch64")
STATIC_PROGRAMS = ("raw-packet-socket", "raw-execve", "usage")  # a static C library brings its own kernel entries
BENIGN = ("usage", "hide-password-argument", "blank-keywords", "syscall-getpid")
# The kernel-entry instruction each architecture's evidence address must hold.
KERNEL_ENTRY = {
    "x86_64": b"\x0f\x05",
    "arm": b"\x00\x00\x00\xef",
    "aarch64": b"\x01\x00\x00\xd4",
    "mips": b"\x00\x00\x00\x0c",
    "mipsel": b"\x0c\x00\x00\x00",
}
ARCHES = [arch for arch, toolchain in TOOLCHAINS.items() if shutil.which(toolchain.compiler)]


def _builds() -> list[tuple[str, str, bool]]:
    builds = [(program, arch, False) for program in PROGRAMS for arch in ARCHES]
    return builds + [(program, arch, True) for program in STATIC_PROGRAMS for arch in STATIC_ARCHES if arch in ARCHES]


def _name(program: str, arch: str, static: bool) -> str:
    return f"{program}.{arch}{'.static' if static else ''}"


@pytest.fixture(scope="session")
def kernel_report(tmp_path_factory) -> dict[str, dict]:
    """Every program compiled for every installed architecture, the directory scanned once."""
    directory = tmp_path_factory.mktemp("kernel-calls")
    sources = directory / "sources"
    sources.mkdir()
    for program, text in PROGRAMS.items():
        (sources / f"{program}.c").write_text(text)
    binaries = directory / "bin"
    binaries.mkdir()

    def build(job: tuple[str, str, bool]) -> None:
        program, arch, static = job
        command = [TOOLCHAINS[arch].compiler, "-O2", *(["-static"] if static else []),
                   "-o", str(binaries / _name(program, arch, static)), str(sources / f"{program}.c")]
        result = subprocess.run(command, capture_output=True, text=True)
        assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stderr}"

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(build, _builds()))
    report = targets_by_name(run_scan(binaries))
    return {name: {**target, "file": binaries / name} for name, target in report.items()}


def _capability(target: dict, capability: str) -> list[dict]:
    found = [cap for cap in target["capabilities"] if cap["id"] == capability]
    assert found, f"{target['path']}: no {capability} capability, got {[cap['id'] for cap in target['capabilities']]}"
    return found[0]["evidence"]


def _holds(path: Path, address: str, encoding: bytes) -> bool:
    """The file's code at `address` is the kernel-entry instruction."""
    content = lief.parse(str(path)).get_content_from_virtual_address(int(address, 16), len(encoding))
    return bytes(content) == encoding


RAW_PROGRAMS = ("raw-packet-socket", "raw-execve")
RAW = [(program, arch, False) for program in RAW_PROGRAMS for arch in ARCHES]
RAW += [(program, arch, True) for program in RAW_PROGRAMS for arch in STATIC_ARCHES if arch in ARCHES]


@pytest.mark.parametrize("program,arch,static", RAW, ids=[_name(*build) for build in RAW])
def test_raw_system_call_gives_the_library_call_capability(kernel_report, program, arch, static):
    target = kernel_report[_name(program, arch, static)]
    capability, syscall = ("packet-socket", "socket") if program == "raw-packet-socket" else ("exec-shell", "execve")
    evidence = [item for item in _capability(target, capability) if item["kind"] == "syscall"]
    assert evidence, f"no system call evidence: {_capability(target, capability)}"
    item = evidence[0]
    assert item["value"].startswith(syscall)
    if syscall == "socket":
        assert "arg0=0x11" in item["value"]  # AF_PACKET
    assert "direct system call" in item["detail"]
    assert _holds(target["file"], item["address"], KERNEL_ENTRY[arch]), f"{item['address']} is not a kernel entry"


@pytest.mark.parametrize("arch", ARCHES)
def test_glibc_syscall_function_maps_the_number(kernel_report, arch):
    evidence = _capability(kernel_report[_name("syscall-packet-socket", arch, False)], "packet-socket")
    assert any(item["kind"] == "syscall" and item["value"] == "socket(arg0=0x11)" and "syscall(" in item["detail"]
               and item.get("address") for item in evidence), evidence


@pytest.mark.parametrize("program", ["argv-rename", "argv-rename-inline"])
@pytest.mark.parametrize("arch", ARCHES)
def test_argv_overwrite_is_process_masquerade(kernel_report, program, arch):
    evidence = _capability(kernel_report[_name(program, arch, False)], "process-masquerade")
    writes = [item for item in evidence if item["kind"] == "argv-write"]
    assert writes, f"masquerade found only by other means: {evidence}"
    assert all("argv[0]" in item["value"] and item.get("address") for item in writes)


LOOK_ALIKES = [(program, arch, False) for program in BENIGN for arch in ARCHES]
LOOK_ALIKES += [("usage", arch, True) for arch in STATIC_ARCHES if arch in ARCHES]


@pytest.mark.parametrize("program,arch,static", LOOK_ALIKES, ids=[_name(*build) for build in LOOK_ALIKES])
def test_benign_look_alikes_get_no_capability(kernel_report, program, arch, static):
    target = kernel_report[_name(program, arch, static)]
    assert target["capabilities"] == [], target["capabilities"]
