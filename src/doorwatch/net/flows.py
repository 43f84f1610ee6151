"""The flow table: one row per bidirectional (address, port, address, port, protocol) flow.

Memory grows with the number of flows, never with the number of packets: each batch is grouped
with numpy and folded into the table.  Endpoint A is the smaller of the two endpoint values (see
flow_keys); the originator is the sender of the first SYN, or else of the first packet seen.
"""

from __future__ import annotations

import numpy as np

from doorwatch.net.decode import Packets

INF = np.inf
U64 = np.uint64
_COLUMNS = {
    "a_hi": U64, "a_lo": U64, "b_hi": U64, "b_lo": U64, "a_port": np.int32, "b_port": np.int32, "proto": np.int16,
    "orig_is_a": bool, "accepted": bool, "payload_pending": bool, "first_ts": np.float64, "last_ts": np.float64,
    "packets_ab": np.int64, "packets_ba": np.int64, "bytes_ab": np.int64, "bytes_ba": np.int64,
    "payload_ts_ab": np.float64, "payload_ts_ba": np.float64,  # time of the first payload in each direction
    "payload_len_ab": np.int32, "payload_len_ba": np.int32,
    "head_ab": U64, "head_ba": U64, "tail_ab": U64, "tail_ba": U64,  # first 16 payload bytes, big-endian
}
_INFINITE = ("first_ts", "payload_ts_ab", "payload_ts_ba")


def _mix(h: np.ndarray, value: np.ndarray) -> np.ndarray:
    h = (h ^ value.astype(U64)) * U64(0x9E3779B97F4A7C15)
    return h ^ (h >> U64(31))


def mix_keys(*columns: np.ndarray) -> np.ndarray:
    """A 64-bit hash of the given integer columns, row by row."""
    h = np.full(len(columns[0]), 0x6A09E667F3BCC908, U64)
    for column in columns:
        h = _mix(h, column)
    return h


def flow_keys(p: Packets, index: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
    """(64-bit flow key, True when the packet goes from endpoint A to B) for the packets at `index`.

    An endpoint is one 64-bit value: for IPv4 the mapped address with the port in its 16 unused top
    bits (exact), for IPv6 a hash of address and port.  Endpoint A is the smaller value."""
    src_lo, dst_lo, sport, dport = p.src_lo[index], p.dst_lo[index], p.sport[index], p.dport[index]
    src_hi, dst_hi = p.src_hi[index], p.dst_hi[index]
    if (src_hi | dst_hi).any():
        seed = np.full(len(src_lo), 0x243F6A8885A308D3, U64)
        src = _mix(_mix(_mix(seed, src_hi), src_lo), sport)
        dst = _mix(_mix(_mix(seed, dst_hi), dst_lo), dport)
    else:
        src = src_lo | (sport.astype(U64) << U64(48))
        dst = dst_lo | (dport.astype(U64) << U64(48))
    a_to_b = src <= dst
    key = _mix(_mix(np.minimum(src, dst) * U64(0xBF58476D1CE4E5B9), np.maximum(src, dst)), p.proto[index])
    return key, a_to_b


class FlowTable:
    """Growable columns (see _COLUMNS) indexed by row; `row_of` finds a row by flow key."""

    def __init__(self) -> None:
        self.size = 0
        self.columns = {name: np.zeros(1024, dtype) for name, dtype in _COLUMNS.items()}
        for name in _INFINITE:
            self.columns[name][:] = INF
        self._keys = np.zeros(0, U64)  # sorted
        self._rows = np.zeros(0, np.int64)  # row of each sorted key
        self.start_ts = INF
        self.end_ts = -INF

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name][: self.size]

    def _grow(self, needed: int) -> None:
        capacity = len(self.columns["a_hi"])
        if needed <= capacity:
            return
        capacity = max(needed, capacity * 2)
        for name, column in self.columns.items():
            grown = np.full(capacity, INF) if name in _INFINITE else np.zeros(capacity, column.dtype)
            grown[: len(column)] = column
            self.columns[name] = grown.astype(column.dtype, copy=False)

    def row_of(self, key: int) -> int:
        """The row of a flow key, or -1."""
        pos = int(np.searchsorted(self._keys, np.uint64(key)))
        return int(self._rows[pos]) if pos < len(self._keys) and self._keys[pos] == np.uint64(key) else -1

    def _rows_for(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the (sorted, unique) keys, adding new rows; also which ones are new."""
        pos = np.searchsorted(self._keys, keys)
        found = pos < len(self._keys)
        found[found] = self._keys[pos[found]] == keys[found]
        rows = np.empty(len(keys), np.int64)
        rows[found] = self._rows[pos[found]]
        new = ~found
        fresh = np.arange(self.size, self.size + int(new.sum()))
        rows[new] = fresh
        self._keys = np.insert(self._keys, pos[new], keys[new])
        self._rows = np.insert(self._rows, pos[new], fresh)
        self._grow(self.size + len(fresh))
        self.size += len(fresh)
        return rows, new

    def add(self, p: Packets) -> None:
        """Fold a batch into the table."""
        index = np.flatnonzero(p.ip)
        if not len(index):
            return
        sel = slice(None) if len(index) == len(p) else index  # a slice avoids gathers in the usual all-IP batch
        key, a_to_b = flow_keys(p, sel)
        ts = p.batch.ts[sel]

        order = np.argsort(key)
        sorted_key = key[order]
        boundary = np.empty(len(order), bool)
        boundary[0] = True
        np.not_equal(sorted_key[1:], sorted_key[:-1], out=boundary[1:])
        starts = np.flatnonzero(boundary)
        group_rows, new = self._rows_for(sorted_key[starts])
        row = np.empty(len(order), np.int64)
        row[order] = np.repeat(group_rows, np.diff(np.append(starts, len(order))))

        ab_sorted = a_to_b[order]
        ts_sorted = ts[order]
        size_sorted = p.iplen[sel][order]
        packets = np.diff(np.append(starts, len(order)))
        packets_ab = np.add.reduceat(ab_sorted, starts, dtype=np.int64)
        size = np.add.reduceat(size_sorted, starts)
        size_ab = np.add.reduceat(size_sorted * ab_sorted, starts)
        c = self.columns
        c["packets_ab"][group_rows] += packets_ab
        c["packets_ba"][group_rows] += packets - packets_ab
        c["bytes_ab"][group_rows] += size_ab
        c["bytes_ba"][group_rows] += size - size_ab
        first_ts, last_ts = np.minimum.reduceat(ts_sorted, starts), np.maximum.reduceat(ts_sorted, starts)
        c["first_ts"][group_rows] = np.minimum(c["first_ts"][group_rows], first_ts)
        c["last_ts"][group_rows] = np.maximum(c["last_ts"][group_rows], last_ts)
        self.start_ts = min(self.start_ts, float(first_ts.min()))
        self.end_ts = max(self.end_ts, float(last_ts.max()))

        flags = p.flags[sel]
        accepted = np.flatnonzero((flags & 0x12) == 0x12)  # SYN-ACK: a listener took the connection
        c["accepted"][row[accepted]] = True
        if new.any():
            self._describe_new(p, index, key, a_to_b, flags, order, starts, group_rows, new)
        self._first_payloads(p, index, sel, a_to_b, row)

    def _describe_new(self, p, index, key, a_to_b, flags, order, starts, group_rows, new) -> None:
        """Endpoints and originator of the flows first seen in this batch."""
        first = np.minimum.reduceat(order, starts)[new]  # earliest packet (in file order) of each new flow
        rows = group_rows[new]
        at = index[first]
        forward = a_to_b[first]
        c = self.columns
        c["a_hi"][rows] = np.where(forward, p.src_hi[at], p.dst_hi[at])
        c["a_lo"][rows] = np.where(forward, p.src_lo[at], p.dst_lo[at])
        c["b_hi"][rows] = np.where(forward, p.dst_hi[at], p.src_hi[at])
        c["b_lo"][rows] = np.where(forward, p.dst_lo[at], p.src_lo[at])
        c["a_port"][rows] = np.where(forward, p.sport[at], p.dport[at])
        c["b_port"][rows] = np.where(forward, p.dport[at], p.sport[at])
        c["proto"][rows] = p.proto[at]
        c["payload_pending"][rows] = True
        # originator: the sender of a SYN without ACK if there is one, else of the earliest packet
        c["orig_is_a"][rows] = forward
        syn = np.flatnonzero((flags & 0x12) == 0x02)
        if len(syn):
            syn_rows = self._rows[np.searchsorted(self._keys, key[syn])]
            is_new = np.isin(syn_rows, rows)
            c["orig_is_a"][syn_rows[is_new]] = a_to_b[syn[is_new]]

    def _first_payloads(self, p: Packets, index: np.ndarray, sel, a_to_b: np.ndarray, row: np.ndarray) -> None:
        """Record the first payload each direction of each flow carries (time, length, first 16 bytes)."""
        c = self.columns
        candidates = np.flatnonzero(c["payload_pending"][row] & (p.paylen[sel] > 0))
        if not len(candidates):
            return
        unset = np.where(a_to_b[candidates], c["payload_ts_ab"][row[candidates]], c["payload_ts_ba"][row[candidates]]) == INF
        candidates = candidates[unset]
        if not len(candidates):
            return
        ts = p.batch.ts[index[candidates]]
        order = np.lexsort((ts, row[candidates] * 2 + a_to_b[candidates]))
        ordered = candidates[order]
        group = row[ordered] * 2 + a_to_b[ordered]
        keep = np.ones(len(ordered), bool)
        keep[1:] = group[1:] != group[:-1]
        chosen = ordered[keep]
        at = index[chosen]
        head = _payload_words(p, at)
        for direction, mask in (("ab", a_to_b[chosen]), ("ba", ~a_to_b[chosen])):
            rows = row[chosen][mask]
            c[f"payload_ts_{direction}"][rows] = p.batch.ts[at[mask]]
            c[f"payload_len_{direction}"][rows] = p.paylen[at[mask]]
            c[f"head_{direction}"][rows] = head[0][mask]
            c[f"tail_{direction}"][rows] = head[1][mask]
        done = row[chosen]
        c["payload_pending"][done] = (c["payload_ts_ab"][done] == INF) | (c["payload_ts_ba"][done] == INF)

    def merge(self, other: "FlowTable") -> None:
        """Fold in a table built from a later part of the same traffic (flows keep their keys)."""
        if not other.size:
            return
        rows, new = self._rows_for(other._keys)
        def theirs(name: str, which: np.ndarray) -> np.ndarray:
            return other.columns[name][other._rows[which]]
        c = self.columns
        for name in _COLUMNS:
            c[name][rows[new]] = theirs(name, new)
        old = np.flatnonzero(~new)
        mine = rows[old]
        for name in ("packets_ab", "packets_ba", "bytes_ab", "bytes_ba"):
            c[name][mine] += theirs(name, old)
        earlier = theirs("first_ts", old) < c["first_ts"][mine]
        c["orig_is_a"][mine] = np.where(earlier, theirs("orig_is_a", old), c["orig_is_a"][mine])
        c["first_ts"][mine] = np.minimum(c["first_ts"][mine], theirs("first_ts", old))
        c["last_ts"][mine] = np.maximum(c["last_ts"][mine], theirs("last_ts", old))
        c["accepted"][mine] |= theirs("accepted", old)
        for direction in ("ab", "ba"):
            sooner = theirs(f"payload_ts_{direction}", old) < c[f"payload_ts_{direction}"][mine]
            for field in ("payload_ts", "payload_len", "head", "tail"):
                name = f"{field}_{direction}"
                c[name][mine] = np.where(sooner, theirs(name, old), c[name][mine])
        c["payload_pending"][mine] = (c["payload_ts_ab"][mine] == INF) | (c["payload_ts_ba"][mine] == INF)
        self.start_ts = min(self.start_ts, other.start_ts)
        self.end_ts = max(self.end_ts, other.end_ts)

    # views by role ----------------------------------------------------------------------------------------

    def role(self, name: str) -> np.ndarray:
        """A column seen from the originator ('orig_*') or the responder ('resp_*') instead of A and B."""
        side, field = name.split("_", 1)
        a_is = self["orig_is_a"] if side == "orig" else ~self["orig_is_a"]
        if field in ("hi", "lo", "port"):
            return np.where(a_is, self[f"a_{field}"], self[f"b_{field}"])
        if field in ("packets", "bytes", "payload_ts", "payload_len", "head", "tail"):  # sent by that side
            return np.where(a_is, self[f"{field}_ab"], self[f"{field}_ba"])
        raise KeyError(name)


def _payload_words(p: Packets, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First 16 payload bytes of each packet as two big-endian uint64 (zero past the payload's end)."""
    view = p.batch.buffer.be32
    offsets = np.minimum(p.payload[at], len(view) - 16)
    words = [(view[offsets + k].astype(U64) << U64(32)) | view[offsets + k + 4] for k in (0, 8)]
    for word, skip in zip(words, (0, 8)):
        missing = np.clip(8 - (p.paylen[at] - skip), 0, 8).astype(U64) * U64(8)  # bits past the payload
        word &= np.where(missing >= U64(64), U64(0), ~U64(0) << np.minimum(missing, U64(63)))
    return words[0], words[1]


def prefix_bytes(head: int, tail: int, length: int) -> bytes:
    """The first payload bytes recorded for a flow, as bytes."""
    return (int(head).to_bytes(8, "big") + int(tail).to_bytes(8, "big"))[: min(int(length), 16)]

