"""Instructions with operands read from capstone's text, ten times cheaper than its detail API.

capstone's Python detail objects cost tens of microseconds per instruction (a ctypes copy of the
whole detail union); its `disasm_lite` text costs about one. The register interpreter needs only
registers, immediates and base+index+displacement memory operands, which the text states plainly,
so they are parsed here into objects shaped like capstone's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import capstone

from doorwatch.scan.arch import Arch

OP_REG, OP_IMM, OP_MEM = capstone.CS_OP_REG, capstone.CS_OP_IMM, capstone.CS_OP_MEM
ARM_AL, ARM_COND = capstone.arm.ARM_CC_AL, 1  # any value other than AL means "conditional"

_ARM_CONDITIONS = ("eq", "ne", "hs", "cs", "lo", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le")
_ARM_BASE = {
    "b", "bl", "blx", "bx", "cbz", "cbnz", "mov", "movw", "movt", "mvn", "add", "sub", "rsb", "adr", "orr", "and", "eor",
    "bic", "cmp", "cmn", "tst", "teq", "ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrd", "str", "strb", "strh", "strd",
    "push", "pop", "ldm", "ldmia", "ldmfd", "stm", "stmdb", "stmfd", "mul", "mla", "lsl", "lsr", "asr", "ror", "svc",
    "adc", "sbc", "rsc", "uxtb", "uxth", "sxtb", "sxth", "nop", "it", "ite", "itt", "udiv", "sdiv", "umull", "smull",
}
_ARM_FLAG_SETTING = {"adds", "subs", "movs", "ands", "orrs", "eors", "rsbs", "lsls", "lsrs", "asrs", "muls", "bics", "mvns"}
_SPLIT = re.compile(r",\s*(?![^\[]*\])(?![^{]*\})")
_NUMBER = re.compile(r"^#?-?(0x[0-9a-f]+|\d+)$")
_X86_TERMS = re.compile(r"([+-]?)\s*([^+\-\s][^+\-]*)")  # signed terms of `base + index*scale - disp`


@dataclass
class Mem:
    base: str | int = 0
    index: str | int = 0
    disp: int = 0


@dataclass
class Shift:
    value: int = 0


class Operand:
    """One operand in capstone's shape. A plain class with shared empty memory and shift parts:
    operands are made by the hundred thousand and never changed once parsed."""

    __slots__ = ("type", "reg", "imm", "mem", "shift")

    def __init__(self, type: int, reg: str | int = 0, imm: int = 0, mem: Mem | None = None, shift: Shift | None = None) -> None:
        self.type, self.reg, self.imm = type, reg, imm
        self.mem = _NO_MEM if mem is None else mem
        self.shift = _NO_SHIFT if shift is None else shift


_NO_MEM, _NO_SHIFT = Mem(), Shift()


_PARSED: dict[tuple[str, str], list] = {}  # operand text repeats a lot ("rdi, rbx"): parsed once per process


class Insn:
    """The part of capstone's instruction interface the register interpreter uses."""

    __slots__ = ("address", "size", "mnemonic", "op_str", "operands", "cc", "update_flags")

    def __init__(self, address: int, size: int, mnemonic: str, op_str: str, family: str) -> None:
        self.address, self.size, self.op_str = address, size, op_str
        self.cc, self.update_flags = ARM_AL, False
        if family == "arm":
            mnemonic = self._arm_mnemonic(mnemonic.split(".")[0])
        self.mnemonic = mnemonic
        key = (family, op_str)
        operands = _PARSED.get(key)
        if operands is None:
            operands = _parse(op_str, family)
            if len(_PARSED) < 200_000:
                _PARSED[key] = operands
        self.operands = operands

    def _arm_mnemonic(self, mnemonic: str) -> str:
        """Split the condition and flag suffixes so the interpreter sees the base operation."""
        if mnemonic not in _ARM_BASE and mnemonic not in _ARM_FLAG_SETTING and mnemonic[-2:] in _ARM_CONDITIONS:
            self.cc = ARM_COND
            mnemonic_base = mnemonic[:-2]
            if mnemonic_base in _ARM_BASE or mnemonic_base in _ARM_FLAG_SETTING:
                mnemonic = mnemonic_base
        if mnemonic in _ARM_FLAG_SETTING or mnemonic in ("cmp", "cmn", "tst", "teq"):
            self.update_flags = True
        return mnemonic

    @staticmethod
    def reg_name(reg):
        return reg

    def regs_access(self):
        raise capstone.CsError(capstone.CS_ERR_DETAIL)


def _number(text: str) -> int | None:
    text = text.strip().lstrip("#").replace(" ", "")
    return int(text, 0) if _NUMBER.match(text) else None


def _memory(inner: str, family: str) -> Mem:
    """`[base + index*scale + disp]` (x86), `[base, #disp]` or `[base, index]` (ARM), `disp(base)` (MIPS)."""
    mem = Mem()
    if family == "x86":
        for sign, term in _X86_TERMS.findall(inner):
            term = term.strip()
            value = _number(term)
            if value is not None:
                mem.disp += -value if sign == "-" else value
            elif "*" in term or mem.base:
                mem.index = term.split("*")[0].strip()
            else:
                mem.base = term
        return mem
    parts = [p.strip() for p in inner.split(",")]
    mem.base = parts[0].lstrip("$")
    if len(parts) > 1:
        value = _number(parts[1])
        if value is not None:
            mem.disp = value
        elif not any(word in parts[1] for word in ("lsl", "lsr", "asr", "uxtw", "sxtw")):
            mem.index = parts[1].lstrip("$")
        else:
            mem.index = parts[1].split()[0]
    return mem


def _operand(text: str, family: str) -> Operand | None:
    text = text.strip()
    if not text:
        return None
    if family == "x86" and " ptr " in text:
        text = text.split(" ptr ", 1)[1]
    if "[" in text and family in ("x86", "arm", "arm64"):
        inner = text[text.index("[") + 1:text.rindex("]")] if "]" in text else text[text.index("[") + 1:]
        if family == "x86" and ":" in text.split("[")[0]:
            inner = "fs"  # segment-relative (thread-local): never a literal
        return Operand(OP_MEM, mem=_memory(inner, family))
    if family == "mips" and "(" in text and text.endswith(")"):
        disp, base = text[:-1].split("(", 1)
        return Operand(OP_MEM, mem=Mem(base=base.lstrip("$"), disp=_number(disp) or 0))
    if family == "ppc" and "(" in text and text.endswith(")"):
        disp, base = text[:-1].split("(", 1)
        return Operand(OP_MEM, mem=Mem(base=base.strip(), disp=_number(disp) or 0))
    if family == "riscv" and "(" in text and text.endswith(")"):
        disp, base = text[:-1].split("(", 1)
        return Operand(OP_MEM, mem=Mem(base=base.strip(), disp=_number(disp) or 0))
    words = text.split()
    if family == "arm64" and len(words) == 3 and words[1] == "lsl":  # "#0x8068, lsl #16" arrives split
        text = words[0]
    value = _number(text)
    if value is not None:
        return Operand(OP_IMM, imm=value)
    return Operand(OP_REG, reg=text.lstrip("$").split()[0])


def _parse(op_str: str, family: str) -> list[Operand]:
    if not op_str:
        return []
    if family in ("arm", "arm64") and op_str.startswith("{"):
        return [Operand(OP_REG, reg=r.strip()) for r in op_str.strip("{}").split(",") if r.strip() and "-" not in r]
    parts = op_str.split(", ") if family == "x86" else _SPLIT.split(op_str)  # x86 operands hold no commas
    operands = []
    for part in parts:
        part = part.strip()
        if family in ("arm", "arm64") and part.startswith("{"):
            operands.extend(Operand(OP_REG, reg=r.strip()) for r in part.strip("{}").split(","))
            continue
        if family in ("arm64", "arm") and re.match(r"^(lsl|lsr|asr|ror|msl) #", part):
            if operands:
                operands[-1].shift = Shift(_number(part.split("#")[1]) or 0)
            continue
        operand = _operand(part.rstrip("!"), family)
        if operand is not None:
            operands.append(operand)
    return operands


def disassemble_lite(arch: Arch, data: bytes, address: int, thumb: bool = False) -> list[Insn]:
    """Decode `data` at `address` into parsed instructions."""
    cs = disassembler(arch, thumb)
    return [Insn(a, s, m, o, arch.family) for a, s, m, o in cs.disasm_lite(data, address)]


_CACHE: dict[tuple, capstone.Cs] = {}


def disassembler(arch: Arch, thumb: bool) -> capstone.Cs:
    """capstone's decoder for `arch` (and Thumb), made once per process."""
    key = (arch.name, thumb)
    if key not in _CACHE:
        mode = arch.cs_mode | (capstone.CS_MODE_THUMB if thumb else 0)
        _CACHE[key] = capstone.Cs(arch.cs_arch, mode)
    return _CACHE[key]
