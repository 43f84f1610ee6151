"""Build real packets byte by byte and write them as pcap or pcapng files (struct only)."""

from __future__ import annotations

import ipaddress
import struct
from pathlib import Path

ETHERNET, RAW, LINUX_SLL, LINUX_SLL2 = 1, 101, 113, 276
TCP_SYN, TCP_ACK, TCP_PSH, TCP_FIN, TCP_RST = 0x02, 0x10, 0x08, 0x01, 0x04


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp(sport: int, dport: int, payload: bytes) -> tuple[int, bytes]:
    return 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport: int, dport: int, flags: int, payload: bytes = b"", seq: int = 1000, ack: int = 0) -> tuple[int, bytes]:
    return 6, struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def icmp_echo(payload: bytes, ident: int = 1, seq: int = 1) -> tuple[int, bytes]:
    return 1, struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload


def ip(src: str, dst: str, transport: tuple[int, bytes]) -> bytes:
    """An IPv4 or IPv6 datagram (by the addresses' family) carrying the transport segment."""
    proto, segment = transport
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if s.version == 6:
        return struct.pack("!IHBB", 6 << 28, len(segment), 58 if proto == 1 else proto, 64) + s.packed + d.packed + segment
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 1, 0, 64, proto, 0, s.packed, d.packed)
    header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
    return header + segment


def ethernet(datagram: bytes, ethertype: int | None = None, src_mac: bytes = b"\x02\0\0\0\0\x01",
             dst_mac: bytes = b"\x02\0\0\0\0\x02", vlan: int | None = None) -> bytes:
    if ethertype is None:
        ethertype = 0x86DD if datagram[0] >> 4 == 6 else 0x0800
    tag = struct.pack("!HH", 0x8100, vlan) if vlan is not None else b""
    return dst_mac + src_mac + tag + struct.pack("!H", ethertype) + datagram


def linux_sll(datagram: bytes) -> bytes:
    proto = 0x86DD if datagram[0] >> 4 == 6 else 0x0800
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x01\0\0", proto) + datagram


def linux_sll2(datagram: bytes) -> bytes:
    proto = 0x86DD if datagram[0] >> 4 == 6 else 0x0800
    return struct.pack("!HHIHBB8s", proto, 0, 2, 1, 0, 6, b"\x02\0\0\0\0\x01\0\0") + datagram


FRAMERS = {ETHERNET: ethernet, RAW: lambda d: d, LINUX_SLL: linux_sll, LINUX_SLL2: linux_sll2}


def write_pcap(path: Path, packets: list[tuple[float, bytes]], link: int = ETHERNET, nanoseconds: bool = False) -> Path:
    """A classic little-endian pcap file of (time, frame) records."""
    magic = 0xA1B23C4D if nanoseconds else 0xA1B2C3D4
    scale = 1_000_000_000 if nanoseconds else 1_000_000
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, 262144, link))
        for ts, frame in packets:
            seconds = int(ts)
            out.write(struct.pack("<IIII", seconds, int(round((ts - seconds) * scale)), len(frame), len(frame)))
            out.write(frame)
    return path


def block(kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)


def write_pcapng(path: Path, packets: list[tuple[float, bytes]], link: int = ETHERNET) -> Path:
    """A pcapng file: section header, one interface (microsecond times), enhanced packet blocks."""
    with open(path, "wb") as out:
        out.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        out.write(block(1, struct.pack("<HHI", link, 0, 262144) + struct.pack("<HHB3x", 9, 1, 6) + struct.pack("<HH", 0, 0)))
        for ts, frame in packets:
            micros = int(round(ts * 1_000_000))
            out.write(block(6, struct.pack("<IIIII", 0, micros >> 32, micros & 0xFFFFFFFF, len(frame), len(frame)) + frame))
    return path


def capture(path: Path, datagrams, link: int = ETHERNET, writer=write_pcap) -> Path:
    """Frame (time, datagram) pairs for the link type, in time order, and write them."""
    framer = FRAMERS[link]
    return writer(path, [(t, framer(d)) for t, d in sorted(datagrams, key=lambda item: item[0])], link)
