"""Decode link, IP and transport headers of a whole batch at once with numpy gathers.

Addresses are kept as two uint64 halves of an IPv6 address; IPv4 addresses are IPv4-mapped
(::ffff:a.b.c.d), so one representation serves both families.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np

from doorwatch.net.capture import Batch

TCP, UDP, ICMP, ICMP6 = 6, 17, 1, 58
IPV4_MAPPED = np.uint64(0xFFFF << 32)
VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
IPV6_OPTION_HEADERS = (0, 43, 60)  # hop-by-hop, routing, destination options
IPV6_FRAGMENT = 44


@dataclass
class Packets:
    """Per-packet header fields of a batch (index i is packet i of the batch)."""

    batch: Batch
    ip: np.ndarray  # bool: an IPv4 or IPv6 packet
    proto: np.ndarray  # int32 transport protocol, -1 without IP
    src_hi: np.ndarray  # uint64
    src_lo: np.ndarray
    dst_hi: np.ndarray
    dst_lo: np.ndarray
    sport: np.ndarray  # int32, 0 without ports
    dport: np.ndarray
    flags: np.ndarray  # int32 TCP flags, 0 otherwise
    l4: np.ndarray  # int64 offset of the transport header
    payload: np.ndarray  # int64 offset of the transport payload
    paylen: np.ndarray  # int64 payload length within the capture and the IP datagram
    iplen: np.ndarray  # int64 bytes of the IP datagram (as sent, even if the capture is cut short)
    opening: np.ndarray  # first 4 payload bytes, big-endian (bytes past the payload are not zeroed)

    def __len__(self) -> int:
        return len(self.proto)


def be(batch: Batch, offsets: np.ndarray, width: int) -> np.ndarray:
    """Big-endian unsigned integers of `width` bytes (1, 2 or 4) at the given offsets, as int64
    (one dtype throughout keeps numpy on its fast same-type loops)."""
    view = {1: batch.buffer.data, 2: batch.buffer.be16, 4: batch.buffer.be32}[width]
    return view[offsets].astype(np.int64)


def be64(batch: Batch, offsets: np.ndarray) -> np.ndarray:
    """Big-endian unsigned 64-bit integers at the given offsets."""
    view = batch.buffer.be32
    return (view[offsets].astype(np.uint64) << np.uint64(32)) | view[offsets + 4]


def _link(batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """(offset of the network header, EtherType-like protocol number) for each packet."""
    data, start, link = batch.data, batch.start, batch.link
    l3 = np.zeros(len(start), np.int64)
    ethertype = np.zeros(len(start), np.int64)
    uniform = len(link) and link.min() == link.max()
    for kind in (link[:1] if uniform else np.unique(link)):
        sel = slice(None) if uniform else np.flatnonzero(link == kind)
        s = start[sel]
        if kind == 1:  # Ethernet, with up to two VLAN tags
            et, off = be(batch, s + 12, 2), s + 14
            for _ in range(2):
                tagged = (et == VLAN_TAGS[0]) | (et == VLAN_TAGS[1]) | (et == VLAN_TAGS[2])
                if not tagged.any():
                    break
                et = np.where(tagged, be(batch, off + 2, 2), et)
                off = off + 4 * tagged
        elif kind == 113:  # Linux cooked capture v1
            et, off = be(batch, s + 14, 2), s + 16
        elif kind == 276:  # Linux cooked capture v2
            et, off = be(batch, s, 2), s + 20
        elif kind in (0, 108):  # BSD loopback: address family in either byte order
            family = data[s].astype(np.int64) | data[s + 3]
            et, off = np.where(family == 2, 0x0800, np.where(np.isin(family, (10, 24, 28, 30)), 0x86DD, 0)), s + 4
        elif kind in (12, 14, 101, 228, 229):  # raw IP
            version = data[s] >> 4
            et, off = np.where(version == 4, 0x0800, np.where(version == 6, 0x86DD, 0)), s
        else:
            continue
        l3[sel], ethertype[sel] = off, et
    return l3, ethertype


def _selection(mask: np.ndarray) -> slice | np.ndarray | None:
    """An index for the packets of the mask: a plain slice when it holds them all (no gather needed)."""
    if mask.all():
        return slice(None)
    index = np.flatnonzero(mask)
    return index if len(index) else None


def decode(batch: Batch) -> Packets:
    """Header fields of every packet in the batch."""
    data, n = batch.data, len(batch.start)
    end = batch.start + batch.caplen
    l3, ethertype = _link(batch)
    version = data[l3] >> 4
    v4 = (ethertype == 0x0800) & (version == 4) & (l3 + 20 <= end)
    v6 = (ethertype == 0x86DD) & (version == 6) & (l3 + 40 <= end)

    proto = np.full(n, -1, np.int64)
    src_hi = np.zeros(n, np.uint64)
    dst_hi = np.zeros(n, np.uint64)
    src_lo = np.zeros(n, np.uint64)
    dst_lo = np.zeros(n, np.uint64)
    l4 = l3.copy()
    ip_end = l3.copy()
    first_fragment = np.ones(n, bool)

    i4 = _selection(v4)
    if i4 is not None:
        h = l3[i4]
        proto[i4] = data[h + 9]
        src_lo[i4] = be(batch, h + 12, 4).astype(np.uint64) | IPV4_MAPPED
        dst_lo[i4] = be(batch, h + 16, 4).astype(np.uint64) | IPV4_MAPPED
        l4[i4] = h + (data[h] & 15).astype(np.int64) * 4
        ip_end[i4] = h + be(batch, h + 2, 2)
        first_fragment[i4] = (be(batch, h + 6, 2) & 0x1FFF) == 0
    i6 = _selection(v6)
    if i6 is not None:
        h = l3[i6]
        src_hi[i6], src_lo[i6] = be64(batch, h + 8), be64(batch, h + 16)
        dst_hi[i6], dst_lo[i6] = be64(batch, h + 24), be64(batch, h + 32)
        ip_end[i6] = h + 40 + be(batch, h + 4, 2)
        nxt, off, frag0 = data[h + 6].astype(np.int64), h + 40, np.ones(len(h), bool)
        limit = np.minimum(end[i6], len(data) - 16)
        for _ in range(3):  # walk a few extension headers
            option = np.isin(nxt, IPV6_OPTION_HEADERS)
            fragment = nxt == IPV6_FRAGMENT
            if not (option.any() or fragment.any()):
                break
            at = np.minimum(off, limit)
            frag0 &= ~fragment | ((be(batch, at + 2, 2) & 0xFFF8) == 0)
            step = np.where(option, (data[at + 1].astype(np.int64) + 1) * 8, np.where(fragment, 8, 0))
            nxt = np.where(option | fragment, data[at], nxt)
            off = off + step
        proto[i6], l4[i6], first_fragment[i6] = nxt, off, frag0

    ip = v4 | v6
    ip_end = np.where(ip, ip_end, end)
    iplen = np.where(ip, ip_end - l3, batch.wirelen)
    captured_end = np.minimum(ip_end, end)
    l4 = np.minimum(l4, end)
    tcp = (proto == TCP) & first_fragment & (l4 + 20 <= captured_end)
    udp = (proto == UDP) & first_fragment & (l4 + 8 <= captured_end)
    icmp = ((proto == ICMP) | (proto == ICMP6)) & first_fragment & (l4 + 8 <= captured_end)
    ported = tcp | udp
    safe_l4 = np.minimum(l4, len(data) - 16)
    sport = np.where(ported, be(batch, safe_l4, 2), 0)
    dport = np.where(ported, be(batch, safe_l4 + 2, 2), 0)
    flags = np.where(tcp, data[safe_l4 + 13], 0).astype(np.int64)
    header = np.where(tcp, (data[safe_l4 + 12] >> 4).astype(np.int64) * 4, np.where(udp | icmp, 8, 0))
    payload = l4 + header
    paylen = np.where(ip & (tcp | udp | icmp), np.maximum(captured_end - payload, 0), 0)
    opening = batch.buffer.be32[np.minimum(payload, len(data) - 8)]
    return Packets(batch, ip, proto, src_hi, src_lo, dst_hi, dst_lo, sport, dport, flags, l4, payload, paylen, iplen, opening)


def address(hi: int, lo: int) -> str:
    """The printable address of a (hi, lo) pair: dotted IPv4 for IPv4-mapped ones."""
    hi, lo = int(hi), int(lo)
    if hi == 0 and lo >> 32 == 0xFFFF:
        return str(ipaddress.IPv4Address(lo & 0xFFFFFFFF))
    return str(ipaddress.IPv6Address((hi << 64) | lo))


def payload_bytes(packets: Packets, index: int) -> bytes:
    """The captured payload of one packet."""
    start = int(packets.payload[index])
    return bytes(packets.batch.buffer.view[start:start + int(packets.paylen[index])])
