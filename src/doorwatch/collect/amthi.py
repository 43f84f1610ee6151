"""Ask Intel AMT whether it is provisioned, over the ME's host interface (/dev/mei*), as root.

No maintained Python library speaks the AMT host interface, so the two messages
are written here: connect to the AMTHI client with the MEI driver's ioctl, send
"get provisioning state", read the answer. Only the live machine is asked, and
only by root; everything else leaves the state "unknown".
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import uuid

AMTHI_UUID = uuid.UUID("12f80028-b4b7-4b2d-aca8-46e0ff65814c")
# _IOWR('H', 0x01, struct mei_connect_client_data): 16 bytes in (the client's uuid), 16 out.
IOCTL_MEI_CONNECT_CLIENT = 0xC0104801
PROVISIONING_STATE_REQUEST = 0x04000011
PROVISIONING_STATE_RESPONSE = 0x04800011
STATES = {0: "off", 1: "on", 2: "on"}  # unprovisioned, being provisioned, provisioned
STATE_NAMES = {0: "unprovisioned", 1: "being provisioned", 2: "provisioned"}
ANSWER_SECONDS = 2.0


class AmtQueryError(Exception):
    """The ME did not answer the question; the reason is the message."""


def request() -> bytes:
    """AMT host interface header (version 1.1, command, no payload)."""
    return struct.pack("<BBHII", 1, 1, 0, PROVISIONING_STATE_REQUEST, 0)


def parse_response(data: bytes) -> int:
    """The provisioning state (0, 1 or 2) from the ME's answer."""
    if len(data) < 17:
        raise AmtQueryError(f"short answer from the ME ({len(data)} bytes)")
    _major, _minor, _reserved, command, _length, status = struct.unpack_from("<BBHIII", data)
    if command != PROVISIONING_STATE_RESPONSE:
        raise AmtQueryError(f"unexpected answer 0x{command:08x} from the ME")
    if status != 0:
        raise AmtQueryError(f"the ME answered with status {status}")
    state = data[16]
    if state not in STATES:
        raise AmtQueryError(f"unknown provisioning state {state}")
    return state


def provisioning_state(device: str) -> int:
    """Ask the ME behind `device` (e.g. /dev/mei0); raises AmtQueryError or OSError."""
    fd = os.open(device, os.O_RDWR)
    try:
        connect = bytearray(AMTHI_UUID.bytes_le)
        fcntl.ioctl(fd, IOCTL_MEI_CONNECT_CLIENT, connect)
        os.write(fd, request())
        ready, _, _ = select.select([fd], [], [], ANSWER_SECONDS)
        if not ready:
            raise AmtQueryError(f"no answer from the ME within {ANSWER_SECONDS:g} s")
        return parse_response(os.read(fd, 4096))
    finally:
        os.close(fd)
