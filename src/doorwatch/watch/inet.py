"""TCP and UDP sockets of this network namespace through netlink sock_diag (pyroute2's DiagSocket)."""

from __future__ import annotations

from dataclasses import dataclass
from socket import AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP

from pyroute2 import DiagSocket

TCP_ESTABLISHED, TCP_TIME_WAIT, TCP_CLOSE, TCP_LISTEN = 1, 6, 7, 10
INET_DIAG_INFO = 2  # extension bit for struct tcp_info (bytes_sent, bytes_acked)


@dataclass(frozen=True)
class InetSocket:
    proto: str
    state: int
    src: str
    sport: int
    dst: str
    dport: int
    inode: int
    uid: int
    cookie: int
    bytes_sent: int | None = None


def ephemeral_ports(path: str = "/proc/sys/net/ipv4/ip_local_port_range") -> range:
    try:
        low, high = open(path, encoding="ascii").read().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)


class InetTable:
    """One netlink socket reused for every dump, closed with the watch."""

    def __init__(self) -> None:
        self.diag = DiagSocket()
        self.diag.bind()

    def close(self) -> None:
        self.diag.close()

    def sockets(self, proto: str, states: set[int], with_info: bool = False) -> list[InetSocket]:
        mask = sum(1 << state for state in states)
        protocol = IPPROTO_TCP if proto == "tcp" else IPPROTO_UDP
        extensions = 1 << (INET_DIAG_INFO - 1) if with_info else 0
        found = []
        for family in (AF_INET, AF_INET6):
            for msg in self.diag.get_sock_stats(family=family, states=mask, protocol=protocol, extensions=extensions):
                info = msg.get_attr("INET_DIAG_INFO") if with_info else None
                found.append(InetSocket(
                    proto=proto, state=msg["idiag_state"], src=msg["idiag_src"], sport=msg["idiag_sport"],
                    dst=msg["idiag_dst"], dport=msg["idiag_dport"], inode=msg["idiag_inode"],
                    uid=msg["idiag_uid"], cookie=msg["idiag_cookie"],
                    bytes_sent=info.get("tcpi_bytes_acked") if info else None,
                ))
        return found
