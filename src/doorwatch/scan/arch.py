"""What doorwatch needs to know of each instruction set: capstone mode, calling convention, ioctl encoding."""

from __future__ import annotations

from dataclasses import dataclass

import capstone


@dataclass(frozen=True)
class Arch:
    """One instruction set as the analyses see it."""

    name: str  # the name reported in `arch`
    family: str  # x86, arm, arm64, mips, ppc, riscv: selects the register semantics
    cs_arch: int
    cs_mode: int
    bits: int
    big_endian: bool
    arg_regs: tuple[str, ...]
    ret_reg: str
    ioctl_style: str = "generic"  # "generic" (x86, ARM, RISC-V) or "mips-ppc" (3 direction bits, 13 size bits)
    delay_slot: bool = False

    @property
    def word_size(self) -> int:
        return self.bits // 8

    def ioctl(self, direction: str, kind: str, number: int, size: int) -> int:
        """The request number `_IOC(direction, kind, number, size)` encodes on this architecture."""
        if self.ioctl_style == "mips-ppc":
            bits = {"none": 1, "r": 2, "w": 4, "rw": 6}[direction]
            return (bits << 29) | ((size & 0x1FFF) << 16) | (ord(kind) << 8) | number
        bits = {"none": 0, "w": 1, "r": 2, "rw": 3}[direction]
        return (bits << 30) | ((size & 0x3FFF) << 16) | (ord(kind) << 8) | number


_BE = capstone.CS_MODE_BIG_ENDIAN
_LE = capstone.CS_MODE_LITTLE_ENDIAN
_MIPS_ARGS = ("a0", "a1", "a2", "a3")

X86 = Arch("x86", "x86", capstone.CS_ARCH_X86, capstone.CS_MODE_32, 32, False, (), "eax")
X86_64 = Arch("x86-64", "x86", capstone.CS_ARCH_X86, capstone.CS_MODE_64, 64, False, ("rdi", "rsi", "rdx", "rcx", "r8", "r9"), "rax")
ARM = Arch("arm", "arm", capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM, 32, False, ("r0", "r1", "r2", "r3"), "r0")
ARM_BE = Arch("armeb", "arm", capstone.CS_ARCH_ARM, capstone.CS_MODE_ARM | _BE, 32, True, ("r0", "r1", "r2", "r3"), "r0")
AARCH64 = Arch("aarch64", "arm64", capstone.CS_ARCH_ARM64, _LE, 64, False, tuple(f"x{i}" for i in range(8)), "x0")
MIPS = Arch("mips", "mips", capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS32 | _BE, 32, True, _MIPS_ARGS, "v0", "mips-ppc", True)
MIPSEL = Arch("mipsel", "mips", capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS32 | _LE, 32, False, _MIPS_ARGS, "v0", "mips-ppc", True)
MIPS64 = Arch("mips64", "mips", capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS64 | _BE, 64, True, _MIPS_ARGS, "v0", "mips-ppc", True)
MIPS64EL = Arch("mips64el", "mips", capstone.CS_ARCH_MIPS, capstone.CS_MODE_MIPS64 | _LE, 64, False, _MIPS_ARGS, "v0", "mips-ppc", True)
_PPC_ARGS = tuple(f"r{i}" for i in range(3, 11))
PPC = Arch("ppc", "ppc", capstone.CS_ARCH_PPC, capstone.CS_MODE_32 | _BE, 32, True, _PPC_ARGS, "r3", "mips-ppc")
PPC64 = Arch("ppc64", "ppc", capstone.CS_ARCH_PPC, capstone.CS_MODE_64 | _BE, 64, True, _PPC_ARGS, "r3", "mips-ppc")
PPC64LE = Arch("ppc64le", "ppc", capstone.CS_ARCH_PPC, capstone.CS_MODE_64 | _LE, 64, False, _PPC_ARGS, "r3", "mips-ppc")
_RV_ARGS = tuple(f"a{i}" for i in range(8))
RISCV64 = Arch("riscv64", "riscv", capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV64 | capstone.CS_MODE_RISCVC, 64, False, _RV_ARGS, "a0")
RISCV32 = Arch("riscv32", "riscv", capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV32 | capstone.CS_MODE_RISCVC, 32, False, _RV_ARGS, "a0")
# PE files on x86 take their arguments on the stack (32-bit) or in rcx, rdx, r8, r9 (64-bit).
X86_64_WIN = Arch("x86-64", "x86", capstone.CS_ARCH_X86, capstone.CS_MODE_64, 64, False, ("rcx", "rdx", "r8", "r9"), "rax")


def elf_arch(machine: str, bits: int, big_endian: bool) -> Arch | None:
    """The architecture of an ELF file from LIEF's machine name, class and byte order; None if unsupported."""
    if machine == "X86_64":
        return X86_64
    if machine == "I386":
        return X86
    if machine == "ARM":
        return ARM_BE if big_endian else ARM
    if machine == "AARCH64":
        return AARCH64
    if machine in ("MIPS", "MIPS_RS3_LE"):
        if bits == 64:
            return MIPS64 if big_endian else MIPS64EL
        return MIPS if big_endian else MIPSEL
    if machine == "PPC":
        return PPC
    if machine == "PPC64":
        return PPC64 if big_endian else PPC64LE
    if machine == "RISCV":
        return RISCV64 if bits == 64 else RISCV32
    return None
