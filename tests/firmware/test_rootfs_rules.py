"""Each root-filesystem rule on the service files that real devices ship, with the
benign lines next to them that must stay silent."""

from __future__ import annotations

from pathlib import Path

import pytest

from doorwatch.scan.rootfs import check_rootfs


def checked(tmp_path: Path, inner: str, text: str) -> list[tuple[str, str, str]]:
    file = tmp_path / inner.lstrip("/")
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return [(path, f.id, f.severity) for path, f in check_rootfs(tmp_path)]


CASES = [
    # (file, content, expected (id, severity) or None)
    ("/etc/init.d/S50telnet", "#!/bin/sh\nbusybox telnetd -p 23 -l sh\n", ("unauthenticated-shell", "critical")),
    ("/etc/rc.local", "utelnetd -p 2323 -l /bin/ash -d\n", ("unauthenticated-shell", "critical")),
    ("/etc/init.d/rcS", "#!/bin/sh\n/usr/sbin/telnetd -l /bin/login\n", ("telnet-enable", "medium")),
    ("/etc/inittab", "::respawn:/usr/sbin/telnetd -F -l /bin/sh\n", ("unauthenticated-shell", "critical")),
    ("/etc/inittab", "ttyS0::respawn:-/bin/sh\n", ("unauthenticated-shell", "medium")),
    ("/etc/inittab", "console::askfirst:/bin/ash --login\n", ("unauthenticated-shell", "medium")),
    ("/etc/inittab", "ttyS1::respawn:/sbin/getty -n -l /bin/sh -L ttyS1 115200\n", ("unauthenticated-shell", "medium")),
    ("/etc/inittab", "ttyS0::respawn:/bin/login -f root\n", ("unauthenticated-shell", "medium")),
    ("/etc/systemd/system/serial-getty@ttyS0.service",
     "[Service]\nExecStart=-/sbin/agetty --autologin root -8 --keep-baud 115200 %I\n", ("unauthenticated-shell", "medium")),
    ("/etc/inittab", "::sysinit:/bin/sh /etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n", None),
    ("/etc/inetd.conf", "9999 stream tcp nowait root /bin/sh sh -i\n", ("unauthenticated-shell", "critical")),
    ("/etc/inetd.conf", "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n", ("telnet-enable", "medium")),
    ("/etc/inetd.conf", "#telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n", None),
    ("/etc/xinetd.d/debug", "service debug\n{\n  port = 5555\n  server = /bin/bash\n}\n", ("unauthenticated-shell", "critical")),
    ("/etc/xinetd.d/telnet", "service telnet\n{\n  server = /usr/sbin/in.telnetd\n}\n", ("telnet-enable", "medium")),
    ("/usr/bin/debug.sh", "#!/bin/sh\nwhile true; do nc -l -p 4444 -e /bin/sh; done\n", ("unauthenticated-shell", "critical")),
    ("/usr/bin/diag", "#!/bin/ash\nsocat TCP-LISTEN:1337,fork EXEC:/bin/sh\n", ("unauthenticated-shell", "critical")),
    ("/usr/bin/client.sh", "#!/bin/sh\nnc example.org 80 < /tmp/report\n", None),
    ("/etc/init.d/dropbear", "#!/bin/sh\ndropbear -R -B -p 22\n", ("unauthenticated-shell", "high")),
    ("/etc/ssh/sshd_config", "PermitRootLogin yes\nPermitEmptyPasswords yes\n", ("unauthenticated-shell", "high")),
    ("/etc/ssh/sshd_config", "PermitEmptyPasswords no\n", None),
    ("/lib/systemd/system/telnet.service", "[Service]\nExecStart=/usr/sbin/telnetd -F\n", ("telnet-enable", "medium")),
    ("/etc/init.d/rcS",
     '#!/bin/sh\nif [ "$(cat /mnt/usb/debug.key)" = "K7x9-Factory-Unlock" ]; then\n'
     "    /usr/sbin/telnetd -p 2323 -l /bin/login\nfi\n", ("telnet-enable", "high")),
    ("/etc/init.d/rcS",
     '#!/bin/sh\nif [ "$(nvram get telnet_enable)" = "1" ]; then\n  telnetd\nfi\n', ("telnet-enable", "medium")),
    ("/etc/init.d/rcS", "#!/bin/sh\nkillall telnetd\n[ -x /usr/sbin/telnetd ] || echo no telnetd\n", None),
    ("/usr/share/doc/telnet.txt", "Run telnetd -l /bin/sh to debug.\n", None),  # not a script
]


@pytest.mark.parametrize(("inner", "text", "expected"), CASES,
                         ids=[f"{inner}:{text.splitlines()[-1][:30]}" for inner, text, _ in CASES])
def test_service_rules(tmp_path, inner, text, expected):
    found = [(id_, severity) for path, id_, severity in checked(tmp_path, inner, text)]
    assert found == ([expected] if expected else [])


def test_shadow_and_passwd_entries(tmp_path):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    des = crypt.crypt("vizxv", "ab")
    sha256 = crypt.crypt("hikvision", crypt.mksalt(crypt.METHOD_SHA256))
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/passwd").write_text(
        f"root:{des}:0:0:root:/root:/bin/sh\n"
        "guest::1000:1000:guest:/home/guest:/bin/sh\n"
        "toor:x:0:0:backdoor:/root:/bin/sh\n")
    (tmp_path / "etc/shadow-").write_text(f"root:{sha256}:18000:0:99999:7:::\nftp:!:18000::::::\n")
    found = {(inner, f.id, f.severity, f.evidence[0].value) for inner, f in check_rootfs(tmp_path)}
    assert found == {
        ("/etc/passwd", "weak-password-hash", "high", "root"),
        ("/etc/passwd", "weak-password-hash", "medium", "guest"),
        ("/etc/passwd", "extra-uid0-account", "high", "toor"),
        ("/etc/shadow-", "weak-password-hash", "high", "root"),
    }
    evidence = {f.evidence[2].value: f.evidence[1].value
                for _, f in check_rootfs(tmp_path) if f.id == "weak-password-hash"}
    assert evidence == {"des-crypt": "vizxv", "sha256-crypt": "hikvision", "none": ""}


def test_empty_root_password_is_high(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/shadow").write_text("root::0:0:99999:7:::\n")
    [(inner, finding)] = check_rootfs(tmp_path)
    assert (inner, finding.id, finding.severity) == ("/etc/shadow", "weak-password-hash", "high")
    assert finding.evidence[1].detail == "empty password"


def test_key_embedded_in_a_binary_is_found(tmp_path):
    import subprocess
    key = subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519"],
                         capture_output=True, check=True).stdout
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "usr/bin/cloudd").write_bytes(b"\x7fELF" + bytes(5000) + key + bytes(300))
    [(inner, finding)] = check_rootfs(tmp_path)
    assert (inner, finding.id, finding.severity) == ("/usr/bin/cloudd", "private-key", "high")
    assert finding.evidence[0].address == "offset 5004"


def test_encrypted_key_is_medium(tmp_path):
    import subprocess
    (tmp_path / "etc").mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "long passphrase", "-f",
                    tmp_path / "etc/id_ed25519"], check=True)
    (tmp_path / "etc/id_ed25519.pub").unlink()
    [(inner, finding)] = check_rootfs(tmp_path)
    assert (inner, finding.id, finding.severity) == ("/etc/id_ed25519", "private-key", "medium")
