"""Realistic traffic for capture tests: background browsing, DNS and NTP, and the signals to find.

Every function returns (time, IP datagram) pairs; tests frame them for a link type and write them.
"""

from __future__ import annotations

import random
import struct

from pcap_packets import TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, ip, tcp, udp

CLIENT = "192.168.1.23"
RESOLVER = "192.168.1.1"
START = 1_767_000_000.0
HOUR = 3600.0
ORDINARY_NAMES = [
    "www.wikipedia.org", "en.wikipedia.org", "upload.wikimedia.org", "www.debian.org", "security.debian.org",
    "deb.debian.org", "www.python.org", "pypi.org", "files.pythonhosted.org", "github.com", "api.github.com",
    "avatars.githubusercontent.com", "www.bbc.co.uk", "news.bbc.co.uk", "static.files.bbci.co.uk",
    "www.lemonde.fr", "www.spiegel.de", "cdn.jsdelivr.net", "fonts.googleapis.com", "fonts.gstatic.com",
    "www.openstreetmap.org", "tile.openstreetmap.org", "duckduckgo.com", "www.mozilla.org",
    "addons.mozilla.org", "www.kernel.org", "lwn.net", "stackoverflow.com", "cdn.sstatic.net", "www.gnu.org",
]


def dns_query(name: str, qtype: int = 1, ident: int = 1) -> bytes:
    question = b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + question + struct.pack("!HH", qtype, 1)


def dns_answer(query: bytes, address: str = "93.184.216.34") -> bytes:
    header = query[:2] + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0)
    rdata = bytes(int(x) for x in address.split("."))
    return header + query[12:] + struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + rdata


def tcp_session(t: float, client: str, server: str, sport: int, dport: int, request: bytes, response_sizes: list[int],
                rng: random.Random) -> list[tuple[float, bytes]]:
    """A complete TCP connection: handshake, one request, the responses, and the close."""
    seq, ack = rng.randrange(1 << 32), rng.randrange(1 << 32)
    out = [(t, ip(client, server, tcp(sport, dport, TCP_SYN, seq=seq))),
           (t + 0.02, ip(server, client, tcp(dport, sport, TCP_SYN | TCP_ACK, seq=ack, ack=seq + 1))),
           (t + 0.04, ip(client, server, tcp(sport, dport, TCP_ACK, seq=seq + 1, ack=ack + 1))),
           (t + 0.05, ip(client, server, tcp(sport, dport, TCP_PSH | TCP_ACK, request, seq=seq + 1, ack=ack + 1)))]
    now = t + 0.08
    for size in response_sizes:
        out.append((now, ip(server, client, tcp(dport, sport, TCP_PSH | TCP_ACK, rng.randbytes(size), ack=seq + 1))))
        out.append((now + 0.001, ip(client, server, tcp(sport, dport, TCP_ACK, seq=seq + 1))))
        now += 0.01
    out.append((now, ip(client, server, tcp(sport, dport, TCP_FIN | TCP_ACK, seq=seq + 1))))
    out.append((now + 0.02, ip(server, client, tcp(dport, sport, TCP_FIN | TCP_ACK, ack=seq + 2))))
    return out


def client_hello(rng: random.Random, server_name: str) -> bytes:
    body = b"\x03\x03" + rng.randbytes(32) + b"\x20" + rng.randbytes(32) + server_name.encode() + rng.randbytes(rng.randrange(150, 400))
    return b"\x16\x03\x01" + struct.pack("!H", len(body) + 4) + b"\x01\x00" + struct.pack("!H", len(body)) + body


def background(rng: random.Random, duration: float = HOUR, visits: int = 400) -> list[tuple[float, bytes]]:
    """Web browsing (DNS lookups then HTTPS to varied hosts at random times) and NTP polling."""
    out = []
    servers = {name: f"{rng.choice([93, 104, 151, 185, 199])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
               for name in ORDINARY_NAMES}
    for _ in range(visits):
        t = START + rng.random() * duration
        name = rng.choice(ORDINARY_NAMES)
        for qtype in (1, 28):
            query = dns_query(name, qtype, rng.randrange(1 << 16))
            sport = rng.randrange(32768, 61000)
            out.append((t, ip(CLIENT, RESOLVER, udp(sport, 53, query))))
            out.append((t + 0.01, ip(RESOLVER, CLIENT, udp(53, sport, dns_answer(query, servers[name])))))
        for _ in range(rng.randrange(1, 4)):
            t += rng.random() * 2
            sizes = [rng.randrange(200, 1400) for _ in range(rng.randrange(2, 12))]
            out += tcp_session(t + 0.05, CLIENT, servers[name], rng.randrange(32768, 61000), 443,
                               client_hello(rng, name), sizes, rng)
    t = START + 5
    while t < START + duration:  # NTP polling (64 s, as chronyd and ntpd start)
        packet = b"\x23" + bytes(39) + struct.pack("!Q", int(t) << 32)
        out.append((t, ip(CLIENT, "162.159.200.1", udp(123, 123, packet))))
        out.append((t + 0.03, ip("162.159.200.1", CLIENT, udp(123, 123, b"\x24" + bytes(47)))))
        t += 64
    return out


def beacon(rng: random.Random, server: str = "198.51.100.77", period: float = 60.0, jitter: float = 4.0,
           duration: float = HOUR) -> list[tuple[float, bytes]]:
    """An implant calling home over HTTPS every `period` seconds, give or take `jitter`."""
    out, t = [], START + rng.random() * period
    while t < START + duration:
        out += tcp_session(t, CLIENT, server, rng.randrange(32768, 61000), 443, client_hello(rng, "cdn-update.example"),
                           [96], rng)
        t += period + rng.uniform(-jitter, jitter)
    return out


def dns_tunnel(rng: random.Random, domain: str = "t.exfil-tunnel.net", queries: int = 150) -> list[tuple[float, bytes]]:
    """Data leaving as base32 labels of TXT queries under one domain."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    out = []
    t = START + 1200
    for n in range(queries):
        labels = ["".join(rng.choice(alphabet) for _ in range(52)), "".join(rng.choice(alphabet) for _ in range(30))]
        query = dns_query(".".join(labels + [f"s{n}", domain]), 16, rng.randrange(1 << 16))
        sport = rng.randrange(32768, 61000)
        out.append((t, ip(CLIENT, RESOLVER, udp(sport, 53, query))))
        t += rng.random() * 0.5
    return out


def wake_on_lan(t: float, mac: bytes = bytes.fromhex("001122334455")) -> list[tuple[float, bytes]]:
    return [(t, ip(CLIENT, "192.168.1.255", udp(40000, 9, b"\xff" * 6 + mac * 16)))]


def tenda_trigger(t: float, router: str = "192.168.1.1") -> list[tuple[float, bytes]]:
    """The Tenda W302R factory backdoor command (UDP 7329, 'w302r_mfg' then a command)."""
    return [(t, ip(CLIENT, router, udp(41000, 7329, b"w302r_mfg\x00x/bin/ls")))]


def knock_and_connect_back(t: float, rng: random.Random, sender: str = "203.0.113.9", target: str = CLIENT,
                           knock_port: int = 31337, back_port: int = 4444, magic: bytes = b"\x8a\x1fKN0CK-0x5a5a\x00\x01") \
        -> list[tuple[float, bytes]]:
    """An unknown implant: a magic UDP packet to a quiet port, then the target connects back to the sender."""
    out = [(t, ip(sender, target, udp(50505, knock_port, magic)))]
    out += tcp_session(t + 2.5, target, sender, rng.randrange(32768, 61000), back_port, b"uid=0(root) gid=0(root)\n",
                       [40, 300], rng)
    return out
