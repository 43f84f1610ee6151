"""Just enough meaning of each instruction to follow constants through registers.

capstone decodes instructions but gives no data flow; no maintained Python library propagates
constants across x86, ARM, AArch64, MIPS, PowerPC and RISC-V cheaply, so this small
per-family interpreter does: it knows which register holds a literal address, an imported
function's GOT slot or a call's return value, and reports calls, comparisons and branches.

A value is an `int` (constant or address), `("slot", address)` (loaded from an import slot),
`("ret", callee)` (what a call returned) or `None` (unknown). A walk of `main` may also start with
`ARGV` (its argument vector), whose words load as `("arg", index)` (the argument strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import capstone

from doorwatch.scan.arch import Arch

Value = Any
OP_REG, OP_IMM, OP_MEM = capstone.CS_OP_REG, capstone.CS_OP_IMM, capstone.CS_OP_MEM


@dataclass
class Step:
    """What one instruction does: call, jump, conditional jump, return, compare, kernel entry, store."""

    kind: str  # "call", "jump", "cjump", "ret", "cmp", "syscall", "store" (target: the place written), "other"
    target: Value = None
    left: Value = None
    right: Value = None
    conditional: bool = False  # a call or return executed only when the flags say so (ARM)


OTHER = Step("other")
SYSCALL = Step("syscall")  # the instruction entering the kernel; the registers hold the call
ARGV = ("argv",)
# How each instruction set enters the kernel (instruction text as capstone prints it).
_SYSCALL_TEXT = {"x86-64": "syscall", "x86": "int 0x80", "arm": "svc #0", "armeb": "svc #0", "aarch64": "svc #0",
                 "mips": "syscall", "mipsel": "syscall", "mips64": "syscall", "mips64el": "syscall",
                 "riscv64": "ecall", "riscv32": "ecall"}
_STACK_POINTER = {"x86": "rsp", "arm": "sp", "arm64": "sp", "mips": "sp", "ppc": "r1", "riscv": "sp"}
_STORE = re.compile(r"^(s[bhwdc]|sw[lr]|st|sd[lr])")

_X86_ALIASES = {
    **{f"e{r}": f"r{r}" for r in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp")},
    **{f"r{n}d": f"r{n}" for n in range(8, 16)},
}


def _narrow(address: Value) -> Value:
    """A byte or half-word load: unknown content, but its place identifies the bytes compared."""
    return ("deref", address) if isinstance(address, tuple) else None


def _xor_pairs(mine: Value, theirs: Value, mnemonic: str) -> tuple | None:
    """(constant, place) pairs of an inlined multi-word comparison built with xor and or."""
    if mnemonic == "xor":
        if isinstance(mine, int) and isinstance(theirs, tuple) and theirs[0] == "deref":
            return ((mine, theirs),)
        if isinstance(theirs, int) and isinstance(mine, tuple) and mine[0] == "deref":
            return ((theirs, mine),)
        return None
    if isinstance(mine, tuple) and mine[0] == "xorcmp" and isinstance(theirs, tuple) and theirs[0] == "xorcmp":
        return mine[1] + theirs[1]
    return None


class Machine:
    """Register state of one linear walk; `step` interprets one instruction."""

    def __init__(self, arch: Arch, load: Callable[[int], Value], gp: int | None = None) -> None:
        self.arch = arch
        self.load = load  # address -> value stored there (slot marker, word, or None)
        self.regs: dict[str, Value] = {}
        self.gp = gp
        self.reset()
        self.stack_args: list[Value] = []  # i386: pushed arguments, nearest first
        self._step = getattr(self, f"_step_{arch.family}")
        self._syscall_mnemonic, _, self._syscall_operand = _SYSCALL_TEXT.get(arch.name, "").partition(" ")

    def reset(self) -> None:
        """Function entry: arguments and the stack pointer are known by name, not by value."""
        self.regs = {reg: ("param", index) for index, reg in enumerate(self.arch.arg_regs)}
        self.regs[_STACK_POINTER[self.arch.family]] = ("sp", 0)
        self.stack_args = []
        self.frame: dict[int, Value] = {}  # stack slots the function spilled values to

    def _frame_load(self, address: Value) -> Value:
        if isinstance(address, tuple) and address[0] == "sp":
            return self.frame.get(address[1], ("deref", address))  # unknown content, known place
        if isinstance(address, tuple) and address[0] == "at" and address[1] == ARGV and address[2] % self.arch.word_size == 0:
            return ("arg", address[2] // self.arch.word_size)
        return self.load(address) if isinstance(address, int) else None

    @staticmethod
    def _store(address: Value) -> Step:
        """A store through a pointer the walk knows (an argument's field, an argument string)."""
        return Step("store", address) if isinstance(address, tuple) and address[0] == "at" else OTHER

    def _frame_store(self, address: Value, value: Value) -> None:
        if isinstance(address, tuple) and address[0] == "sp":
            self.frame[address[1]] = value

    def get(self, reg: str) -> Value:
        if reg in ("zero", "xzr", "wzr"):
            return 0
        if reg == "gp" and self.gp is not None and self.arch.family == "mips":
            return self.gp
        return self.regs.get(reg)

    def set(self, reg: str, value: Value) -> None:
        if reg == _STACK_POINTER[self.arch.family]:
            current = self.regs.get(reg)
            if isinstance(current, tuple) and not (isinstance(value, tuple) and value[0] == "sp" and value[1] <= current[1]):
                return  # an epilogue releasing the frame: code after it in the sweep still sees the body's frame
        self.regs[reg] = value

    def args(self, count: int = 4) -> list[Value]:
        """The first `count` arguments of a call about to happen."""
        if not self.arch.arg_regs:
            return (self.stack_args + [None] * count)[:count]
        return [self.get(reg) for reg in self.arch.arg_regs[:count]]

    def after_call(self, callee: str, args: list[Value]) -> None:
        """A call clobbers the argument registers, may fill the stack buffers it was handed, and leaves
        its result in the return register (remembering a buffer or argument it was given, to tell
        `strlen(input)` from `strlen(key)`)."""
        for reg in self.arch.arg_regs:
            self.regs.pop(reg, None)
        self.stack_args = []
        self._forget_filled(args)
        first_arg = args[0] if args else None
        kept = first_arg if isinstance(first_arg, tuple) and first_arg[0] in ("sp", "param", "at", "ret") else None
        self.set(_X86_ALIASES.get(self.arch.ret_reg, self.arch.ret_reg), ("ret", callee, kept))  # i386: eax is read as rax

    def _forget_filled(self, args: list[Value]) -> None:
        """`word = 0; recv(fd, &word, 4, 0)`: the value stored where a stack pointer handed to a call
        points is no longer known (the call may fill it). Only that slot: spilled registers kept
        beside a buffer stay known, as the callee is not meant to write past its start's object."""
        for arg in args:
            if isinstance(arg, tuple) and arg[0] == "sp":
                self.frame.pop(arg[1], None)

    def after_syscall(self) -> None:
        """The kernel's answer replaces the return register; the argument registers survive."""
        self.regs.pop(_X86_ALIASES.get(self.arch.ret_reg, self.arch.ret_reg), None)

    def step(self, insn) -> Step:
        if insn.mnemonic == self._syscall_mnemonic and insn.op_str == self._syscall_operand:
            return SYSCALL
        try:
            return self._step(insn)
        except (IndexError, AttributeError, capstone.CsError):
            return OTHER

    # -- shared helpers ------------------------------------------------------------

    def _clobber(self, insn) -> None:
        """Forget what an instruction this interpreter does not model writes."""
        try:
            _, written = insn.regs_access()
        except capstone.CsError:  # not offered for every architecture: the first operand is the destination
            ops = insn.operands
            if self.arch.family == "x86" and insn.mnemonic in ("cdqe", "cdq", "cqo", "cwde", "cpuid", "rdtsc", "syscall"):
                self.regs.pop("rax", None)
                self.regs.pop("rdx", None)
            elif ops and ops[0].type == OP_REG and (self.arch.family == "x86" or not _STORE.match(insn.mnemonic)):
                name = self._name(insn, ops[0].reg)
                if name != _STACK_POINTER[self.arch.family]:
                    self.regs.pop(name, None)
            return
        for reg in written:
            name = self._name(insn, reg)
            if name != _STACK_POINTER[self.arch.family]:  # pushes and pops keep the frame's base
                self.regs.pop(name, None)

    def _name(self, insn, reg: int) -> str:
        name = insn.reg_name(reg) or ""
        if self.arch.family == "x86":
            return _X86_ALIASES.get(name, name)
        if self.arch.family == "arm64" and name.startswith("w"):
            return "x" + name[1:]
        return name

    def _op(self, insn, op) -> Value:
        if op.type == OP_IMM:
            return op.imm
        if op.type == OP_REG:
            return self.get(self._name(insn, op.reg))
        return None

    @staticmethod
    def _add(a: Value, b: Value) -> Value:
        """a + b for constants, and for a stack address plus a constant (a local buffer)."""
        if isinstance(a, int) and isinstance(b, int):
            return a + b
        if isinstance(b, tuple) and isinstance(a, int):
            a, b = b, a
        if isinstance(a, tuple) and a[0] == "sp" and isinstance(b, int):
            return ("sp", a[1] + b)
        if isinstance(a, tuple) and a[0] in ("param", "ret", "argv", "arg") and isinstance(b, int):
            return ("at", a, b)  # a field of an argument or of a returned object, an argument string
        if isinstance(a, tuple) and a[0] == "at" and isinstance(b, int):
            return ("at", a[1], a[2] + b)
        return None

    # -- x86 and x86-64 --------------------------------------------------------------

    def _x86_address(self, insn, op) -> Value:
        mem = op.mem
        if mem.index:
            return None
        if mem.base == 0:
            return mem.disp & 0xFFFFFFFF
        base = self._name(insn, mem.base)
        if base == "rip":
            return insn.address + insn.size + mem.disp
        return self._add(self.get(base), mem.disp)

    def _x86_value(self, insn, op) -> Value:
        if op.type == OP_MEM:
            address = self._x86_address(insn, op)
            if isinstance(address, int):
                return self.load(address)
            return ("deref", address if isinstance(address, tuple) else self._name(insn, op.mem.base))
        return self._op(insn, op)

    def _step_x86(self, insn) -> Step:
        mnemonic, ops = insn.mnemonic, insn.operands
        if mnemonic.startswith("call"):
            return Step("call", self._x86_value(insn, ops[0]))
        if mnemonic.startswith("ret"):
            return Step("ret")
        if mnemonic.startswith("j") or mnemonic.startswith(("bnd j", "notrack j")):
            target = self._x86_value(insn, ops[0])
            return Step("jump" if "jmp" in mnemonic else "cjump", target)
        if mnemonic in ("cmp", "test"):
            left, right = self._x86_value(insn, ops[0]), self._x86_value(insn, ops[1])
            if mnemonic == "test" and ops[0].type == OP_REG and ops[1].type == OP_REG and ops[0].reg == ops[1].reg:
                right = 0
            return Step("cmp", left=left, right=right)
        if mnemonic == "push":
            self.stack_args.insert(0, self._x86_value(insn, ops[0]))
            return OTHER
        if ops and ops[0].type == OP_REG:
            dest = self._name(insn, ops[0].reg)
            if mnemonic in ("mov", "movabs", "movzx", "movsxd", "movsx") and len(ops) == 2:
                if ops[1].type == OP_MEM and mnemonic == "mov":
                    address = self._x86_address(insn, ops[1])
                    if isinstance(address, tuple):
                        self.set(dest, self._frame_load(address))
                        return OTHER
                self.set(dest, self._x86_value(insn, ops[1]))
                return OTHER
            if mnemonic == "lea":
                self.set(dest, self._x86_address(insn, ops[1]))
                return OTHER
            if mnemonic in ("xor", "sub") and ops[1].type == OP_REG and ops[1].reg == ops[0].reg:
                self.set(dest, 0)
                return OTHER
            if mnemonic in ("xor", "or") and len(ops) == 2:
                pairs = _xor_pairs(self.get(dest), self._x86_value(insn, ops[1]), mnemonic)
                if pairs:  # gcc's inlined memcmp/strcmp: (C1 ^ [a]) | (C2 ^ [b]) == 0
                    self.set(dest, ("xorcmp", pairs))
                    return Step("cmp", left=("xorcmp", pairs), right=0) if mnemonic == "or" else OTHER
            if mnemonic in ("add", "sub") and ops[1].type == OP_IMM:
                self.set(dest, self._add(self.get(dest), ops[1].imm if mnemonic == "add" else -ops[1].imm))
                return OTHER
        elif mnemonic == "mov" and ops and ops[0].type == OP_MEM and isinstance(self._x86_address(insn, ops[0]), tuple) \
                and self.arch.bits == 64:
            address = self._x86_address(insn, ops[0])
            self._frame_store(address, self._x86_value(insn, ops[1]))
            return self._store(address)
        elif mnemonic == "mov" and ops and ops[0].type == OP_MEM and self.arch.bits == 32:
            base = self._name(insn, ops[0].mem.base)
            if base == "esp" or base == "rsp":  # i386 arguments stored at [esp + 4*n]
                slot = ops[0].mem.disp // 4
                while len(self.stack_args) <= slot:
                    self.stack_args.append(None)
                self.stack_args[slot] = self._x86_value(insn, ops[1])
                return OTHER
        elif ops and ops[0].type == OP_MEM and mnemonic.startswith("mov"):  # movups, movdqu: an inlined string copy
            return self._store(self._x86_address(insn, ops[0]))
        elif mnemonic.startswith(("rep stos", "rep movs")):  # an inlined memset or memcpy to [rdi]
            return self._store(self._add(self.get("rdi"), 0))
        self._clobber(insn)
        return OTHER

    # -- ARM (ARM and Thumb) -----------------------------------------------------------

    def _arm_pc(self, insn) -> int:
        return insn.address + (4 if insn.size == 2 or self._thumb else 8)

    _thumb = False

    def _arm_reg(self, insn, reg: int) -> Value:
        name = self._name(insn, reg)
        return self._arm_pc(insn) & ~3 if name == "pc" else self.get(name)

    def _arm_value(self, insn, op) -> Value:
        if op.type == OP_REG:
            return self._arm_reg(insn, op.reg)
        return self._op(insn, op)

    def _arm_address(self, insn, op) -> Value:
        base = self._arm_reg(insn, op.mem.base)
        offset = op.mem.disp
        if op.mem.index:
            index = self._arm_reg(insn, op.mem.index)
            if not isinstance(index, int):
                return None
            offset = index
        address = self._add(base, offset)
        return address & 0xFFFFFFFF if isinstance(address, int) else address

    def _step_arm(self, insn) -> Step:
        mnemonic, ops = insn.mnemonic, insn.operands  # condition and width suffixes already split off
        conditional = insn.cc not in (capstone.arm.ARM_CC_AL, capstone.arm.ARM_CC_INVALID)
        writes_pc = bool(ops) and ops[0].type == OP_REG and self._name(insn, ops[0].reg) == "pc"
        if mnemonic in ("bl", "blx"):
            return Step("call", self._arm_value(insn, ops[0]), conditional=conditional)
        if mnemonic in ("b", "bx", "cbz", "cbnz"):
            if mnemonic == "bx" and self._name(insn, ops[0].reg) == "lr":
                return Step("ret", conditional=conditional)
            if mnemonic in ("cbz", "cbnz"):
                return Step("cjump", ops[1].imm, left=self._arm_value(insn, ops[0]), right=0)
            return Step("cjump" if conditional else "jump", self._arm_value(insn, ops[0]))
        if mnemonic in ("pop", "ldm", "ldmia", "ldmfd") and any(
            op.type == OP_REG and self._name(insn, op.reg) == "pc" for op in ops
        ):
            return Step("ret", conditional=conditional)
        if mnemonic in ("cmp", "cmn", "tst", "teq"):
            return Step("cmp", left=self._arm_value(insn, ops[0]), right=self._arm_value(insn, ops[1]))
        if mnemonic.startswith("ldr") and len(ops) == 2 and ops[1].type == OP_MEM:
            address = self._arm_address(insn, ops[1])
            value = self._frame_load(address) if address is not None and mnemonic in ("ldr", "ldr.w") else _narrow(address)
            if writes_pc:
                return Step("jump", value)
            if not conditional:
                self.set(self._name(insn, ops[0].reg), value)
            return OTHER
        if mnemonic in ("str", "strb", "strh") and len(ops) == 2 and ops[1].type == OP_MEM:
            address = self._arm_address(insn, ops[1])
            if mnemonic == "str":
                self._frame_store(address, self._arm_value(insn, ops[0]))
            return self._store(address)
        if ops and ops[0].type == OP_REG and not writes_pc and not conditional:
            dest = self._name(insn, ops[0].reg)
            if mnemonic in ("mov", "movw", "mvn") and len(ops) == 2:
                value = self._arm_value(insn, ops[1])
                self.set(dest, (~value & 0xFFFFFFFF) if mnemonic == "mvn" and isinstance(value, int) else value)
                return OTHER
            if mnemonic == "movt":
                low = self.get(dest)
                self.set(dest, ((low or 0) & 0xFFFF) | (ops[1].imm << 16) if isinstance(low, int) else None)
                return OTHER
            if mnemonic in ("eor", "orr", "orrs", "eors") and len(ops) == 3:
                pairs = _xor_pairs(self._arm_value(insn, ops[1]), self._arm_value(insn, ops[2]), "xor" if mnemonic.startswith("eor") else "or")
                if pairs:  # an inlined memcmp: (C1 ^ [a]) | (C2 ^ [b]) == 0
                    self.set(dest, ("xorcmp", pairs))
                    return Step("cmp", left=("xorcmp", pairs), right=0) if mnemonic.endswith("s") else OTHER
            if mnemonic in ("add", "adds", "sub", "subs", "adr", "orr") and len(ops) >= 2:
                values = [self._arm_value(insn, op) for op in ops[1:]]
                if len(values) == 3 and isinstance(values[1], int) and isinstance(values[2], int):  # #imm, #rotate
                    imm, rotate = values[1], values[2] & 31
                    values = [values[0], ((imm >> rotate) | (imm << (32 - rotate))) & 0xFFFFFFFF]
                if mnemonic == "adr":
                    result = (self._arm_pc(insn) & ~3) + values[0] if isinstance(values[0], int) else None
                elif len(values) == 2 and all(isinstance(v, int) for v in values):
                    a, b = values
                    result = {"add": a + b, "adds": a + b, "sub": a - b, "subs": a - b, "orr": a | b}[mnemonic] & 0xFFFFFFFF
                elif len(values) == 2 and mnemonic in ("add", "sub") and isinstance(values[1], int):
                    result = self._add(values[0], values[1] if mnemonic == "add" else -values[1])
                else:
                    result = None
                if mnemonic in ("subs", "adds") and len(ops) == 3:
                    self.set(dest, result)
                    return Step("cmp", left=values[0], right=values[1] if mnemonic == "subs" else None)
                self.set(dest, result)
                return OTHER
        if insn.update_flags:
            self._clobber(insn)
            return Step("cmp", left=None, right=None)
        if writes_pc:
            return Step("jump", None)
        self._clobber(insn)
        return OTHER

    # -- AArch64 -------------------------------------------------------------------------

    def _step_arm64(self, insn) -> Step:
        mnemonic, ops = insn.mnemonic, insn.operands
        if mnemonic in ("bl", "blr"):
            return Step("call", self._op(insn, ops[0]))
        if mnemonic == "ret":
            return Step("ret")
        if mnemonic in ("b", "br"):
            return Step("jump", self._op(insn, ops[0]))
        if mnemonic.startswith("b."):
            return Step("cjump", ops[0].imm)
        if mnemonic in ("cbz", "cbnz"):
            return Step("cjump", ops[1].imm, left=self._op(insn, ops[0]), right=0)
        if mnemonic in ("tbz", "tbnz"):
            return Step("cjump", ops[2].imm)
        if mnemonic in ("cmp", "cmn", "tst", "ccmp", "ccmn"):  # ccmp: the second test of `a == x && b == y`
            return Step("cmp", left=self._op(insn, ops[0]), right=self._op(insn, ops[1]))
        if ops and ops[0].type == OP_REG:
            dest = self._name(insn, ops[0].reg)
            if mnemonic in ("adrp", "adr", "mov", "movz") and len(ops) == 2:
                value = self._op(insn, ops[1])
                if mnemonic == "movz" and isinstance(value, int) and ops[1].shift.value:
                    value <<= ops[1].shift.value
                self.set(dest, value)
                return OTHER
            if mnemonic == "movk" and isinstance(self.get(dest), int):
                shift = ops[1].shift.value
                self.set(dest, (self.get(dest) & ~(0xFFFF << shift)) | (ops[1].imm << shift))
                return OTHER
            if mnemonic in ("eor", "orr") and len(ops) == 3:
                pairs = _xor_pairs(self._op(insn, ops[1]), self._op(insn, ops[2]), "xor" if mnemonic == "eor" else "or")
                self.set(dest, ("xorcmp", pairs) if pairs else None)
                return OTHER
            if mnemonic in ("add", "sub", "subs", "adds") and len(ops) == 3:
                a, b = self._op(insn, ops[1]), self._op(insn, ops[2])
                if isinstance(b, int) and ops[2].shift.value:
                    b <<= ops[2].shift.value
                result = self._add(a, b if mnemonic.startswith("add") or not isinstance(b, int) else -b)
                self.set(dest, result)
                if mnemonic in ("subs", "adds"):
                    return Step("cmp", left=a, right=b)
                return OTHER
            if mnemonic.startswith("ldr") and len(ops) == 2 and ops[1].type == OP_MEM:
                base = self.get(self._name(insn, ops[1].mem.base))
                address = self._add(base, ops[1].mem.disp) if not ops[1].mem.index else None
                self.set(dest, self._frame_load(address) if mnemonic == "ldr" else _narrow(address))
                return OTHER
            if mnemonic.startswith("st") and ops[-1].type == OP_MEM and not ops[-1].mem.index:  # str, strb, stur, stp...
                address = self._add(self.get(self._name(insn, ops[-1].mem.base)), ops[-1].mem.disp)
                if mnemonic == "str" and len(ops) == 2:
                    self._frame_store(address, self.get(dest))
                return self._store(address)
        self._clobber(insn)
        return OTHER

    # -- MIPS ------------------------------------------------------------------------------

    _MIPS_CALLS = {"jal", "jalr", "bal", "bgezal", "bltzal", "jalr.hb", "jialc"}
    _MIPS_BRANCHES = {"beq", "bne", "beqz", "bnez", "bgez", "bgtz", "blez", "bltz", "beql", "bnel", "beqzc", "bnezc"}

    def _step_mips(self, insn) -> Step:
        mnemonic, ops = insn.mnemonic, insn.operands
        if mnemonic in self._MIPS_CALLS:
            return Step("call", self._op(insn, ops[-1]))
        if mnemonic in ("jr", "jr.hb"):
            reg = self._name(insn, ops[0].reg)
            return Step("ret") if reg == "ra" else Step("jump", self.get(reg))
        if mnemonic in ("j", "b"):
            return Step("jump", ops[0].imm)
        if mnemonic in self._MIPS_BRANCHES:
            left = self._op(insn, ops[0])
            right = self._op(insn, ops[1]) if len(ops) == 3 else 0
            return Step("cjump", ops[-1].imm, left=left, right=right)
        if not ops or ops[0].type != OP_REG:
            return OTHER
        dest = self._name(insn, ops[0].reg)
        if mnemonic == "lui":
            self.set(dest, (ops[1].imm << 16) & 0xFFFFFFFF)
        elif mnemonic in ("addiu", "addu", "daddiu", "daddu", "ori", "or") and len(ops) == 3:
            a, b = self._op(insn, ops[1]), self._op(insn, ops[2])
            if isinstance(a, int) and isinstance(b, int):
                self.set(dest, ((a | b) if mnemonic.endswith("or") or mnemonic == "ori" else (a + b)) & 0xFFFFFFFF)
            elif b == 0 and mnemonic != "ori":
                self.set(dest, a)
            else:
                self.set(dest, self._add(a, b) if "add" in mnemonic else None)
        elif mnemonic in ("move", "li") and len(ops) == 2:
            self.set(dest, self._op(insn, ops[1]))
        elif mnemonic in ("lw", "ld") and ops[1].type == OP_MEM:
            base = self.get(self._name(insn, ops[1].mem.base))
            self.set(dest, self._frame_load(self._add(base, ops[1].mem.disp)))
        elif mnemonic in ("lbu", "lb", "lhu", "lh") and ops[1].type == OP_MEM:
            base = self.get(self._name(insn, ops[1].mem.base))
            self.set(dest, _narrow(self._add(base, ops[1].mem.disp)))
        elif mnemonic in ("sw", "sd", "sb", "sh", "swl", "swr", "sdl", "sdr") and ops[1].type == OP_MEM:
            address = self._add(self.get(self._name(insn, ops[1].mem.base)), ops[1].mem.disp)
            if mnemonic in ("sw", "sd"):
                self._frame_store(address, self.get(dest))
            return self._store(address)
        else:
            self._clobber(insn)
        return OTHER

    # -- PowerPC and RISC-V: calls, branches and immediates only -------------------------

    def _step_ppc(self, insn) -> Step:
        mnemonic, ops = insn.mnemonic, insn.operands
        if mnemonic in ("bl", "bctrl", "bla"):
            return Step("call", ops[0].imm if ops and ops[0].type == OP_IMM else None)
        if mnemonic in ("blr", "blr+", "blr-"):
            return Step("ret")
        if mnemonic in ("b", "bctr", "ba"):
            return Step("jump", ops[0].imm if ops and ops[0].type == OP_IMM else None)
        if mnemonic.startswith("b") and ops and ops[-1].type == OP_IMM:
            return Step("cjump", ops[-1].imm)
        if mnemonic.startswith("cmp"):
            values = [self._op(insn, op) for op in ops if op.type in (OP_REG, OP_IMM)]
            return Step("cmp", left=values[-2] if len(values) >= 2 else None, right=values[-1] if values else None)
        if ops and ops[0].type == OP_REG:
            dest = self._name(insn, ops[0].reg)
            if mnemonic in ("li", "lis"):
                self.set(dest, (ops[1].imm << 16 if mnemonic == "lis" else ops[1].imm) & 0xFFFFFFFF)
                return OTHER
            if mnemonic in ("addi", "ori") and len(ops) == 3:
                base = self._op(insn, ops[1])
                self.set(dest, ((base | ops[2].imm) if mnemonic == "ori" else base + ops[2].imm) & 0xFFFFFFFF
                         if isinstance(base, int) else None)
                return OTHER
            if mnemonic == "mr":
                self.set(dest, self._op(insn, ops[1]))
                return OTHER
        self._clobber(insn)
        return OTHER

    def _step_riscv(self, insn) -> Step:
        mnemonic, ops = insn.mnemonic.replace("c.", ""), insn.operands
        if mnemonic in ("jal", "jalr"):
            if mnemonic == "jalr" and ops and ops[0].type == OP_REG and self._name(insn, ops[0].reg) == "ra" and len(ops) == 1:
                return Step("ret")
            links = len(ops) > 1 and ops[0].type == OP_REG and self._name(insn, ops[0].reg) == "ra"
            target = ops[-1].imm if ops[-1].type == OP_IMM and mnemonic == "jal" else None
            return Step("call" if links or len(ops) == 1 else "jump", target)
        if mnemonic in ("ret",):
            return Step("ret")
        if mnemonic in ("j", "jr"):
            return Step("jump", ops[0].imm if ops[0].type == OP_IMM else None)
        if mnemonic.startswith("b") and ops[-1].type == OP_IMM:
            left = self._op(insn, ops[0])
            right = self._op(insn, ops[1]) if len(ops) == 3 else 0
            return Step("cjump", ops[-1].imm, left=left, right=right)
        if ops and ops[0].type == OP_REG:
            dest = self._name(insn, ops[0].reg)
            if mnemonic in ("li", "lui", "auipc"):
                imm = ops[1].imm
                self.set(dest, {"li": imm, "lui": imm << 12, "auipc": insn.address + (imm << 12)}[mnemonic])
                return OTHER
            if mnemonic in ("addi", "addiw") and len(ops) == 3:
                self.set(dest, self._add(self._op(insn, ops[1]), ops[2].imm))
                return OTHER
            if mnemonic == "mv":
                self.set(dest, self._op(insn, ops[1]))
                return OTHER
        self._clobber(insn)
        return OTHER
