"""Hostile archives and images: nothing is written outside the destination, no link,
device or FIFO is created, and bombs, file floods, slow images and deep nesting stop
at their bound."""

from __future__ import annotations

import functools
import gzip
import io
import lzma
import os
import stat
import struct
import subprocess
import tarfile
import time
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest

from doorwatch.scan.extract import ExtractError, Limits, detect_container, unpack, unpack_recursive


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside dest: traversal entries aim here; it must stay empty."""
    (tmp_path / "outside").mkdir()
    return tmp_path / "outside"


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "work" / "dest"


def tree_entries(root: Path) -> list[tuple[str, int]]:
    """Every entry under root with its file type, links not followed."""
    return [(str(Path(parent, name).relative_to(root)), os.lstat(Path(parent, name)).st_mode)
            for parent, dirs, files in os.walk(root) for name in dirs + files]


def assert_only_files_and_dirs(root: Path) -> None:
    for name, mode in tree_entries(root):
        assert stat.S_ISREG(mode) or stat.S_ISDIR(mode), f"{name} is {stat.filemode(mode)}"
        assert not mode & 0o111 or stat.S_ISDIR(mode), f"{name} is executable"


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes, **fields) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    archive.addfile(info, io.BytesIO(data))


def test_tar_traversal_absolute_paths_and_links(tmp_path, dest, outside):
    absolute = Path(f"/tmp/doorwatch-absolute-{uuid.uuid4().hex}")
    image = tmp_path / "hostile.tar"
    with tarfile.open(image, "w", format=tarfile.GNU_FORMAT) as archive:
        add_bytes(archive, "etc/config", b"ok\n")
        add_bytes(archive, "../../outside/evil", b"escaped\n")
        add_bytes(archive, "etc/../../../outside/evil2", b"escaped\n")
        add_bytes(archive, str(absolute), b"absolute\n")
        add_bytes(archive, "etc-link", b"", type=tarfile.SYMTYPE, linkname="/etc")
        add_bytes(archive, "up", b"", type=tarfile.SYMTYPE, linkname="../../..")
        add_bytes(archive, "up/outside/through-link", b"escaped\n")
        add_bytes(archive, "hard", b"", type=tarfile.LNKTYPE, linkname="/etc/passwd")
        add_bytes(archive, "dev/mem", b"", type=tarfile.CHRTYPE, devmajor=1, devminor=1)
        add_bytes(archive, "fifo", b"", type=tarfile.FIFOTYPE)
        add_bytes(archive, "bin/tool", b"\x7fELF", mode=0o4755)
        add_bytes(archive, "x" * 300, b"name too long for the file system")
    assert detect_container(image) == "tar"
    notes: list[str] = []
    files = dict(unpack(image, dest, notes=notes))

    assert list(outside.iterdir()) == []
    assert not absolute.exists()
    assert files["/etc/config"].read_text() == "ok\n"
    assert files[str(absolute)] == dest / str(absolute).lstrip("/")  # kept inside dest
    assert "/bin/tool" in files
    assert_only_files_and_dirs(dest.parent)
    for name in ("../../outside/evil", "etc-link", "up", "hard", "dev/mem", "fifo", "x" * 300):
        assert any(note.startswith(name) for note in notes), name


def test_zip_traversal_and_symlink(tmp_path, dest, outside):
    absolute = f"/tmp/doorwatch-absolute-{uuid.uuid4().hex}"
    image = tmp_path / "hostile.zip"
    with zipfile.ZipFile(image, "w") as archive:
        archive.writestr("www/index.html", "<html/>")
        archive.writestr("../../outside/evil.sh", "#!/bin/sh\n")
        archive.writestr(absolute, "absolute")
        link = zipfile.ZipInfo("etc-link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc")
    notes: list[str] = []
    files = dict(unpack(image, dest, notes=notes))
    assert list(outside.iterdir()) == []
    assert set(files) == {"/www/index.html", absolute}
    assert files[absolute].is_relative_to(dest) and not Path(absolute).exists()
    assert_only_files_and_dirs(dest.parent)
    assert any(note.startswith("etc-link") for note in notes)


def newc_entry(name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0)) -> bytes:
    """One entry of a cpio 'newc' archive, as the kernel's initramfs tools write it."""
    encoded = name.encode() + b"\0"
    fields = [1, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0]
    header = b"070701" + b"".join(b"%08X" % field for field in fields)
    entry = header + encoded
    entry += b"\0" * (-len(entry) % 4) + data
    return entry + b"\0" * (-len(entry) % 4)


def test_cpio_device_node_traversal_and_symlink(tmp_path, dest, outside):
    image = tmp_path / "initramfs.cpio"
    image.write_bytes(b"".join([
        newc_entry("etc", stat.S_IFDIR | 0o755),
        newc_entry("etc/inittab", stat.S_IFREG | 0o644, b"::sysinit:/etc/init.d/rcS\n"),
        newc_entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1)),
        newc_entry("dev/sda", stat.S_IFBLK | 0o600, rdev=(8, 0)),
        newc_entry("run/fifo", stat.S_IFIFO | 0o600),
        newc_entry("../../outside/evil", stat.S_IFREG | 0o755, b"escaped"),
        newc_entry("root", stat.S_IFLNK | 0o777, b"../../.."),
        newc_entry("init", stat.S_IFREG | 0o755, b"#!/bin/sh\nexec /sbin/init\n"),
        newc_entry("TRAILER!!!", 0),
    ]))
    assert detect_container(image) == "cpio"
    notes: list[str] = []
    files = dict(unpack(image, dest, notes=notes))
    assert set(files) == {"/etc/inittab", "/init"}
    assert files["/init"].read_text() == "#!/bin/sh\nexec /sbin/init\n"
    assert list(outside.iterdir()) == []
    assert_only_files_and_dirs(dest.parent)
    assert {note.split(":")[0] for note in notes} == {
        "dev/console", "dev/sda", "run/fifo", "../../outside/evil", "root"}


def test_squashfs_links_and_devices_are_not_created(tmp_path, dest):
    source = tmp_path / "src"
    (source / "etc").mkdir(parents=True)
    (source / "etc/hostname").write_text("router\n")
    (source / "etc-link").symlink_to("/etc")
    (source / "up").symlink_to("../../..")
    os.mknod(source / "console", stat.S_IFCHR | 0o600, os.makedev(5, 1))
    os.mkfifo(source / "fifo")
    (source / "locked").mkdir(mode=0o000)
    (source / "locked/secret").write_text("x")
    image = tmp_path / "fs.sqfs"
    subprocess.run(["mksquashfs", source, image, "-noappend", "-quiet", "-no-progress"], check=True)
    notes: list[str] = []
    files = dict(unpack(image, dest, notes=notes))
    assert set(files) == {"/etc/hostname", "/locked/secret"}
    assert files["/locked/secret"].read_text() == "x"
    assert_only_files_and_dirs(dest)
    assert sorted(note.split(":")[0] for note in notes) == ["/console", "/etc-link", "/fifo", "/up"]
    assert all(os.lstat(path).st_uid == os.geteuid() for _, path in files.items())


@functools.cache
def zeros_member() -> bytes:
    return gzip.compress(bytes(64 << 20), compresslevel=9)


def zero_bomb(path: Path, gib: int) -> Path:
    """A gzip file of `gib` GiB of zeros made of repeated members, about 1 MB per GiB."""
    member = zeros_member()
    with open(path, "wb") as out:
        for _ in range(gib * 16):
            out.write(member)
    return path


def test_gzip_bomb_stops_at_the_ratio_bound(tmp_path, dest):
    bomb = zero_bomb(tmp_path / "zeros.gz", 1)
    started = time.monotonic()
    with pytest.raises(ExtractError, match="decompression bomb"):
        unpack(bomb, dest)
    assert time.monotonic() - started < 10
    written = sum(f.stat().st_size for f in dest.rglob("*") if f.is_file())
    assert written <= Limits().max_ratio * bomb.stat().st_size + (1 << 20)


def test_total_bytes_bound_holds_across_nested_levels(tmp_path, dest):
    inner = tmp_path / "inner.tar"
    with tarfile.open(inner, "w") as archive:
        add_bytes(archive, "a.bin", os.urandom(300_000))
        add_bytes(archive, "b.bin", os.urandom(300_000))
    outer = tmp_path / "outer.tar"
    with tarfile.open(outer, "w") as archive:
        archive.add(inner, "inner.tar")
        add_bytes(archive, "c.bin", os.urandom(100_000))
    with pytest.raises(ExtractError, match="more than 1000000 bytes"):
        unpack_recursive(outer, dest, Limits(max_total_bytes=1_000_000))
    assert unpack_recursive(outer, tmp_path / "ok", Limits(max_total_bytes=2_000_000))


def test_squashfs_bomb_is_refused_before_writing(tmp_path, dest):
    source = tmp_path / "src"
    source.mkdir()
    with open(source / "zeros", "wb") as sparse:
        sparse.truncate(256 << 20)
    image = tmp_path / "bomb.sqfs"
    subprocess.run(["mksquashfs", source, image, "-noappend", "-quiet", "-no-progress"], check=True)
    with pytest.raises(ExtractError, match="decompression bomb"):
        unpack(image, dest)
    assert not (dest / "zeros").exists()


def test_file_count_bound(tmp_path, dest):
    image = tmp_path / "many.zip"
    with zipfile.ZipFile(image, "w") as archive:
        for number in range(50):
            archive.writestr(f"f{number}", "x")
    with pytest.raises(ExtractError, match="more than 20 files"):
        unpack(image, dest, Limits(max_files=20))
    assert len(list(dest.iterdir())) == 20


def test_time_bound(tmp_path, dest):
    slow = zero_bomb(tmp_path / "long.gz", 1)
    started = time.monotonic()
    with pytest.raises(ExtractError, match="longer than 0.2 s"):
        unpack(slow, dest, Limits(max_seconds=0.2, max_ratio=1e6))
    assert time.monotonic() - started < 1.5


def test_nesting_deeper_than_the_bound_stops(tmp_path, dest):
    payload = b"root:$1$abc$def:0:0::/root:/bin/sh\n"
    for _ in range(8):
        payload = gzip.compress(payload)
    image = tmp_path / "nested.gz"
    image.write_bytes(payload)
    notes: list[str] = []
    [(inner, file)] = unpack_recursive(image, dest, notes=notes)
    assert detect_container(file) == "gzip"  # the level past the bound stays packed
    assert notes == [f"{inner}: containers nested deeper than 6 levels, kept as a file"]
    [(inner, file)] = unpack_recursive(image, tmp_path / "deep", Limits(max_depth=9))
    assert file.read_bytes().startswith(b"root:")
    assert inner == "/nested"


def test_a_bad_nested_container_skips_only_itself(tmp_path, dest):
    bomb = zero_bomb(tmp_path / "bomb.gz", 1).read_bytes()[:200_000]  # 200 KB -> 200 MB
    bundle = tmp_path / "update.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("kernel.gz", b"\x1f\x8b\x08\x00" + bytes(6) + os.urandom(500))
        archive.writestr("bomb.gz", bomb)
        archive.writestr("etc/version", "2.1")
    notes: list[str] = []
    found = dict(unpack_recursive(bundle, dest, notes=notes))
    assert set(found) == {"/kernel.gz", "/bomb.gz", "/etc/version"}
    assert [note.split(":")[0] for note in notes] == ["/kernel.gz", "/bomb.gz"]
    assert "decompression bomb" in notes[1]


def test_nested_paths_name_the_container(tmp_path, dest):
    rootfs = tmp_path / "rootfs.tar"
    with tarfile.open(rootfs, "w") as archive:
        add_bytes(archive, "etc/shadow", b"root::0:0:99999:7:::\n")
    packed = tmp_path / "rootfs.tar.xz"
    packed.write_bytes(lzma.compress(rootfs.read_bytes()))
    bundle = tmp_path / "update.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(packed, "images/rootfs.tar.xz")
        archive.writestr("version.txt", "1.0")
    found = dict(unpack_recursive(bundle, dest))
    assert set(found) == {"/images/rootfs.tar.xz", "/version.txt", "/images/rootfs.tar.xz/etc/shadow"}
    assert found["/images/rootfs.tar.xz/etc/shadow"].read_bytes() == b"root::0:0:99999:7:::\n"


def test_uimage_header_is_stripped(tmp_path, dest):
    kernel = gzip.compress(b"\x7fELF kernel image" * 100)
    header = struct.pack(">IIIIIIIBBBB32s", 0x27051956, 0, 0, len(kernel), 0x80000000,
                         0x80000000, zlib.crc32(kernel), 5, 5, 2, 1, b"Linux-4.14")
    image = tmp_path / "uImage"
    image.write_bytes(header + kernel)
    assert detect_container(image) == "uimage"
    [(inner, payload)] = unpack(image, dest)
    assert payload.read_bytes() == kernel
    assert dict(unpack_recursive(image, tmp_path / "all"))["/uImage"].read_bytes() == \
        b"\x7fELF kernel image" * 100


def test_detection_reads_magic_not_names(tmp_path):
    samples = {
        "a.txt": gzip.compress(b"x"), "b.bin": lzma.compress(b"x"),
        "c.gz": lzma.compress(b"x", format=lzma.FORMAT_ALONE), "d": b"BZh91AY&SY" + bytes(30),
        "e.tar.gz": b"plain text, not an archive\n" * 40,
    }
    expected = {"a.txt": "gzip", "b.bin": "xz", "c.gz": "lzma", "d": "bzip2", "e.tar.gz": None}
    for name, data in samples.items():
        (tmp_path / name).write_bytes(data)
        assert detect_container(tmp_path / name) == expected[name], name


def test_garbage_is_a_clear_error(tmp_path, dest):
    fake = tmp_path / "fw.bin"
    fake.write_bytes(b"hsqs" + os.urandom(4000))
    with pytest.raises(ExtractError, match="squashfs"):
        unpack(fake, dest)
    truncated = tmp_path / "cut.gz"
    truncated.write_bytes(gzip.compress(os.urandom(100_000))[:50_000])
    files = unpack(truncated, tmp_path / "cut")  # what decodes is kept
    assert 0 < files[0][1].stat().st_size < 100_000


@pytest.mark.parametrize("endian", ["little", "big"])
def test_cramfs_files_kept_devices_and_links_not_created(tmp_path, dest, endian):
    source = tmp_path / "src"
    (source / "etc").mkdir(parents=True)
    config = os.urandom(3000).hex().encode()  # several pages
    (source / "etc/config").write_bytes(config)
    (source / "etc/empty").write_bytes(b"")
    (source / "link").symlink_to("/etc")
    os.mknod(source / "console", stat.S_IFCHR | 0o600, os.makedev(5, 1))
    image = tmp_path / "fs.cramfs"
    subprocess.run(["mkfs.cramfs", "-N", endian, source, image], check=True, capture_output=True)
    assert detect_container(image) == "cramfs"
    notes: list[str] = []
    files = dict(unpack(image, dest, notes=notes))
    assert files["/etc/config"].read_bytes() == config
    assert files["/etc/empty"].read_bytes() == b""
    assert_only_files_and_dirs(dest)
    assert sorted(note.split(":")[0] for note in notes) == ["console", "link"]
    truncated = tmp_path / "cut.cramfs"
    truncated.write_bytes(image.read_bytes()[:300])
    with pytest.raises(ExtractError, match="cramfs"):
        unpack(truncated, tmp_path / "cut")
