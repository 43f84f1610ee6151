"""Read back the classic BPF filter attached to another process's socket, and list its constants.

No maintained Python binding offers pidfd_getfd(2) or SO_GET_FILTER, so both are called through
ctypes: Python's socket.getsockopt cannot be used because the kernel answers SO_GET_FILTER with a
length counted in instructions, which Python takes for bytes and truncates the buffer to.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
from dataclasses import dataclass

import capstone

SOL_SOCKET = 1
SO_GET_FILTER = 26  # = SO_ATTACH_FILTER
SYS_PIDFD_GETFD = {"x86_64": 438, "aarch64": 438, "armv7l": 438, "riscv64": 438}
INSTRUCTION = struct.Struct("<HBBI")  # struct sock_filter: u16 code, u8 jt, u8 jf, u32 k (host order)
BPF_JMP, BPF_K = 0x05, 0x00
COMPARISONS = {0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset"}

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Comparison:
    index: int
    op: str
    constant: int


@dataclass
class Filter:
    instructions: list[tuple[int, int, int, int]]

    @property
    def comparisons(self) -> list[Comparison]:
        """Each jeq/jgt/jge/jset against a constant (k), in program order."""
        found = []
        for index, (code, _, _, k) in enumerate(self.instructions):
            op = COMPARISONS.get(code & 0xF0)
            if code & 0x07 == BPF_JMP and code & 0x08 == BPF_K and op:
                found.append(Comparison(index, op, k))
        return found

    def disassembly(self) -> list[str]:
        """The program as text, one instruction a line (capstone's classic BPF syntax)."""
        code = b"".join(INSTRUCTION.pack(*insn) for insn in self.instructions)
        mode = capstone.CS_MODE_BPF_CLASSIC | capstone.CS_MODE_LITTLE_ENDIAN
        return [f"{insn.address // 8:3}: {insn.mnemonic} {insn.op_str}".rstrip()
                for insn in capstone.Cs(capstone.CS_ARCH_BPF, mode).disasm(code, 0)]


class FilterUnreadable(Exception):
    """Why the filter could not be read: no privilege, the process left, or an eBPF program."""


def _pidfd_getfd(pid: int, fd: int) -> int:
    number = SYS_PIDFD_GETFD.get(platform.machine())
    if number is None:
        raise FilterUnreadable(f"pidfd_getfd is not known on {platform.machine()}")
    pidfd = os.pidfd_open(pid)
    try:
        local = _libc.syscall(number, pidfd, fd, 0)
        if local < 0:
            err = ctypes.get_errno()
            raise FilterUnreadable(f"pidfd_getfd: {os.strerror(err)}")
        return local
    finally:
        os.close(pidfd)


def _get_filter(sock_fd: int) -> list[tuple[int, int, int, int]]:
    length = ctypes.c_uint(0)
    if _libc.getsockopt(sock_fd, SOL_SOCKET, SO_GET_FILTER, None, ctypes.byref(length)) < 0:
        raise FilterUnreadable(f"SO_GET_FILTER: {os.strerror(ctypes.get_errno())}")
    count = length.value
    if count == 0:
        return []
    buffer = ctypes.create_string_buffer(count * INSTRUCTION.size)
    length = ctypes.c_uint(count)  # counted in instructions, not bytes
    if _libc.getsockopt(sock_fd, SOL_SOCKET, SO_GET_FILTER, buffer, ctypes.byref(length)) < 0:
        raise FilterUnreadable(f"SO_GET_FILTER: {os.strerror(ctypes.get_errno())}")
    return [INSTRUCTION.unpack_from(buffer.raw, i * INSTRUCTION.size) for i in range(length.value)]


def read_filter(pid: int, fd: int) -> Filter | None:
    """The classic BPF filter on socket `fd` of process `pid`; None when no classic filter is attached."""
    try:
        local = _pidfd_getfd(pid, fd)
    except OSError as err:
        raise FilterUnreadable(f"pidfd: {err.strerror}") from err
    try:
        instructions = _get_filter(local)
    finally:
        os.close(local)
    return Filter(instructions) if instructions else None
