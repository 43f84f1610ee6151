"""Listening sockets: what this machine offers to the network, and which program offers it.

On the live machine psutil gives each listener's process, whose executable is
traced to the dpkg package that installed it. A recorded tree (`--root`) only
has /proc/net/{tcp,tcp6,udp,udp6}: the sockets are listed without an owner.
"""

from __future__ import annotations

import socket
import struct
from typing import Iterator

import psutil

from doorwatch.collect.dpkg import owning_packages
from doorwatch.collect.machine import MachineRoot
from doorwatch.model import Component

SOURCE = "listening"
ORDER = 67

_PROC_NET = {"tcp": socket.AF_INET, "tcp6": socket.AF_INET6, "udp": socket.AF_INET, "udp6": socket.AF_INET6}
_TCP_LISTEN = "0A"
_UDP_UNCONNECTED = "07"


def listener_ref(protocol: str, address: str, port: int) -> str:
    """`listen:tcp:0.0.0.0:22`, `listen:udp:[::]:53`: IPv6 addresses in brackets."""
    host = f"[{address}]" if ":" in address else address
    return f"listen:{protocol}:{host}:{port}"


def listener(protocol: str, address: str, port: int, **details: object) -> Component:
    """A listening socket as a service component; `details` are its owner when known."""
    process = details.get("process")
    properties = {"protocol": protocol, "address": address, "port": port, **details}
    return Component(
        ref=listener_ref(protocol, address, port),
        kind="service",
        category="software",
        name=f"{process or 'unknown'} ({protocol}/{port})",
        ids={"port": f"{protocol}/{port}"},
        properties={key: value for key, value in properties.items() if value is not None},
    )


def decode_address(hex_address: str, family: int) -> tuple[str, int]:
    """The `0100007F:0016` of /proc/net/tcp as ("127.0.0.1", 22).

    The kernel prints the address as 32-bit words in the recorded machine's
    byte order, taken to be little-endian (x86, ARM, LoongArch, mips64el).
    """
    address_hex, _, port_hex = hex_address.partition(":")
    words = struct.unpack(f">{len(address_hex) // 8}I", bytes.fromhex(address_hex))
    packed = struct.pack(f"<{len(words)}I", *words)
    return socket.inet_ntop(family, packed), int(port_hex, 16)


def from_proc_net(machine: MachineRoot) -> Iterator[Component]:
    """Listeners of a recorded tree, from its /proc/net tables."""
    for table, family in _PROC_NET.items():
        text = machine.read_text(f"/proc/net/{table}", SOURCE)
        if text is None:
            continue
        protocol = table.rstrip("6")
        for line in text.splitlines()[1:]:
            fields = line.split()
            if len(fields) < 10:
                continue
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            listening = state == _TCP_LISTEN if protocol == "tcp" else state == _UDP_UNCONNECTED and set(remote.partition(":")[2]) == {"0"}
            if not listening:
                continue
            address, port = decode_address(local, family)
            yield listener(protocol, address, port, inode=int(inode))


def from_psutil(machine: MachineRoot) -> Iterator[Component]:
    """Listeners of the live machine with their process, executable and package."""
    try:
        connections = psutil.net_connections(kind="inet")
    except (psutil.AccessDenied, OSError) as err:
        machine.note(SOURCE, "/proc/net", f"sockets unreadable: {err}")
        return
    # Workers listening on one address with SO_REUSEPORT make one listener: the lowest pid, usually the parent, owns it.
    pids: dict[tuple[str, str, int], list[int]] = {}
    for conn in sorted(connections, key=lambda conn: conn.pid or 0):
        protocol = "tcp" if conn.type == socket.SOCK_STREAM else "udp"
        if protocol == "tcp" and conn.status != psutil.CONN_LISTEN or protocol == "udp" and conn.raddr:
            continue
        sharing = pids.setdefault((protocol, conn.laddr.ip, conn.laddr.port), [])
        if conn.pid and conn.pid not in sharing:
            sharing.append(conn.pid)
    owners = {key: _process(sharing[0] if sharing else None) for key, sharing in pids.items()}
    packages = owning_packages(machine, {owner["exe"] for owner in owners.values() if owner.get("exe")})
    for (protocol, address, port), owner in owners.items():
        shared_with = pids[(protocol, address, port)][1:] or None
        yield listener(protocol, address, port, **owner, shared_with=shared_with, package=packages.get(owner.get("exe", "")))


def _process(pid: int | None) -> dict[str, object]:
    """pid, name, user and executable of a socket's process, as far as they can be read."""
    owner: dict[str, object] = {"pid": pid} if pid else {}
    if not pid:
        return owner
    try:
        process = psutil.Process(pid)
        with process.oneshot():
            owner["process"] = process.name()
            owner["user"] = process.username()
            owner["exe"] = process.exe() or None
    except (psutil.NoSuchProcess, psutil.AccessDenied, KeyError):
        pass  # what was read before the process vanished or refused is kept
    return owner


def collect(machine: MachineRoot) -> Iterator[Component]:
    yield from (from_psutil(machine) if machine.live else from_proc_net(machine))
