"""Corrupt images for the formats read without an outside tool (cpio, cramfs, uImage,
vendor blobs, compressed streams): any damage ends in ExtractError or a noted skip,
never another exception and never a file outside the destination."""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorwatch.scan.extract import ExtractError, Limits, unpack

SMALL = Limits(max_total_bytes=32 << 20, max_files=500, max_seconds=5)


def cpio_image() -> bytes:
    def entry(name: str, mode: int, data: bytes = b"") -> bytes:
        encoded = name.encode() + b"\0"
        fields = [1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0]
        raw = b"070701" + b"".join(b"%08X" % field for field in fields) + encoded
        raw += b"\0" * (-len(raw) % 4) + data
        return raw + b"\0" * (-len(raw) % 4)
    return b"".join([entry("etc", stat.S_IFDIR | 0o755), entry("etc/passwd", stat.S_IFREG | 0o644, b"root:x:0:0\n" * 40),
                     entry("bin/sh", stat.S_IFREG | 0o755, os.urandom(3000)), entry("TRAILER!!!", 0)])


def cramfs_image() -> bytes:
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "src")
        (source / "etc").mkdir(parents=True)
        (source / "etc/config").write_bytes(os.urandom(9000))
        (source / "etc/hosts").write_text("127.0.0.1 localhost\n")
        subprocess.run(["mkfs.cramfs", source, Path(work, "fs")], check=True, capture_output=True)
        return Path(work, "fs").read_bytes()


def uimage_with_rootfs(rootfs: bytes) -> bytes:
    payload = gzip.compress(b"kernel" * 500)
    fields = [0x27051956, 0, 0, len(payload), 0, 0, zlib.crc32(payload), 5, 5, 2, 1, b"Linux"]
    fields[1] = zlib.crc32(struct.pack(">IIIIIIIBBBB32s", *fields))
    return struct.pack(">IIIIIIIBBBB32s", *fields) + payload + rootfs


@pytest.fixture(scope="module")
def samples() -> dict[str, bytes]:
    cramfs = cramfs_image()
    return {"cpio": cpio_image(), "cramfs": cramfs, "uimage": uimage_with_rootfs(cramfs),
            "blob": b"HDR0" + bytes(60) + uimage_with_rootfs(cramfs),
            "gzip": gzip.compress(os.urandom(20000) + bytes(20000))}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["cpio", "cramfs", "uimage", "blob", "gzip"]),
       edits=st.lists(st.tuples(st.integers(min_value=0), st.binary(min_size=1, max_size=8)), max_size=6),
       cut=st.integers(min_value=0, max_value=100))
def test_damaged_images_fail_cleanly(samples, tmp_path, kind, edits, cut):
    data = bytearray(samples[kind])
    for position, replacement in edits:
        at = 4 + position % (len(data) - 4)  # keep the magic so the format's reader runs
        data[at : at + len(replacement)] = replacement
    if cut:
        data = data[: max(8, len(data) * cut // 100)]
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    image, dest = work / "image", work / "out" / "dest"
    image.write_bytes(bytes(data))
    try:
        files = unpack(image, dest, SMALL, notes=[])
    except ExtractError:
        files = []
    for inner, file in files:
        assert file.resolve().is_relative_to(dest.resolve()), inner
    outside = {p for p in work.rglob("*") if not p.is_relative_to(dest) and p != image}
    assert outside <= {work / "out"}
    shutil.rmtree(work)
