"""Safe, bounded unpacking of firmware images and archives.

The content of an image is data: nothing in it is executed, no entry is written
outside the destination, symlinks, hard links, device nodes, FIFOs and sockets are
never created (they are dropped and noted), and every byte written is counted, so a
decompression bomb, a huge file count or a slow image stops with `ExtractError`
instead of filling the disk.  Declared sizes are never trusted: output is streamed
through one counter.

`unpack` opens one level.  A caller that recurses shares one `Budget` across the
levels of one image (so the bounds hold for the whole image) or uses
`unpack_recursive`, which does exactly that and enforces `Limits.max_depth`.

Formats: tar, zip, cpio (newc, crc, odc), gzip, xz, lzma, bzip2, uImage (header
stripped), squashfs (`unsquashfs`), cramfs, JFFS2 (`jefferson`), UBI and UBIFS
(`ubi_reader`); squashfs, cramfs, uImage and UBI parts laid end to end in a vendor's
firmware file are cut out ("blob").
"""

from __future__ import annotations

import bz2
import contextlib
import errno
import gzip
import importlib.util
import json
import lzma
import mmap
import os
import pwd
import re
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from doorwatch.errors import DoorwatchError

CHUNK = 1 << 20
# Small outputs may legitimately expand far beyond the ratio (a page of repeated
# configuration text); the ratio bound applies once a container has produced this much.
RATIO_FLOOR_BYTES = 16 << 20


class ExtractError(DoorwatchError):
    """A bad or hostile image: the message says what was wrong and which bound stopped it."""


class LimitExceeded(ExtractError):
    """The whole image went past its total size, file count or time: nothing more is unpacked."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what unpacking one image may produce."""

    max_depth: int = 6
    max_total_bytes: int = 2 << 30
    max_files: int = 100_000
    max_ratio: float = 200.0
    max_seconds: float = 120.0


class Budget:
    """What one image has used so far of its `Limits`; shared by all levels of that image."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.total_bytes = 0
        self.files = 0

    def seconds_left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise LimitExceeded(f"extraction took longer than {self.limits.max_seconds:g} s")
        return left

    def add_file(self) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise LimitExceeded(f"image holds more than {self.limits.max_files} files")

    def add_bytes(self, count: int) -> None:
        self.total_bytes += count
        if self.total_bytes > self.limits.max_total_bytes:
            raise LimitExceeded(
                f"image expands to more than {self.limits.max_total_bytes} bytes")
        self.seconds_left()


def _bomb_bound(limits: Limits, source_size: int) -> int:
    return max(RATIO_FLOOR_BYTES, int(limits.max_ratio * max(source_size, 1)))


def _refuse_beyond_budget(sink: _Sink, size: int, entries: int) -> None:
    """Raises before a container adds `size` bytes in `entries` files that its bounds forbid."""
    limits = sink.budget.limits
    if sink.budget.files + entries > limits.max_files:
        raise LimitExceeded(f"image holds more than {limits.max_files} files")
    if sink.written + size > _bomb_bound(limits, sink.source_size):
        raise ExtractError(f"content expands more than {limits.max_ratio:g}x its "
                           f"{sink.source_size}-byte container (decompression bomb)")
    if sink.budget.total_bytes + size > limits.max_total_bytes:
        raise LimitExceeded(f"image expands to more than {limits.max_total_bytes} bytes")


def _room(sink: _Sink) -> int:
    """How many more bytes this container may produce."""
    limits = sink.budget.limits
    return min(_bomb_bound(limits, sink.source_size) - sink.written,
               limits.max_total_bytes - sink.budget.total_bytes)


class _Sink:
    """Writes one container's entries under dest, never outside it, within the budget."""

    def __init__(self, dest: Path, source_size: int, budget: Budget, notes: list[str]) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        self.dest = dest.resolve()
        self.source_size = source_size
        self.budget = budget
        self.notes = notes
        self.written = 0
        self.files: list[tuple[str, Path]] = []

    def skip(self, name: str, why: str) -> None:
        self.notes.append(f"{name}: {why}")

    def count(self, size: int) -> None:
        """Counts bytes produced by this container against the budget and the ratio."""
        self.written += size
        if self.written > _bomb_bound(self.budget.limits, self.source_size):
            raise ExtractError(
                f"content expands more than {self.budget.limits.max_ratio:g}x its "
                f"{self.source_size}-byte container (decompression bomb)")
        self.budget.add_bytes(size)

    def directory(self, name: str) -> None:
        relative = _safe_relative(name)
        if relative is None:
            self.skip(name, "path leaves the image, skipped")
            return
        try:
            if not self._make_directories(relative.parts):
                self.skip(name, "collides with a file of the image, skipped")
        except OSError as error:
            self._skip_bad_name(name, error)

    def file(self, name: str, chunks: Iterable[bytes]) -> None:
        """Streams one regular file to its place under dest."""
        relative = _safe_relative(name)
        if relative is None or not relative.parts:
            self.skip(name, "path leaves the image, skipped")
            return
        self.budget.add_file()
        try:
            descriptor = self._create(relative)
        except OSError as error:
            self._skip_bad_name(name, error)
            return
        if descriptor is None:
            self.skip(name, "collides with another entry of the image, skipped")
            return
        with os.fdopen(descriptor, "wb") as out:
            for chunk in chunks:
                self.count(len(chunk))
                out.write(chunk)
        self.files.append(("/" + relative.as_posix(), self.dest.joinpath(*relative.parts)))

    def _create(self, relative: PurePosixPath) -> int | None:
        """A new file's descriptor, or None if a directory of the image is in the way."""
        if not self._make_directories(relative.parts[:-1]):
            return None
        target = self.dest.joinpath(*relative.parts)
        try:
            if not stat.S_ISREG(os.lstat(target).st_mode):
                return None
            target.unlink()  # a later entry of the same name replaces the earlier
        except FileNotFoundError:
            pass
        return os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)

    def _make_directories(self, parts: tuple[str, ...]) -> bool:
        """Creates real directories down a path; False if one is a file or a link."""
        current = self.dest
        for part in parts:
            current = current / part
            try:
                if not stat.S_ISDIR(os.lstat(current).st_mode):
                    return False
            except FileNotFoundError:
                current.mkdir()
        return True

    def _skip_bad_name(self, name: str, error: OSError) -> None:
        if error.errno not in _BAD_NAME_ERRORS:
            raise error
        self.skip(name, f"{error.strerror}, skipped")


# A name this file system cannot hold skips its entry; other errors (a full disk) stop.
_BAD_NAME_ERRORS = {errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL}


def _safe_relative(name: str) -> PurePosixPath | None:
    """The entry's path relative to the image root, or None if it climbs out with '..'."""
    if "\x00" in name:
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None
    return PurePosixPath(*parts)


def _read_exactly(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """Yields `size` bytes of a stream in chunks; a short read is a truncated image."""
    while size > 0:
        chunk = stream.read(min(CHUNK, size))
        if not chunk:
            raise ExtractError("image is truncated")
        size -= len(chunk)
        yield chunk


def _read_all(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


# ---------------------------------------------------------------------------
# Detection


def _is_lzma_alone(head: bytes) -> bool:
    """The 13-byte header of a raw .lzma stream: properties, dictionary size, length."""
    if len(head) < 13 or head[0] >= 225:
        return False
    dictionary = struct.unpack_from("<I", head, 1)[0]
    size = struct.unpack_from("<Q", head, 5)[0]
    power_of_two = dictionary & (dictionary - 1) == 0
    three_halves = dictionary % 3 == 0 and (dictionary // 3) & (dictionary // 3 - 1) == 0
    return (4096 <= dictionary <= 1 << 30 and (power_of_two or three_halves)
            and (size == 2**64 - 1 or size < 1 << 40))


_JFFS2_NODE_TYPES = {0xE001, 0xE002, 0x2003, 0x2004, 0x2006, 0xE008, 0xE009}

_MAGICS: list[tuple[str, Callable[[bytes], bool]]] = [
    ("squashfs", lambda h: h[:4] in (b"hsqs", b"sqsh")),
    ("cramfs", lambda h: h[:4] in (b"\x45\x3d\xcd\x28", b"\x28\xcd\x3d\x45")),
    ("ubi", lambda h: h[:4] == b"UBI#"),
    ("ubifs", lambda h: h[:4] == b"\x31\x18\x10\x06"),
    ("jffs2", lambda h: len(h) >= 4 and (
        (h[:2] == b"\x85\x19" and struct.unpack_from("<H", h, 2)[0] in _JFFS2_NODE_TYPES)
        or (h[:2] == b"\x19\x85" and struct.unpack_from(">H", h, 2)[0] in _JFFS2_NODE_TYPES))),
    ("uimage", lambda h: h[:4] == b"\x27\x05\x19\x56"),
    ("cpio", lambda h: h[:6] in (b"070701", b"070702", b"070707")),
    ("tar", lambda h: h[257:262] == b"ustar"),
    ("zip", lambda h: h[:4] in (b"PK\x03\x04", b"PK\x05\x06")),
    ("gzip", lambda h: h[:3] == b"\x1f\x8b\x08"),
    ("xz", lambda h: h[:6] == b"\xfd7zXZ\x00"),
    ("bzip2", lambda h: h[:3] == b"BZh" and h[3:4].isdigit() and h[4:10] == b"1AY&SY"),
    ("lzma", _is_lzma_alone),
]


def detect_container(path: Path) -> str | None:
    """The container format of a file from its first bytes (never its name), or None.

    "blob" is a file that starts with no known header but holds images at offsets
    (a vendor header, then a kernel and a root file system): unpack cuts them out.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
            kind = next((kind for kind, matches in _MAGICS if matches(head)), None)
            if kind is None and 0 < os.fstat(handle.fileno()).st_size <= CARVE_MAX_BYTES:
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                    kind = "blob" if _embedded(data, 0) else None
    except (OSError, ValueError):
        return None
    return kind


# ---------------------------------------------------------------------------
# Formats: each reads one container and feeds its entries to the sink.


def _unpack_tar(path: Path, sink: _Sink) -> None:
    with tarfile.open(path, "r:") as archive:
        for member in archive:
            sink.budget.seconds_left()
            try:  # the standard library's "data" policy: no traversal, no special files
                member = tarfile.data_filter(member, str(sink.dest))
            except tarfile.FilterError as error:
                sink.skip(member.name, f"{error}, skipped")
                continue
            if member.isdir():
                sink.directory(member.name)
            elif member.isreg():
                sink.file(member.name, _read_all(archive.extractfile(member)))
            elif member.issym() or member.islnk():
                sink.skip(member.name, f"link to {member.linkname} not created")


def _unpack_zip(path: Path, sink: _Sink) -> None:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            sink.budget.seconds_left()
            kind = stat.S_IFMT(info.external_attr >> 16)
            if info.is_dir():
                sink.directory(info.filename)
            elif kind not in (0, stat.S_IFREG):
                sink.skip(info.filename, "link or special file not created")
            elif info.flag_bits & 0x1:
                sink.skip(info.filename, "encrypted, not extracted")
            else:
                with archive.open(info) as member:
                    sink.file(info.filename, _read_all(member))


# Python's standard library reads tar and zip but not cpio; the newc/odc headers are
# fixed ASCII records, so this small reader avoids a native dependency for one format.
_CPIO_NEWC = struct.Struct("6s8s8s8s8s8s8s8s8s8s8s8s8s8s")
_CPIO_ODC = struct.Struct("6s6s6s6s6s6s6s6s11s6s11s")


def _cpio_entries(stream: BinaryIO) -> Iterator[tuple[str, int, int]]:
    """Yields (name, mode, data size) and leaves the stream at the entry's data."""
    offset = 0
    while True:
        magic = stream.read(6)
        if not magic:  # archives cut before their trailer still give their entries
            return
        if magic in (b"070701", b"070702"):
            fields = _CPIO_NEWC.unpack(magic + stream.read(_CPIO_NEWC.size - 6))
            numbers = [int(field, 16) for field in fields[1:]]
            mode, size, name_size, align = numbers[1], numbers[6], numbers[11], 4
            header = _CPIO_NEWC.size
        elif magic == b"070707":
            fields = _CPIO_ODC.unpack(magic + stream.read(_CPIO_ODC.size - 6))
            numbers = [int(field, 8) for field in fields[1:]]
            mode, name_size, size, align = numbers[2], numbers[7], numbers[8], 1
            header = _CPIO_ODC.size
        else:
            raise ExtractError(f"bad cpio header at offset {offset}")
        name = stream.read(name_size).rstrip(b"\x00").decode("utf-8", "surrogateescape")
        offset += header + name_size
        stream.read(-offset % align)
        offset += -offset % align
        if name == "TRAILER!!!":
            return
        yield name, mode, size
        offset += size + (-size % align)
        stream.seek(offset)


def _unpack_cpio(path: Path, sink: _Sink) -> None:
    with open(path, "rb") as stream:
        try:
            for name, mode, size in _cpio_entries(stream):
                sink.budget.seconds_left()
                if stat.S_ISDIR(mode):
                    sink.directory(name)
                elif stat.S_ISREG(mode):
                    sink.file(name, _read_exactly(stream, size))
                else:
                    sink.skip(name, f"{_kind_name(mode)} not created")
        except ValueError as error:
            raise ExtractError(f"bad cpio header: {error}") from error


def _kind_name(mode: int) -> str:
    kinds = {stat.S_IFLNK: "symlink", stat.S_IFCHR: "character device",
             stat.S_IFBLK: "block device", stat.S_IFIFO: "FIFO", stat.S_IFSOCK: "socket"}
    return kinds.get(stat.S_IFMT(mode), "special file")


# Each compressed stream: how to open it, and what its name's suffix turns into.
_STREAM_OPENERS: dict[str, tuple[Callable[[Path], BinaryIO], dict[str, str]]] = {
    "gzip": (gzip.open, {".gz": "", ".tgz": ".tar"}),
    "xz": (lzma.open, {".xz": "", ".txz": ".tar"}),
    "lzma": (lzma.open, {".lzma": "", ".tlz": ".tar"}),
    "bzip2": (bz2.open, {".bz2": "", ".tbz2": ".tar", ".tbz": ".tar"}),
}


def _stream_name(path: Path, suffixes: dict[str, str]) -> str:
    """The name a compressed file stands for: 'rootfs.tgz' -> 'rootfs.tar', 'kernel' -> 'kernel'."""
    for suffix, replacement in suffixes.items():
        if path.name.lower().endswith(suffix) and len(path.name) > len(suffix):
            return path.name[: -len(suffix)] + replacement
    return path.name


def _unpack_stream(kind: str) -> Callable[[Path, _Sink], None]:
    opener, suffixes = _STREAM_OPENERS[kind]

    def unpack_stream(path: Path, sink: _Sink) -> None:
        def chunks() -> Iterator[bytes]:
            produced = 0
            with opener(path) as stream:
                try:  # read1: a later corrupt block must not discard what decoded before it
                    while chunk := stream.read1(CHUNK):
                        produced += len(chunk)
                        yield chunk
                except (OSError, EOFError, lzma.LZMAError, zlib.error) as error:
                    if not produced:
                        raise ExtractError(f"bad {kind} stream: {error}") from error
                    # Firmware pads or appends data after the stream: keep what decoded.
                    sink.skip(path.name, f"{kind} stream ends in undecodable data ({error})")

        sink.file(_stream_name(path, suffixes), chunks())

    return unpack_stream


_UIMAGE_HEADER = struct.Struct(">IIIIIIIBBBB32s")


def _unpack_uimage(path: Path, sink: _Sink) -> None:
    """Strips the 64-byte U-Boot header: the payload (often compressed) is one entry, and
    images laid after it (a root file system behind the kernel) are cut out."""
    with _mapped(path) as data:
        if len(data) < _UIMAGE_HEADER.size:
            raise ExtractError("uImage header is truncated")
        size = _UIMAGE_HEADER.unpack_from(data)[3]
        end = min(_UIMAGE_HEADER.size + size, len(data))
        if end < _UIMAGE_HEADER.size + size:
            sink.skip(path.name, f"uImage declares {size} bytes, holds {end - _UIMAGE_HEADER.size}")
        sink.file(path.name, _slices(data, _UIMAGE_HEADER.size, end))
        _carve(data, end, sink)


# A firmware file is often a vendor header, a kernel and a root file system laid end
# to end.  Those parts are found by headers that check themselves (a squashfs or cramfs
# superblock whose sizes fit, a uImage or UBI header whose CRC matches) and cut out as entries.
CARVE_MAX_BYTES = 1 << 30
CARVE_MAX_CANDIDATES = 4096


def _squashfs_length(data: mmap.mmap, at: int) -> int | None:
    if at + 96 > len(data):
        return None
    block_size = struct.unpack_from("<I", data, at + 12)[0]
    compression, block_log = struct.unpack_from("<HH", data, at + 20)
    major = struct.unpack_from("<H", data, at + 28)[0]
    used = struct.unpack_from("<Q", data, at + 40)[0]
    valid = (major == 4 and 12 <= block_log <= 20 and block_size == 1 << block_log
             and 1 <= compression <= 6 and 96 <= used <= len(data) - at)
    return used if valid else None


def _cramfs_length(data: mmap.mmap, at: int) -> int | None:
    if at + 76 > len(data) or data[at + 16 : at + 32] != b"Compressed ROMFS":
        return None
    size = struct.unpack_from(">I" if data[at] == 0x28 else "<I", data, at + 4)[0]
    return size if 76 <= size <= len(data) - at else None


def _uimage_length(data: mmap.mmap, at: int) -> int | None:
    header = bytearray(data[at : at + _UIMAGE_HEADER.size])
    if len(header) < _UIMAGE_HEADER.size:
        return None
    checksum, size = struct.unpack_from(">I", header, 4)[0], struct.unpack_from(">I", header, 12)[0]
    header[4:8] = bytes(4)
    valid = zlib.crc32(header) == checksum and size <= len(data) - at - _UIMAGE_HEADER.size
    return _UIMAGE_HEADER.size + size if valid else None


def _ubi_header(data: mmap.mmap, at: int) -> int | None:
    """The image sequence number of a UBI erase-counter header whose CRC matches, else None."""
    header = data[at : at + 64]
    if len(header) < 64 or header[:4] != b"UBI#":
        return None
    checksum, sequence = struct.unpack_from(">I", header, 60)[0], struct.unpack_from(">I", header, 24)[0]
    return sequence if ~zlib.crc32(header[:60]) & 0xFFFFFFFF == checksum else None  # CRC-32 without final xor


def _ubi_length(data: mmap.mmap, at: int) -> int | None:
    """A UBI image is erase blocks of one power-of-two size, each opening with a checked
    header of the same image: its length is the run of such blocks (JFFS2, which has no
    such frame, is not carved)."""
    sequence = _ubi_header(data, at)
    if sequence is None:
        return None
    following = data.find(b"UBI#", at + 64)
    while following >= 0 and _ubi_header(data, following) != sequence:
        following = data.find(b"UBI#", following + 1)
    if following < 0:
        return None
    block = following - at
    if block & (block - 1) or block < 4096:
        return None
    end = at
    while _ubi_header(data, end) == sequence:
        end += block
    return min(end, len(data)) - at if end - at >= 2 * block else None


_CARVERS: dict[bytes, tuple[str, Callable[[mmap.mmap, int], int | None]]] = {
    b"hsqs": ("squashfs", _squashfs_length),
    b"\x45\x3d\xcd\x28": ("cramfs", _cramfs_length),
    b"\x28\xcd\x3d\x45": ("cramfs", _cramfs_length),
    b"\x27\x05\x19\x56": ("uimage", _uimage_length),
    b"UBI#": ("ubi", _ubi_length),
}


def _embedded(data: mmap.mmap, start: int) -> list[tuple[int, int, str]]:
    """(offset, length, kind) of the images found from `start` on, none overlapping."""
    found = []
    for magic, (kind, length_at) in _CARVERS.items():
        at = data.find(magic, start)
        for _ in range(CARVE_MAX_CANDIDATES):
            if at < 0:
                break
            length = length_at(data, at)
            if length:
                found.append((at, length, kind))
            at = data.find(magic, at + (length or 1))  # what starts inside an image is part of it
    regions, end = [], start
    for at, length, kind in sorted(found):
        if at >= end:
            regions.append((at, length, kind))
            end = at + length
    return regions


def _carve(data: mmap.mmap, start: int, sink: _Sink) -> None:
    for at, length, kind in _embedded(data, start):
        sink.file(f"{at:x}.{kind}", _slices(data, at, at + length))


def _unpack_blob(path: Path, sink: _Sink) -> None:
    with _mapped(path) as data:
        _carve(data, 0, sink)


def _slices(data: mmap.mmap, start: int, end: int) -> Iterator[bytes]:
    for at in range(start, end, CHUNK):
        yield data[at : min(at + CHUNK, end)]


@contextlib.contextmanager
def _mapped(path: Path) -> Iterator[mmap.mmap]:
    """The file's bytes, mapped read-only (an empty file maps to nothing)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield mmap.mmap(-1, 1)[:0]
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


# Squashfs images are read by unsquashfs, the maintained tool, run on a copy of the image
# in a private directory, as an unprivileged user when we are root (so it can create no
# device node and write nowhere else), within the time left, told to skip links and
# special files; what it leaves is checked entry by entry before it is adopted under dest.


def _nobody() -> int:
    try:
        return pwd.getpwnam("nobody").pw_uid
    except KeyError:
        return 65534


def _run_tool(command: list[str], sink: _Sink, what: str) -> subprocess.CompletedProcess:
    unprivileged = _nobody() if os.geteuid() == 0 else None
    try:
        return subprocess.run(command, capture_output=True, timeout=sink.budget.seconds_left(),
                              user=unprivileged, group=unprivileged, extra_groups=[] if unprivileged else None,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as error:
        raise LimitExceeded(f"{what} extraction took longer than "
                           f"{sink.budget.limits.max_seconds:g} s") from error


def _tool_error(result: subprocess.CompletedProcess) -> str:
    lines = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


def _keep_regular_files(tree: Path, sink: _Sink) -> list[str]:
    """Counts a tool's regular files and removes every link, device, FIFO and socket."""
    kept = []
    for root, directories, files in os.walk(tree):  # never follows symlinks
        for name in directories + files:
            entry = Path(root, name)
            inner = "/" + entry.relative_to(tree).as_posix()
            info = entry.lstat()
            if stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode):
                _make_ours(entry, 0o755 if stat.S_ISDIR(info.st_mode) else 0o644)
            if stat.S_ISREG(info.st_mode):
                sink.budget.add_file()
                sink.count(info.st_size)
                kept.append(inner)
            elif not stat.S_ISDIR(info.st_mode):
                detail = f" to {os.readlink(entry)}" if stat.S_ISLNK(info.st_mode) else ""
                sink.skip(inner, f"{_kind_name(info.st_mode)}{detail} not kept")
                entry.unlink()
    return kept


def _adopt_tree(tree: Path, sink: _Sink) -> None:
    """Moves a tool's checked output under dest: only its regular files and directories."""
    kept = _keep_regular_files(tree, sink)
    for entry in tree.iterdir():
        shutil.move(entry, sink.dest / entry.name)
    sink.files.extend((inner, sink.dest / inner.lstrip("/")) for inner in kept)


def _make_ours(entry: Path, mode: int) -> None:
    """Gives a tool's output back to us, readable (an image's mode 000 must not hide files)."""
    if os.geteuid() == 0:
        os.lchown(entry, 0, 0)
    entry.chmod(mode)


@contextlib.contextmanager
def _staged(path: Path) -> Iterator[tuple[Path, Path]]:
    """(a private copy of the image, room for a tool's output) in a staging directory removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="doorwatch-extract-") as staging_name:
        staging = Path(staging_name)
        shutil.copyfile(path, staging / "image")
        yield staging / "image", staging / "out"


@contextlib.contextmanager
def _lent_to_nobody(staging: Path) -> Iterator[None]:
    """While a tool runs as nobody (we are root), its staging directory is nobody's; taking it
    back afterwards locks that user out before we look inside."""
    if os.geteuid() != 0:
        yield
        return
    os.chown(staging, _nobody(), -1)
    try:
        yield
    finally:
        os.chown(staging, 0, 0)


def _unpack_squashfs(path: Path, sink: _Sink) -> None:
    """unsquashfs on a private copy, told to skip links and special files, then checked."""
    if shutil.which("unsquashfs") is None:
        raise ExtractError("squashfs image: install unsquashfs (squashfs-tools) to extract it")
    with _staged(path) as (image, out):
        with _lent_to_nobody(image.parent):
            excluded = _squashfs_plan(image, sink)
            result = _run_tool(["unsquashfs", "-n", "-no-xattrs", "-no-wildcards", "-excludes",
                                "-d", str(out), str(image), *excluded], sink, "squashfs")
        if result.returncode not in (0, 2) or not out.is_dir():  # 2: some entries not created
            raise ExtractError(f"bad squashfs image: {_tool_error(result)}")
        _adopt_tree(out, sink)


_LISTED_REGULAR = re.compile(rb"^-[-rwxsStT]{9} \S+ +(\d+) ", re.MULTILINE)
_LISTED_ENTRY = re.compile(rb"^[-dlcbps][-rwxsStT]{9} ", re.MULTILINE)
_LISTED_SPECIAL = re.compile(
    rb"^([lcbps])[-rwxsStT]{9} +\S+ +[\d, ]+ \d{4}-\d\d-\d\d \d\d:\d\d (.*)$", re.MULTILINE)
_LISTED_KINDS = {b"l": stat.S_IFLNK, b"c": stat.S_IFCHR, b"b": stat.S_IFBLK,
                 b"p": stat.S_IFIFO, b"s": stat.S_IFSOCK}


def _squashfs_plan(image: Path, sink: _Sink) -> list[str]:
    """Refuses a bomb before writing (inode sizes are exactly what unsquashfs writes) and
    returns the links and special files it must not create."""
    listing = _run_tool(["unsquashfs", "-lln", "-d", "", str(image)], sink, "squashfs")
    if listing.returncode not in (0, 2):
        raise ExtractError(f"bad squashfs image: {_tool_error(listing)}")
    declared = sum(int(size) for size in _LISTED_REGULAR.findall(listing.stdout))
    _refuse_beyond_budget(sink, declared, len(_LISTED_ENTRY.findall(listing.stdout)))
    excluded = []
    for letter, listed in _LISTED_SPECIAL.findall(listing.stdout):
        name, _, link = listed.decode("utf-8", "surrogateescape").partition(" -> ")
        detail = f" to {link}" if letter == b"l" else ""
        sink.skip(name, f"{_kind_name(_LISTED_KINDS[letter])}{detail} not created")
        excluded.append(name)
    return excluded


# fsck.cramfs, the maintained cramfs extractor, creates the image's device nodes and
# aborts without privileges; cramfs is a small fixed format (12-byte inodes, zlib
# pages), so it is read here, streaming each file through the sink.
_CRAMFS_PAGE = 4096
_CRAMFS_EXT_BLOCK_POINTERS = 0x800


@dataclass(frozen=True)
class _CramfsInode:
    mode: int
    size: int
    name_length: int
    offset: int


def _cramfs_inode(data: mmap.mmap, at: int, big_endian: bool) -> _CramfsInode:
    if big_endian:  # the same bit fields, allocated from the most significant bit
        first, second, third = struct.unpack_from(">III", data, at)
        return _CramfsInode(first >> 16, second >> 8, (third >> 26) * 4, (third & 0x3FFFFFF) * 4)
    first, second, third = struct.unpack_from("<III", data, at)
    return _CramfsInode(first & 0xFFFF, second & 0xFFFFFF, (third & 0x3F) * 4, (third >> 6) * 4)


def _cramfs_pages(data: mmap.mmap, inode: _CramfsInode, big_endian: bool) -> Iterator[bytes]:
    count = -(-inode.size // _CRAMFS_PAGE)
    ends = struct.unpack_from(f"{'>' if big_endian else '<'}{count}I", data, inode.offset)
    start, left = inode.offset + 4 * count, inode.size
    for end in ends:
        expected = min(_CRAMFS_PAGE, left)
        page = zlib.decompressobj().decompress(data[start:end], expected) if end > start \
            else bytes(expected)  # an empty page is a hole
        if len(page) != expected:
            raise ExtractError("cramfs page does not decompress to its size")
        yield page
        start, left = end, left - expected


def _unpack_cramfs(path: Path, sink: _Sink) -> None:
    with _mapped(path) as data:
        _read_cramfs(data, sink)


def _read_cramfs(data: mmap.mmap, sink: _Sink) -> None:
    big_endian = data[:4] == b"\x28\xcd\x3d\x45"
    flags = struct.unpack_from(">I" if big_endian else "<I", data, 8)[0]
    if flags & _CRAMFS_EXT_BLOCK_POINTERS:
        raise ExtractError("cramfs with direct block pointers is not supported")
    visited: set[int] = set()

    def walk(directory: _CramfsInode, prefix: str) -> None:
        if directory.offset in visited:  # a directory that loops back to an ancestor
            raise ExtractError("cramfs directory loop")
        visited.add(directory.offset)
        at, end = directory.offset, directory.offset + directory.size
        while at < end:
            sink.budget.seconds_left()
            inode = _cramfs_inode(data, at, big_endian)
            raw = data[at + 12 : at + 12 + inode.name_length]
            name = prefix + raw.rstrip(b"\x00").decode("utf-8", "surrogateescape")
            at += 12 + inode.name_length
            if stat.S_ISDIR(inode.mode):
                sink.directory(name)
                if inode.size:
                    walk(inode, name + "/")
            elif stat.S_ISREG(inode.mode):
                sink.file(name, _cramfs_pages(data, inode, big_endian))
            else:
                sink.skip(name, f"{_kind_name(inode.mode)} not created")

    walk(_cramfs_inode(data, 64, big_endian), "")


# JFFS2 and UBI/UBIFS are read by the field's maintained Python extractors, jefferson and
# ubi_reader, run like unsquashfs: on a private copy, in a child interpreter that drops to
# nobody when we are root, within the time left; their output is then checked entry by
# entry like unsquashfs's.  They cannot be told to skip links and special files, and
# jefferson writes a file through a link of the same name made just before, so the child
# refuses to make links, device nodes and FIFOs (the tools note the failure and go on) and
# records them for our notes.  They cannot be told a size bound either: the child's files
# and memory are capped by resource limits and its output tree is measured while it runs,
# so a bomb stops at the container's share of the budget.
_PYTHON_EXTRACTORS = {  # kind: (program name, module whose main() is its command line, package)
    "JFFS2": ("jefferson", "jefferson.cli", "jefferson"),
    "UBI": ("ubireader_extract_images", "ubireader.scripts.ubireader_extract_images", "ubi-reader"),
    "UBIFS": ("ubireader_extract_files", "ubireader.scripts.ubireader_extract_files", "ubi-reader"),
}
# The module, and the standard modules its command-line parser loads on demand (click's
# option suggestions: difflib; argparse's help formatter, built for every option: shutil;
# its translations: gettext, locale), are imported before privileges are dropped: the
# interpreter and its packages may live where nobody may not read (a root-only home).
# The image is opened only after the drop.
_EXTRACTOR_CHILD = """
import difflib, errno, gettext, importlib, json, locale, os, resource, shutil, stat, sys
program, module, uid, file_bytes, memory_bytes, refused_path, *arguments = sys.argv[1:]
main = importlib.import_module(module).main
refused = open(refused_path, "w")

def refuse(entry_at, mode_of):
    def create(*given, **options):
        target = os.fsdecode(given[0]) if entry_at else ""
        entry = os.path.abspath(given[entry_at])
        print(json.dumps([entry, mode_of(given), target]), file=refused, flush=True)
        raise PermissionError(errno.EPERM, "not created")
    return create

os.symlink = refuse(1, lambda given: stat.S_IFLNK)
os.mknod = refuse(0, lambda given: given[1] if len(given) > 1 else stat.S_IFREG)
os.mkfifo = refuse(0, lambda given: stat.S_IFIFO)
if int(uid) >= 0:
    os.setgroups([])
    os.setgid(int(uid))
    os.setuid(int(uid))
for limit, value in ((resource.RLIMIT_FSIZE, file_bytes), (resource.RLIMIT_AS, memory_bytes),
                     (resource.RLIMIT_CORE, 0)):
    resource.setrlimit(limit, (int(value), int(value)))
sys.argv = [program, *arguments]
main()
"""
# What the extractor's interpreter and libraries take beyond the data it holds.
EXTRACTOR_BASE_MEMORY = 512 << 20
_WATCH_INTERVAL = 0.05


def _tree_usage(tree: Path) -> tuple[int, int]:
    """Bytes in the regular files under tree and its number of entries, links not followed."""
    size = entries = 0
    for root, directories, files in os.walk(tree):
        for name in directories + files:
            entries += 1
            with contextlib.suppress(FileNotFoundError):
                info = os.lstat(os.path.join(root, name))
                size += info.st_size if stat.S_ISREG(info.st_mode) else 0
    return size, entries


def _run_extractor(kind: str, arguments: list[str], out: Path, sink: _Sink) -> tuple[int, str]:
    """Runs a Python extractor's command line, stopping it at the time or size bound; notes
    the links and special files it was refused.

    Returns its exit status and the last line it printed.
    """
    program, module, package = _PYTHON_EXTRACTORS[kind]
    if importlib.util.find_spec(module.partition(".")[0]) is None:
        raise ExtractError(f"{kind} image: install {package} (pip install {package}) to extract it")
    room = _room(sink)
    memory = min(room, sink.budget.limits.max_total_bytes) + EXTRACTOR_BASE_MEMORY
    uid = _nobody() if os.geteuid() == 0 else -1
    refused = out.parent / "refused"
    with tempfile.TemporaryFile() as printed:
        child = subprocess.Popen(
            [sys.executable, "-P", "-c", _EXTRACTOR_CHILD, program, module, str(uid),
             str(room + 1), str(memory), str(refused), *arguments],
            stdin=subprocess.DEVNULL, stdout=printed, stderr=subprocess.STDOUT,
            cwd=out.parent, start_new_session=True)
        try:
            while not _exited(child):
                _refuse_beyond_budget(sink, *_tree_usage(out))
                if sink.budget.deadline <= time.monotonic():
                    raise LimitExceeded(f"{kind} extraction took longer than "
                                        f"{sink.budget.limits.max_seconds:g} s")
        finally:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        printed.seek(0)
        lines = printed.read().decode("utf-8", "replace").strip().splitlines()
    _note_refused(refused, out, sink)
    return child.returncode, lines[-1] if lines else f"exit status {child.returncode}"


def _note_refused(refused: Path, out: Path, sink: _Sink) -> None:
    """Notes each link or special file the extractor was refused, at its path in the image."""
    with contextlib.suppress(FileNotFoundError), open(refused, encoding="utf-8") as records:
        for record in records:
            with contextlib.suppress(ValueError):  # a line cut by the size limit
                entry, mode, target = json.loads(record)
                inner = "/" + os.path.relpath(entry, os.path.realpath(out))  # the tools resolve paths
                sink.skip(inner, f"{_kind_name(mode)}{f' to {target}' if target else ''} not created")


def _exited(child: subprocess.Popen) -> bool:
    try:
        child.wait(_WATCH_INTERVAL)
    except subprocess.TimeoutExpired:
        return False
    return True


@contextlib.contextmanager
def _extracted(kind: str, path: Path, sink: _Sink, options: list[str]) -> Iterator[Path]:
    """Runs an extractor on a private copy of the image; yields its output directory (not yet
    checked), which goes with the staging directory afterwards."""
    with _staged(path) as (image, out):
        with _lent_to_nobody(image.parent):
            status, last_line = _run_extractor(kind, [*options, str(out), str(image)], out, sink)
        if status != 0:
            raise ExtractError(f"bad {kind} image: {last_line}")
        if not out.is_dir() or not any(out.iterdir()):
            raise ExtractError(f"bad {kind} image: no file found ({last_line})")
        yield out


def _unpack_file_system(kind: str, options: list[str]) -> Callable[[Path, _Sink], None]:
    def unpack_file_system(path: Path, sink: _Sink) -> None:
        with _extracted(kind, path, sink, options) as out:
            _adopt_tree(out, sink)
    return unpack_file_system


_UBI_VOLUME_FILE = re.compile(r"img-(\d+)_vol-(.+)\.ubifs")


def _unpack_ubi(path: Path, sink: _Sink) -> None:
    """Each volume of a UBI image becomes an entry named after it ('rootfs'), read in turn
    like any nested container (UBIFS, squashfs, a kernel)."""
    with _extracted("UBI", path, sink, ["-o"]) as out:
        volumes = [(match, file) for file in sorted(out.glob("*/*"))
                   if (match := _UBI_VOLUME_FILE.fullmatch(file.name))]
        several_images = len({match[1] for match, _ in volumes}) > 1
        for match, file in volumes:
            if not stat.S_ISREG(file.lstat().st_mode):
                continue
            name = f"{match[1]}/{match[2]}" if several_images else match[2]
            with open(os.open(file, os.O_RDONLY | os.O_NOFOLLOW), "rb") as volume:
                sink.file(name, _read_all(volume))


_UNPACKERS: dict[str, Callable[[Path, _Sink], None]] = {
    "tar": _unpack_tar,
    "zip": _unpack_zip,
    "cpio": _unpack_cpio,
    "uimage": _unpack_uimage,
    "blob": _unpack_blob,
    "squashfs": _unpack_squashfs,
    "cramfs": _unpack_cramfs,
    "jffs2": _unpack_file_system("JFFS2", ["-d"]),
    "ubi": _unpack_ubi,
    "ubifs": _unpack_file_system("UBIFS", ["-o"]),
    **{kind: _unpack_stream(kind) for kind in _STREAM_OPENERS},
}


def unpack(path: Path, dest: Path, limits: Limits = Limits(), *,
           budget: Budget | None = None, notes: list[str] | None = None) -> list[tuple[str, Path]]:
    """Extracts one level of a container into dest.

    Returns (path inside the image, extracted regular file) pairs.  Entries that were
    skipped (links, devices, paths leaving the image) are appended to `notes`.  Raises
    ExtractError for a file that is not a known container, a corrupt one, or one that
    exceeds the limits; pass the same `budget` to every level of one image.
    """
    kind = detect_container(path)
    if kind is None:
        raise ExtractError(f"{path.name}: not a known archive or firmware image")
    budget = budget or Budget(limits)
    sink = _Sink(dest, path.stat().st_size, budget, notes if notes is not None else [])
    try:
        _UNPACKERS[kind](path, sink)
    except ExtractError:
        raise
    except (OSError, EOFError, ValueError, NotImplementedError, tarfile.TarError,
            zipfile.BadZipFile, lzma.LZMAError, zlib.error, struct.error) as error:
        raise ExtractError(f"bad {kind} image {path.name}: {error}") from error
    return sink.files


def unpack_recursive(path: Path, dest: Path, limits: Limits = Limits(), *,
                     notes: list[str] | None = None) -> list[tuple[str, Path]]:
    """Extracts an image and every container inside it, within one budget.

    Returns every extracted regular file, nested containers included.  A file inside a
    nested container has the container's inner path as prefix ('/rootfs.img/etc/shadow').
    A container whose only content is another container (a compressed stream, a uImage
    around a compressed kernel) is a wrapper: it adds no level to the paths and its
    content is not listed (a gzipped tar's members are listed, the bare tar is not).
    Each container is extracted next to it, into '<file>.d'.

    Raises ExtractError when the image itself cannot be unpacked or the image as a whole
    exceeds its size, file count or time (LimitExceeded).  A nested container that is
    corrupt, a bomb, or deeper than `limits.max_depth` is listed as a file and noted.
    """
    budget = Budget(limits)
    notes = notes if notes is not None else []
    found: list[tuple[str, Path]] = []

    def descend(image: Path, prefix: str, target: Path, depth: int) -> None:
        files = unpack(image, target, limits, budget=budget, notes=notes)
        nested = [detect_container(file) is not None for _, file in files]
        if nested == [True]:  # a wrapper (compressed stream, uImage): its content stands for it
            inner, file = files[0]
            inside(file, prefix or inner, prefix, depth + 1, listed=False)
            return
        for (inner, file), is_container in zip(files, nested):
            found.append((prefix + inner, file))
            if is_container:
                inside(file, prefix + inner, prefix + inner, depth + 1, listed=True)

    def inside(file: Path, inner: str, prefix: str, depth: int, listed: bool) -> None:
        """Unpacks a container found in the image; its own failure skips only it."""
        try:
            if depth > limits.max_depth:
                raise ExtractError(f"containers nested deeper than {limits.max_depth} levels")
            descend(file, prefix, file.with_name(file.name + ".d"), depth)
        except LimitExceeded:
            raise
        except ExtractError as error:
            notes.append(f"{inner}: {error}, kept as a file")
            if not listed:
                found.append((inner, file))

    descend(path, "", dest, 1)
    return found
