"""Read pcap and pcapng files as batches of packets: numpy columns over one chunk of the file.

Written by hand because no maintained Python library reads captures at the speed needed (dpkt and
scapy decode each packet into Python objects, ~30 k and ~3 k packets/s).  The only sequential work
is following the record lengths from one header to the next; every field is then gathered with numpy.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

import numpy as np

from doorwatch.errors import DoorwatchError

CHUNK_BYTES = 4 << 20  # a few MB: a batch stays in cache yet spreads its fixed numpy cost over ~10 k packets
MAX_RECORD = 1 << 18  # libpcap's MAXIMUM_SNAPLEN: a longer record means a corrupt file
PAD = 256  # zero bytes after each chunk so fixed-offset gathers never leave the array

# DLT / LINKTYPE numbers (tcpdump.org/linktypes.html) this reader decodes.
LINK_NAMES = {0: "null", 1: "ethernet", 12: "raw", 14: "raw", 101: "raw", 108: "loop", 113: "linux-sll",
              228: "ipv4", 229: "ipv6", 276: "linux-sll2"}

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
EPB, SPB, OPB, IDB, SHB = 6, 3, 2, 1, 0x0A0D0D0A


class Buffer:
    """One reusable chunk buffer with numpy views for gathering fields at any byte offset.

    Chunks are small (a few MB) so that the many gathers of one batch hit the CPU cache; the
    multi-byte views have a stride of one byte, so `be16[i]` is the big-endian 16-bit value at byte i.
    """

    def __init__(self, size: int, order: str = "<"):
        self.raw = bytearray(size + PAD)
        self.view = memoryview(self.raw)
        self.data = np.frombuffer(self.raw, np.uint8)
        self.be16 = np.ndarray((size + PAD - 1,), ">u2", buffer=self.raw, strides=(1,))
        self.be32 = np.ndarray((size + PAD - 3,), ">u4", buffer=self.raw, strides=(1,))
        self.file32 = np.ndarray((size + PAD - 3,), f"{order}u4", buffer=self.raw, strides=(1,))


@dataclass
class Batch:
    """The complete packets of one chunk: `buffer` holds the chunk, columns give each packet's place."""

    buffer: Buffer
    start: np.ndarray  # int64 offset of each packet's first byte
    caplen: np.ndarray  # int64 captured length
    wirelen: np.ndarray  # int64 length on the wire
    ts: np.ndarray  # float64 seconds since the epoch
    link: np.ndarray  # int32 link type of each packet

    @property
    def data(self) -> np.ndarray:
        return self.buffer.data

    @property
    def raw(self) -> bytearray:
        return self.buffer.raw


@dataclass
class CaptureInfo:
    path: str
    packets: int = 0
    link_types: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    @property
    def link_type(self) -> str | None:
        names = sorted({LINK_NAMES.get(lt, f"linktype-{lt}") for lt in self.link_types})
        return ",".join(names) or None


try:
    from doorwatch.net._records import walk as _native_walk
except ImportError:  # installed without a C compiler: the Python loop below does the same, slower
    _native_walk = None


def record_offsets(buf: memoryview, start: int, length_at: int, fmt: str) -> np.ndarray:
    """int64 offsets of the records from `start` (see `_walk`), by the C loop when it was built."""
    if _native_walk is not None:
        return np.frombuffer(_native_walk(buf, start, length_at, fmt == ">"), np.int64)
    return np.asarray(_walk(buf, start, length_at, fmt), dtype=np.int64)


def _walk(buf: bytes, start: int, length_at: int, fmt: str) -> list[int]:
    """Offsets of the records from `start`, following each one's length field (the sequential part).

    Only records whose length field lies wholly inside the buffer are listed; the last one may still
    run past the buffer, which callers check.
    """
    unpack = struct.Struct(f"{fmt}{length_at}xI").unpack_from
    offsets: list[int] = []
    append = offsets.append
    off = start
    try:
        if length_at == 8:  # pcap: the length excludes the 16-byte record header
            while True:
                append(off)
                off += unpack(buf, off)[0] + 16
        else:  # pcapng: the block's total length (never 0, so a corrupt block cannot stall the walk)
            while True:
                append(off)
                off += unpack(buf, off)[0] or 4
    except struct.error:
        pass
    if offsets and offsets[-1] + length_at + 4 > len(buf):
        offsets.pop()  # header itself incomplete
    return offsets


class CaptureReader:
    """Iterates over a capture file's batches; `info` collects counts, link types and notes."""

    def __init__(self, path: Path, chunk_bytes: int = CHUNK_BYTES, span: tuple[int, int] | None = None):
        """`span` (pcap only): read just the records between these two byte offsets (record boundaries)."""
        self.path = path
        self.chunk_bytes = chunk_bytes
        self.span = span
        self.info = CaptureInfo(path=str(path))

    def batches(self) -> Iterator[Batch]:
        try:
            handle = self.path.open("rb")
        except OSError as err:
            raise DoorwatchError(f"cannot read {self.path}: {err.strerror or err}") from None
        with handle:
            magic = self._read(handle, 4)
            if magic in PCAP_MAGICS:
                yield from self._pcap(handle, magic)
            elif magic == PCAPNG_SHB:
                yield from self._pcapng(handle, magic)
            else:
                raise DoorwatchError(f"{self.path} is not a pcap or pcapng capture (unknown magic {magic.hex() or 'empty file'})")

    def _read(self, handle: BinaryIO, size: int) -> bytes:
        try:
            return handle.read(size)
        except OSError as err:
            raise DoorwatchError(f"cannot read {self.path}: {err.strerror or err}") from None

    def _chunks(self, handle: BinaryIO, order: str, head: bytes) -> Iterator[tuple[Buffer, int, bool]]:
        """(buffer, bytes in use, end of file) for successive chunks; the caller sends back how many
        bytes it consumed, and the rest moves to the front of the next chunk."""
        buffer = Buffer(self.chunk_bytes + MAX_RECORD + 64, order)
        buffer.raw[:len(head)] = head
        filled = len(head)
        remaining = self.span[1] - self.span[0] if self.span else None
        while True:
            want = self.chunk_bytes if remaining is None else min(self.chunk_bytes, remaining)
            try:
                count = handle.readinto(buffer.view[filled:filled + want]) if want else 0
                if remaining is not None:
                    remaining -= count
            except OSError as err:
                raise DoorwatchError(f"cannot read {self.path}: {err.strerror or err}") from None
            filled += count
            buffer.raw[filled:filled + PAD] = bytes(PAD)
            consumed = yield buffer, filled, count == 0
            if count == 0:
                return
            buffer.raw[:filled - consumed] = bytes(buffer.view[consumed:filled])
            filled -= consumed

    def _truncated(self, what: str, remaining: int) -> None:
        self.info.notes.append(f"{self.path}: last {what} truncated ({remaining} bytes ignored)")

    # pcap -----------------------------------------------------------------------------------------------

    def _pcap(self, handle: BinaryIO, magic: bytes) -> Iterator[Batch]:
        fmt, tick = PCAP_MAGICS[magic]
        header = magic + self._read(handle, 20)
        if len(header) < 24:
            raise DoorwatchError(f"{self.path}: pcap file header truncated")
        link = struct.unpack(f"{fmt}I", header[20:24])[0] & 0x0FFFFFFF
        self.info.link_types.add(link)
        if self.span:
            handle.seek(self.span[0])
        chunks = self._chunks(handle, fmt, b"")
        buffer, filled, at_end = next(chunks)
        while True:
            off = record_offsets(buffer.view[:filled], 0, 8, fmt)
            caplen = buffer.file32[off + 8].astype(np.int64)
            if len(off) and caplen.max() > MAX_RECORD:
                bad = int(off[np.argmax(caplen > MAX_RECORD)])
                raise DoorwatchError(f"{self.path}: malformed pcap record (length {int(caplen.max())}) near byte {bad}")
            if len(off) and off[-1] + 16 + caplen[-1] > filled:
                off, caplen = off[:-1], caplen[:-1]
            consumed = int(off[-1] + 16 + caplen[-1]) if len(off) else 0
            if len(off):
                seconds = buffer.file32[off].astype(np.float64)
                fraction = buffer.file32[off + 4].astype(np.float64) * tick
                self.info.packets += len(off)
                yield Batch(buffer, off + 16, caplen, buffer.file32[off + 12].astype(np.int64), seconds + fraction,
                            np.full(len(off), link, np.int32))
            if at_end:
                if consumed < filled:
                    self._truncated("packet", filled - consumed)
                return
            buffer, filled, at_end = chunks.send(consumed)

    # pcapng ---------------------------------------------------------------------------------------------

    def _pcapng(self, handle: BinaryIO, magic: bytes) -> Iterator[Batch]:
        head = magic + self._read(handle, 8)
        if len(head) < 12:
            raise DoorwatchError(f"{self.path}: pcapng section header truncated")
        fmt = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}.get(head[8:12])
        if fmt is None:
            raise DoorwatchError(f"{self.path}: pcapng section header has no valid byte-order magic")
        links: list[int] = []
        resolutions: list[float] = []
        chunks = self._chunks(handle, fmt, head)
        buffer, filled, at_end = next(chunks)
        while True:
            off = record_offsets(buffer.view[:filled], 0, 4, fmt)
            total = buffer.file32[off + 4].astype(np.int64)
            if len(off) and (total.min() < 12 or total.max() > MAX_RECORD + 64):
                bad = int(off[np.argmax((total < 12) | (total > MAX_RECORD + 64))])
                raise DoorwatchError(f"{self.path}: malformed pcapng block near byte {bad}")
            if len(off) and off[-1] + total[-1] > filled:
                off, total = off[:-1], total[:-1]
            consumed = int(off[-1] + total[-1]) if len(off) else 0
            kind = buffer.file32[off].astype(np.int64)
            for pos in np.flatnonzero((kind == IDB) | (kind == SHB)):
                self._pcapng_control(buffer.raw, int(off[pos]), int(kind[pos]), fmt, links, resolutions)
            batch = self._pcapng_packets(buffer, off, kind, links, resolutions)
            if batch is not None:
                self.info.packets += len(batch.start)
                yield batch
            if at_end:
                if consumed < filled:
                    self._truncated("block", filled - consumed)
                return
            buffer, filled, at_end = chunks.send(consumed)

    def _pcapng_control(self, chunk: bytearray, off: int, kind: int, fmt: str, links: list[int], resolutions: list[float]) -> None:
        """Section headers reset the interface list; interface blocks add one (link type, time resolution)."""
        if kind == SHB:
            if chunk[off + 8:off + 12] != {"<": b"\x4d\x3c\x2b\x1a", ">": b"\x1a\x2b\x3c\x4d"}[fmt]:
                raise DoorwatchError(f"{self.path}: pcapng sections of mixed byte order are not supported")
            links.clear()
            resolutions.clear()
            return
        link = struct.unpack_from(f"{fmt}H", chunk, off + 8)[0]
        total = struct.unpack_from(f"{fmt}I", chunk, off + 4)[0]
        resolution = 1e-6
        pos, end = off + 16, off + total - 4
        while pos + 4 <= end:  # options: if_tsresol (code 9) changes the time unit
            code, length = struct.unpack_from(f"{fmt}HH", chunk, pos)
            if code == 0:
                break
            if code == 9 and length >= 1:
                value = chunk[pos + 4]
                resolution = 2.0 ** -(value & 0x7F) if value & 0x80 else 10.0 ** -value
            pos += 4 + (length + 3) // 4 * 4
        links.append(link)
        resolutions.append(resolution)
        self.info.link_types.add(link)

    def _pcapng_packets(self, buffer: Buffer, off, kind, links, resolutions) -> Batch | None:
        """Enhanced (and obsolete) packet blocks carry interface, time and lengths; simple ones only a length."""
        enhanced = off[(kind == EPB) | (kind == OPB)]
        simple = off[kind == SPB]
        if not len(enhanced) and not len(simple):
            return None
        if not links:
            raise DoorwatchError(f"{self.path}: pcapng packet before any interface description block")
        u32 = buffer.file32
        interface = u32[enhanced + 8].astype(np.int64)
        obsolete = kind[(kind == EPB) | (kind == OPB)] == OPB
        if obsolete.any():  # obsolete blocks hold a 16-bit interface id and a 16-bit drop count
            interface = np.where(obsolete, (interface & 0xFFFF) if buffer.file32.dtype.byteorder == "<" else interface >> 16,
                                 interface)
        if len(enhanced) and interface.max() >= len(links):
            raise DoorwatchError(f"{self.path}: pcapng packet names interface {int(interface.max())}, which is not described")
        link_table = np.asarray(links, np.int32)
        resolution_table = np.asarray(resolutions, np.float64)
        stamp = u32[enhanced + 12].astype(np.float64) * 4294967296.0 + u32[enhanced + 16]
        wire_simple = u32[simple + 8].astype(np.int64)
        columns = (
            np.concatenate([enhanced + 28, simple + 12]),
            np.concatenate([u32[enhanced + 20].astype(np.int64), np.minimum(wire_simple, u32[simple + 4] - 16)]),
            np.concatenate([u32[enhanced + 24].astype(np.int64), wire_simple]),
            np.concatenate([stamp * resolution_table[interface], np.full(len(simple), np.nan)]),
            np.concatenate([link_table[interface], np.full(len(simple), link_table[0], np.int32)]),
        )
        if len(simple):  # keep file order when both kinds of block occur
            order = np.argsort(columns[0], kind="stable")
            columns = tuple(column[order] for column in columns)
        start, caplen, wirelen, ts, link = columns
        if len(simple):  # simple blocks have no time: take the previous packet's
            ts = _fill_forward(ts)
        return Batch(buffer, start, caplen, wirelen, ts, link)


def split_pcap(path: Path, parts: int) -> list[tuple[int, int]] | None:
    """Byte spans of a pcap file that start on record boundaries, for reading in parallel; None if the
    file is not a classic pcap or no boundary can be trusted."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(40)
        if len(header) < 40 or header[:4] not in PCAP_MAGICS:
            return None
        fmt, tick = PCAP_MAGICS[header[:4]]
        first_second = struct.unpack_from(f"{fmt}I", header, 24)[0]
        cuts = [24]
        for part in range(1, parts):
            approx = size * part // parts
            handle.seek(approx)
            found = _resync(handle.read(4 << 20), fmt, first_second, round(1 / tick))
            if found is None:
                return None
            cuts.append(approx + found)
    cuts.append(size)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _resync(window: bytes, fmt: str, first_second: int, ticks: int, chain: int = 64) -> int | None:
    """The first offset in `window` where `chain` consecutive plausible pcap records follow each other.

    Plausible: captured length within the wire length and MAX_RECORD, sub-second part below one second,
    time not before the file's first packet (less a day).  A random byte offset passes this for 64
    records in a row with negligible probability."""
    unpack = struct.Struct(f"{fmt}IIII").unpack_from
    for start in range(0, max(0, len(window) - 16 * chain)):
        pos, good = start, 0
        while good < chain and pos + 16 <= len(window):
            second, fraction, caplen, wirelen = unpack(window, pos)
            if caplen > wirelen or caplen > MAX_RECORD or fraction >= ticks or second + 86400 < first_second:
                break
            pos += 16 + caplen
            good += 1
        if good == chain:
            return start
    return None


def _fill_forward(values: np.ndarray) -> np.ndarray:
    known = ~np.isnan(values)
    index = np.where(known, np.arange(len(values)), 0)
    np.maximum.accumulate(index, out=index)
    filled = values[index]
    return np.where(np.isnan(filled), 0.0, filled)
