"""A router image with a default password, a shell on telnet and shipped keys is
unpacked and its root filesystem checked; its clean twin raises nothing serious."""

from __future__ import annotations

from pathlib import Path

from doorwatch.scan.extract import detect_container, unpack
from doorwatch.scan.rootfs import check_rootfs, looks_like_rootfs


def findings_by_id(findings):
    grouped: dict[str, list] = {}
    for inner, finding in findings:
        grouped.setdefault(finding.id, []).append((inner, finding))
    return grouped


def test_squashfs_unpacks_to_the_rootfs_with_the_mips_program(backdoored_firmware, tmp_path):
    assert detect_container(backdoored_firmware.image) == "squashfs"
    notes: list[str] = []
    files = dict(unpack(backdoored_firmware.image, tmp_path / "out", notes=notes))
    assert looks_like_rootfs(tmp_path / "out")
    program = files["/usr/sbin/webd"]
    assert program.read_bytes()[:4] == b"\x7fELF"
    assert program.read_bytes() == (backdoored_firmware.tree / "usr/sbin/webd").read_bytes()
    assert program.is_relative_to(tmp_path / "out")
    assert "/etc/shadow" in files and "/etc/init.d/rcS" in files
    # the link to /etc/passwd is reported, never created
    assert not (tmp_path / "out/bin/busybox").exists()
    assert any("/bin/busybox" in note and "symlink" in note for note in notes)


def test_backdoored_rootfs_findings(backdoored_firmware, tmp_path):
    unpack(backdoored_firmware.image, tmp_path / "out")
    found = findings_by_id(check_rootfs(tmp_path / "out"))

    weak = {f.evidence[0].value: (inner, f) for inner, f in found["weak-password-hash"]}
    inner, root = weak["root"]
    assert inner == "/etc/shadow" and root.severity == "high"
    assert root.evidence[1].value == backdoored_firmware.root_password
    assert root.evidence[2].value == "sha512-crypt"
    assert weak["admin"][1].evidence[1].value == backdoored_firmware.admin_password
    assert weak["admin"][1].evidence[2].value == "md5-crypt"
    assert "daemon" not in weak

    [(inner, shell)] = found["unauthenticated-shell"]
    assert inner == "/etc/init.d/rcS" and shell.severity == "critical"
    assert "telnetd -l /bin/sh" in shell.evidence[0].value
    assert shell.evidence[0].address == "line 3"

    keys = {inner: f for inner, f in found["private-key"]}
    assert set(keys) == {"/etc/ssl/private/device.key", "/etc/dropbear/vendor_ed25519"}
    assert all(f.severity == "high" for f in keys.values())
    assert "EC PRIVATE KEY" in keys["/etc/ssl/private/device.key"].evidence[0].detail

    [(inner, authorized)] = found["authorized-key"]
    assert inner == "/root/.ssh/authorized_keys" and authorized.severity == "high"
    assert "vendor-support@factory" in authorized.evidence[0].detail
    assert authorized.evidence[0].value.startswith("SHA256:")

    [(inner, uid0)] = found["extra-uid0-account"]
    assert inner == "/etc/passwd" and uid0.evidence[0].value == "admin"


def test_fingerprint_matches_ssh_keygen(backdoored_firmware, tmp_path):
    import subprocess
    expected = subprocess.run(
        ["ssh-keygen", "-l", "-f", backdoored_firmware.tree / "root/.ssh/authorized_keys"],
        capture_output=True, text=True, check=True).stdout.split()[1]
    found = findings_by_id(check_rootfs(backdoored_firmware.tree))
    assert found["authorized-key"][0][1].evidence[0].value == expected


def test_clean_twin_has_no_serious_finding(clean_firmware, tmp_path):
    unpack(clean_firmware.image, tmp_path / "out")
    assert looks_like_rootfs(tmp_path / "out")
    serious = [(inner, f.id) for inner, f in check_rootfs(tmp_path / "out")
               if f.severity in ("high", "critical")]
    assert serious == []


def test_a_plain_directory_is_not_a_rootfs(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/readme.txt").write_text("hello")
    assert not looks_like_rootfs(tmp_path)


def uimage(payload: bytes, name: bytes) -> bytes:
    """A U-Boot legacy image header (with its CRC) around a payload, as mkimage writes it."""
    import struct
    import zlib
    fields = [0x27051956, 0, 0x5F000000, len(payload), 0x80000000, 0x80000000,
              zlib.crc32(payload), 5, 5, 2, 1, name]
    header = struct.pack(">IIIIIIIBBBB32s", *fields)
    fields[1] = zlib.crc32(header)
    return struct.pack(">IIIIIIIBBBB32s", *fields) + payload


def test_vendor_firmware_file_is_cut_into_kernel_and_rootfs(backdoored_firmware, tmp_path):
    import gzip
    import os
    from doorwatch.scan.extract import unpack_recursive
    kernel = uimage(gzip.compress(b"\x7fELF MIPS kernel" + os.urandom(20000)), b"MIPS OpenWrt Linux")
    vendor_header = b"TPLINKFW" + os.urandom(504)
    rootfs_at = 0x10000
    layout = vendor_header + kernel
    layout += b"\xff" * (rootfs_at - len(layout)) + backdoored_firmware.image.read_bytes()
    firmware = tmp_path / "router-v1.2.bin"
    firmware.write_bytes(layout + b"\xff" * 4096)

    assert detect_container(firmware) == "blob"
    found = dict(unpack_recursive(firmware, tmp_path / "out"))
    kernel_part = f"/{len(vendor_header):x}.uimage"
    assert found[kernel_part].read_bytes() == kernel
    # the uImage wraps a gzip stream: the kernel itself is listed inside the part
    assert found[f"{kernel_part}{kernel_part}"].read_bytes().startswith(b"\x7fELF MIPS kernel")
    shadow = found[f"/{rootfs_at:x}.squashfs/etc/shadow"]
    assert shadow.read_bytes() == (backdoored_firmware.tree / "etc/shadow").read_bytes()
    findings = check_rootfs(shadow.parent.parent)
    assert "weak-password-hash" in {finding.id for _, finding in findings}


def test_random_bytes_with_stray_magic_are_no_image(tmp_path):
    import os
    data = bytearray(os.urandom(1 << 20))
    for at in range(0, len(data) - 200, 65536):
        data[at + 7 : at + 11] = b"hsqs"
        data[at + 99 : at + 103] = b"\x27\x05\x19\x56"
        data[at + 150 : at + 154] = b"\x45\x3d\xcd\x28"
    (tmp_path / "noise.bin").write_bytes(bytes(data))
    assert detect_container(tmp_path / "noise.bin") is None
