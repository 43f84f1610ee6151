"""JFFS2 and UBI/UBIFS images built during the test run with mkfs.jffs2, mkfs.ubifs and
ubinize: `doorwatch scan` reports the backdoors on the files inside them, and hostile
images (links leaving the image, device nodes, bombs, garbage) are contained."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from doorwatch.scan.extract import (ExtractError, LimitExceeded, Limits, detect_container, unpack,
                                    unpack_recursive)
from doorwatch.scan.rootfs import _default_passwords
from firmware.firmwarekit import children_by_path, scan_json

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

pytest.importorskip("jefferson", reason="the jefferson JFFS2 extractor is not installed")
pytest.importorskip("ubireader", reason="the ubi_reader extractor is not installed")
for _tool in ("mkfs.jffs2", "mkfs.ubifs", "ubinize"):
    if shutil.which(_tool) is None:
        pytest.skip(f"{_tool} (mtd-utils) is needed to build the test images", allow_module_level=True)

# NAND geometry shared by mkfs.ubifs and ubinize: 2 KiB pages, 128 KiB erase blocks.
PAGE, ERASE_BLOCK, LEB = 2048, 131072, 126976
# A character device the images declare (/dev/mem); mkfs reads it from a device table, so
# building the images needs no privilege.
DEVICE_TABLE = "/dev/mem c 640 0 0 1 1 0 0 -\n"


@dataclass(frozen=True)
class Device:
    tree: Path
    images: dict[str, Path]


def run(*command: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(part) for part in command], check=True, capture_output=True, cwd=cwd)


def mkfs_jffs2(tree: Path, image: Path, endian: str, table: Path | None = None) -> Path:
    run("mkfs.jffs2", "--root", tree, "--output", image, "--eraseblock=65536",
        "--little-endian" if endian == "little" else "--big-endian",
        *([f"--devtable={table}"] if table else []))
    return image


def mkfs_ubifs(tree: Path, image: Path, table: Path | None = None, max_lebs: int = 64) -> Path:
    run("mkfs.ubifs", "-r", tree, "-m", PAGE, "-e", LEB, "-c", max_lebs, "-o", image,
        *(["-D", table] if table else []))
    return image


def ubinize(image: Path, volumes: dict[str, tuple[Path, str]]) -> Path:
    """A UBI image holding each named volume: (its content, 'static' or 'dynamic')."""
    config = "".join(f"[volume{number}]\nmode=ubi\nimage={content}\nvol_id={number}\n"
                     f"vol_type={kind}\nvol_name={name}\n"
                     for number, (name, (content, kind)) in enumerate(volumes.items()))
    (image.parent / f"{image.name}.ini").write_text(config)
    run("ubinize", "-o", image, "-m", PAGE, "-p", ERASE_BLOCK, "-s", PAGE, image.parent / f"{image.name}.ini")
    return image


@pytest.fixture(scope="session")
def device(tmp_path_factory) -> Device:
    """A router root filesystem with a default root password, a shell on telnet, links
    leaving the image and a memory device, packed as JFFS2 (both byte orders), UBIFS and UBI."""
    work = tmp_path_factory.mktemp("flash")
    tree = work / "rootfs"
    for folder in ("bin", "sbin", "dev", "etc/init.d", "usr/sbin"):
        (tree / folder).mkdir(parents=True)
    password = _default_passwords()[0]
    (tree / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (tree / "etc/shadow").write_text(
        f"root:{crypt.crypt(password, crypt.mksalt(crypt.METHOD_MD5))}:19000:0:99999:7:::\n")
    (tree / "etc/init.d/rcS").write_text("#!/bin/sh\nmount -a\n/usr/sbin/telnetd -l /bin/sh &\n")
    (tree / "bin/busybox").symlink_to("/etc/passwd")
    (tree / "bin/up").symlink_to("../../x")
    table = work / "devices.txt"
    table.write_text(DEVICE_TABLE)
    ubifs = mkfs_ubifs(tree, work / "rootfs.ubifs", table)
    return Device(tree, {
        "jffs2-little": mkfs_jffs2(tree, work / "rootfs-le.jffs2", "little", table),
        "jffs2-big": mkfs_jffs2(tree, work / "rootfs-be.jffs2", "big", table),
        "ubifs": ubifs,
        "ubi": ubinize(work / "flash.ubi", {"rootfs": (ubifs, "dynamic")}),
    })


def assert_only_files_and_dirs(root: Path) -> None:
    for parent, folders, files in os.walk(root):
        for name in folders + files:
            mode = os.lstat(Path(parent, name)).st_mode
            assert stat.S_ISREG(mode) or stat.S_ISDIR(mode), f"{name} is {stat.filemode(mode)}"


SCANNED = ["jffs2-little", "jffs2-big", "ubi"]


@pytest.fixture(scope="module")
def scanned(device, tmp_path_factory) -> tuple[int, dict[str, dict]]:
    """One `doorwatch scan` of the JFFS2 and UBI images and of a broken JFFS2 image: its exit
    status and each image's target by file name."""
    broken = tmp_path_factory.mktemp("broken") / "broken.jffs2"
    broken.write_bytes(b"\x85\x19\x01\xe0" + os.urandom(8000))
    code, report = scan_json(*(device.images[kind] for kind in SCANNED), broken)
    return code, {Path(target["path"]).name: target for target in report["targets"]}


@pytest.mark.parametrize("kind", SCANNED)
def test_scan_reports_the_backdoors_inside_the_image(device, scanned, kind):
    assert detect_container(device.images[kind]) == kind.partition("-")[0]
    code, targets = scanned
    assert code == 1
    image = targets[device.images[kind].name]
    assert image["type"] == "firmware" and not image.get("errors")
    children = children_by_path(image)
    assert "weak-password-hash" in {f["id"] for f in children["/etc/shadow"]["findings"]}
    shell = [f for f in children["/etc/init.d/rcS"]["findings"] if f["id"] == "unauthenticated-shell"]
    assert shell and "telnetd -l /bin/sh" in shell[0]["evidence"][0]["value"]


@pytest.mark.parametrize("kind", ["jffs2-little", "jffs2-big", "ubifs", "ubi"])
def test_links_and_devices_are_not_created(device, kind, tmp_path):
    passwd = hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest()
    dest = tmp_path / "work" / "dest"
    notes: list[str] = []
    files = dict(unpack_recursive(device.images[kind], dest, notes=notes))
    assert files["/etc/shadow"].read_bytes() == (device.tree / "etc/shadow").read_bytes()
    assert files["/etc/init.d/rcS"].read_bytes() == (device.tree / "etc/init.d/rcS").read_bytes()
    assert all(file.is_relative_to(dest) for file in files.values())
    assert_only_files_and_dirs(dest)
    assert not any(inner.endswith("/dev/mem") for inner in files)
    assert any("/bin/busybox" in note and "symlink to /etc/passwd" in note for note in notes), notes
    assert any("/bin/up" in note and "symlink to ../../x" in note for note in notes), notes
    assert any(note == "/dev/mem: character device not created" for note in notes), notes
    # the link aiming two levels up was neither followed nor written through
    assert not os.path.lexists(tmp_path / "work" / "x") and not os.path.lexists(tmp_path / "x")
    assert hashlib.sha256(Path("/etc/passwd").read_bytes()).hexdigest() == passwd


def test_data_for_a_link_is_not_written_through_it(tmp_path):
    """Two JFFS2 node sets laid one after the other give one inode both a link to a file
    outside and a regular file's data: that data must not land outside."""
    outside = Path(tempfile.mkdtemp(prefix="doorwatch-outside-"))
    try:
        outside.chmod(0o777)  # writable by the unprivileged extractor as well
        victim = outside / "victim"
        (tmp_path / "link").mkdir()
        (tmp_path / "link/d").symlink_to(victim)
        (tmp_path / "file").mkdir()
        (tmp_path / "file/a").write_text("planted\n")
        image = tmp_path / "merged.jffs2"
        image.write_bytes(mkfs_jffs2(tmp_path / "link", tmp_path / "link.jffs2", "little").read_bytes()
                          + mkfs_jffs2(tmp_path / "file", tmp_path / "file.jffs2", "little").read_bytes())
        notes: list[str] = []
        files = dict(unpack(image, tmp_path / "out", notes=notes))
        assert not os.path.lexists(victim)
        assert all(file.is_relative_to(tmp_path / "out") for file in files.values())
        assert_only_files_and_dirs(tmp_path / "out")
        assert f"/d: symlink to {victim} not created" in notes
    finally:
        shutil.rmtree(outside)


def test_ubi_volumes_are_entries_named_after_them(device, tmp_path):
    kernel = tmp_path / "kernel.bin"
    kernel.write_bytes(os.urandom(30000))
    image = ubinize(tmp_path / "two.ubi", {"kernel": (kernel, "static"),
                                          "rootfs": (device.images["ubifs"], "dynamic")})
    files = dict(unpack_recursive(image, tmp_path / "out"))
    assert files["/kernel"].read_bytes() == kernel.read_bytes()
    assert files["/rootfs/etc/shadow"].read_bytes() == (device.tree / "etc/shadow").read_bytes()


def test_volume_name_leaving_the_image_writes_nothing_outside(device, tmp_path):
    target = tmp_path / "escaped"
    name = "../" * 12 + str(target).lstrip("/")
    image = ubinize(tmp_path / "evil.ubi", {name: (device.images["ubifs"], "dynamic")})
    try:
        files = [inner for inner, _ in unpack_recursive(image, tmp_path / "out")]
    except ExtractError as error:
        assert "UBI" in str(error)
    else:
        assert all(".." not in inner for inner in files)
    assert not any(path.name.startswith("escaped") for path in tmp_path.iterdir())
    assert not any(path.name.startswith("escaped") for path in Path("/").iterdir())


@pytest.mark.parametrize("magic, kind", [(b"\x85\x19\x01\xe0", "JFFS2"), (b"UBI#", "UBI"),
                                         (b"\x31\x18\x10\x06", "UBIFS")])
def test_garbage_behind_the_magic_is_a_clear_error(tmp_path, magic, kind):
    fake = tmp_path / "flash.bin"
    fake.write_bytes(magic + os.urandom(8000))
    with pytest.raises(ExtractError, match=f"bad {kind} image"):
        unpack(fake, tmp_path / "out")


def test_truncated_jffs2_keeps_what_it_holds_or_says_why(device, tmp_path):
    whole = device.images["jffs2-little"].read_bytes()
    outcomes = set()
    for cut in range(64, len(whole), len(whole) // 6):
        (tmp_path / "cut.jffs2").write_bytes(whole[:cut])
        dest = tmp_path / f"cut-{cut}"
        try:
            files = unpack(tmp_path / "cut.jffs2", dest)
        except ExtractError as error:
            assert str(error).startswith("bad JFFS2 image"), error
            outcomes.add("error")
            continue
        outcomes.add("files")
        for inner, file in files:
            assert (device.tree / inner.lstrip("/")).is_file() and file.is_relative_to(dest)
        assert_only_files_and_dirs(dest)
    assert outcomes == {"error", "files"}  # cuts inside a node and between nodes


def test_truncated_ubi_keeps_the_volume(device, tmp_path):
    # cut after the volume table and two blocks of the volume: its file system is unreadable
    cut_ubi = tmp_path / "cut.ubi"
    cut_ubi.write_bytes(device.images["ubi"].read_bytes()[: 4 * ERASE_BLOCK])
    notes: list[str] = []
    files = dict(unpack_recursive(cut_ubi, tmp_path / "ubi", notes=notes))
    assert list(files) == ["/rootfs"]
    assert any(note.startswith("/rootfs: bad UBIFS image") for note in notes), notes


def test_scan_of_a_broken_image_reports_the_error(scanned):
    target = scanned[1]["broken.jffs2"]
    assert target["type"] == "firmware" and target["children"] == []
    assert any(error.startswith("bad JFFS2 image") for error in target["errors"])


@pytest.fixture(scope="session")
def zero_bombs(tmp_path_factory) -> dict[str, Path]:
    """Images holding one 12 MiB file of zeros: a few hundred KiB of flash."""
    work = tmp_path_factory.mktemp("bomb")
    tree = work / "rootfs"
    tree.mkdir()
    with open(tree / "zeros", "wb") as zeros:
        zeros.truncate(12 << 20)
    return {"jffs2": mkfs_jffs2(tree, work / "bomb.jffs2", "little"),
            "ubifs": mkfs_ubifs(tree, work / "bomb.ubifs", max_lebs=400)}


@pytest.mark.parametrize("kind", ["jffs2", "ubifs"])
def test_bomb_stops_at_the_bound(zero_bombs, kind, tmp_path):
    image = zero_bombs[kind]
    assert image.stat().st_size < (2 << 20)
    limits = Limits(max_total_bytes=4 << 20)
    with pytest.raises(LimitExceeded, match="expands to more than"):
        unpack(image, tmp_path / "out", limits)
    written = sum(file.stat().st_size for file in (tmp_path / "out").rglob("*") if file.is_file())
    assert written <= limits.max_total_bytes


def test_time_bound_stops_the_extractor(device, tmp_path):
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match="took longer than"):
        unpack(device.images["jffs2-little"], tmp_path / "out", Limits(max_seconds=0.05))
    assert time.monotonic() - started < 5


def test_ubi_is_cut_out_of_a_vendor_firmware_file(device, tmp_path):
    ubi = device.images["ubi"].read_bytes()
    at = 0x20000
    firmware = tmp_path / "router.bin"
    firmware.write_bytes(b"VNDRFW01" + os.urandom(4088) + b"\xff" * (at - 4096) + ubi + b"\xff" * 8192)
    assert detect_container(firmware) == "blob"
    [(inner, part)] = unpack(firmware, tmp_path / "parts")
    assert inner == f"/{at:x}.ubi" and part.read_bytes() == ubi
    files = dict(unpack_recursive(firmware, tmp_path / "out"))
    assert files["/etc/shadow"].read_bytes() == (device.tree / "etc/shadow").read_bytes()


def test_stray_ubi_magic_in_noise_is_no_image(tmp_path):
    data = bytearray(os.urandom(1 << 20))
    for at in range(0, len(data), ERASE_BLOCK):
        data[at + 3 : at + 7] = b"UBI#"
    (tmp_path / "noise.bin").write_bytes(bytes(data))
    assert detect_container(tmp_path / "noise.bin") is None
