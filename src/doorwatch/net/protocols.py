"""Ordinary protocols (data/protocols.yaml): well-known service ports and payload openings."""

from __future__ import annotations

from functools import cache

from doorwatch.net.detector import load_data


class ProtocolCatalogue:
    """Answers whether a payload opens like an ordinary protocol, and which ports are well known."""

    def __init__(self, spec: dict):
        self.well_known_ports = frozenset(int(port) for port in spec["well_known_ports"])
        self._headers: list[tuple[str, int, bytes, bytes | None]] = []
        for header in spec["headers"]:
            mask = bytes.fromhex(header["mask_hex"]) if "mask_hex" in header else None
            values = [bytes.fromhex(v) for v in _as_list(header.get("hex"))]
            values += [v.encode("latin-1") for v in _as_list(header.get("text"))]
            for value in values:
                self._headers.append((header["name"], int(header.get("offset", 0)), value, mask))

    def identify(self, payload: bytes) -> str | None:
        """The name of the ordinary protocol this payload opens like, or None."""
        for name, offset, value, mask in self._headers:
            seen = payload[offset:offset + len(value)]
            if len(seen) < len(value):
                continue
            if mask is not None:
                seen = bytes(a & b for a, b in zip(seen, mask))
            if seen == value:
                return name
        return None


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@cache
def catalogue() -> ProtocolCatalogue:
    return ProtocolCatalogue(load_data("protocols.yaml"))
