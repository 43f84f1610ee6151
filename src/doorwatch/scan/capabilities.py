"""Capabilities from the rules: imports, strings (YARA-X), ioctl numbers and constants, call arguments,
direct system calls and writes into the program's own command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import yaml

from doorwatch.errors import DoorwatchError
from doorwatch.model import Capability, Evidence
from doorwatch.scan.binary import Executable
from doorwatch.scan.flow import CodeMap, argv_writes, call_args_near, syscall_states
from doorwatch.scan.rules import SYSCALL_FILE, CapabilityRule, Condition, RuleSet, read_data

MAX_CALL_SITES = 24  # per function: arguments are recovered at this many sites at most


@dataclass
class Facts:
    """What one file shows, gathered once and matched against every rule."""

    imports: set[str] = field(default_factory=set)
    patterns: dict[str, int] = field(default_factory=dict)  # YARA pattern identifier -> first file offset
    constants: dict[int, int | None] = field(default_factory=dict)  # wanted constant -> address, if present
    call_args: dict[str, list[tuple[int, list]]] = field(default_factory=dict)  # function -> [(site, args)]
    # From the code (gather_code_facts): system call name -> [(site, args, how)]; writes into argv[0]
    kernel_calls: dict[str, list[tuple[int, list, str]]] = field(default_factory=dict)
    argv_writes: list[tuple[int, str]] = field(default_factory=list)  # (site, "store" or the writing function)


def _hit(cond: Condition, facts: Facts, rules: RuleSet, exe: Executable | None) -> list[Evidence]:
    evidence: list[Evidence] = []
    kernel_calls = facts.kernel_calls
    for name in cond.imports:
        if name in facts.imports:
            evidence.append(Evidence(kind="import", value=name))
        elif name in kernel_calls:
            site, _, how = kernel_calls[name][0]
            evidence.append(Evidence(kind="syscall", value=name, address=_hex(site), detail=how))
    for ident in cond.strings:
        if ident in facts.patterns:
            offset = facts.patterns[ident]
            address = exe.address_of_offset(offset) if exe else None
            evidence.append(Evidence(kind="string", value=rules.pattern_text[ident], address=_hex(address),
                                     detail=None if address is not None else f"file offset {offset:#x}"))
    if exe is not None and exe.arch is not None:
        for name in cond.ioctls:
            value = exe.arch.ioctl(*rules.ioctls[name])
            if value in facts.constants:
                evidence.append(Evidence(kind="ioctl", value=f"{name} ({value:#x})", address=_hex(facts.constants[value])))
        for value in cond.constants:
            if value in facts.constants:
                evidence.append(Evidence(kind="constant", value=f"{value:#x}", address=_hex(facts.constants[value])))
    for function, wanted, mask in cond.calls:
        sites = [(site, args, "call", None) for site, args in facts.call_args.get(function, [])]
        sites += [(site, args, "syscall", how) for site, args, how in kernel_calls.get(function, [])]
        for site, args, kind, how in sites:
            actual = [args[index] if index < len(args) else None for index, _ in wanted]
            if all(isinstance(value, int) and ((value & mask) if mask else value) in values
                   for value, (_, values) in zip(actual, wanted)):
                shown = ", ".join(f"arg{index}={value:#x}" for value, (index, _) in zip(actual, wanted))
                evidence.append(Evidence(kind=kind, value=f"{function}({shown})", address=_hex(site), detail=how))
                break
    for site, how in facts.argv_writes:
        if how in cond.argv_writes:
            what = "a store" if how == "store" else f"{how}()"
            evidence.append(Evidence(kind="argv-write", value=f"{what} into argv[0]", address=_hex(site),
                                     detail="rewrites its own command line, the name ps shows"))
    return evidence


def _hex(address: int | None) -> str | None:
    return f"{address:#x}" if isinstance(address, int) else None


def match_capabilities(facts: Facts, rules: RuleSet, exe: Executable | None, inheritable_only: bool = False) -> list[Capability]:
    """Every capability whose rule matches, with the evidence of all its matching rules merged."""
    found: dict[str, list[Evidence]] = {}
    for rule in rules.capability_rules:
        if inheritable_only and not rule.inheritable:
            continue
        evidence = _rule_evidence(rule, facts, rules, exe)
        if evidence:
            found.setdefault(rule.capability, []).extend(evidence)
    return [Capability(id=cap, evidence=_unique(ev)) for cap, ev in sorted(found.items())]


def _rule_evidence(rule: CapabilityRule, facts: Facts, rules: RuleSet, exe: Executable | None) -> list[Evidence]:
    evidence = _hit(rule.match, facts, rules, exe)
    if not evidence:
        return []
    for requirement in rule.requires:
        extra = _hit(requirement, facts, rules, exe)
        if not extra:
            return []
        evidence.extend(extra[:1])
    return evidence


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    seen, result = set(), []
    for item in evidence:
        key = (item.kind, item.value)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result[:12]


# -- gathering the facts ---------------------------------------------------------------


def gather_code_facts(facts: Facts, rules: RuleSet, exe: Executable, codemap: CodeMap | None) -> None:
    """The facts only the code shows: direct system calls, and writes into argv[0] (Linux programs
    only: the system call numbers and the argv layout are Linux's). Without a code map (a linked
    library examined for what programs inherit) only the kernel entries are read."""
    if exe.format != "elf" or exe.arch is None:
        return
    facts.kernel_calls = recover_kernel_calls(exe, codemap)
    writers = {how for rule in rules.capability_rules for cond in (rule.match, *rule.requires) for how in cond.argv_writes}
    facts.argv_writes = argv_writes(exe, codemap, writers) if writers and codemap is not None else []


@dataclass(frozen=True)
class SyscallConvention:
    """How one architecture asks the kernel: the register holding the number, the argument registers, the names."""

    number: str
    args: tuple[str, ...]
    names: dict[int, str]


@lru_cache(maxsize=1)
def syscall_conventions() -> dict[str, SyscallConvention]:
    """The packaged system call conventions and numbers, by architecture name."""
    try:
        data = yaml.safe_load(read_data(SYSCALL_FILE))
        conventions = {}
        for arch, spec in data["conventions"].items():
            column = data["numberings"].index(spec["numbering"])
            names = {numbers[column]: name for name, numbers in data["numbers"].items() if numbers[column] is not None}
            conventions[arch] = SyscallConvention(spec["number"], tuple(spec["args"]), names)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, IndexError) as err:
        raise DoorwatchError(f"the packaged system call table is invalid: {err}") from err
    return conventions


def recover_kernel_calls(exe: Executable, codemap: CodeMap | None) -> dict[str, list[tuple[int, list, str]]]:
    """The system calls the code makes itself, by name, with their arguments: kernel entry
    instructions (`syscall`, `svc #0`...) and calls of glibc's `syscall(number, ...)`."""
    convention = syscall_conventions().get(exe.arch.name)
    if convention is None:
        return {}
    found: dict[str, list[tuple[int, list, str]]] = {}

    def add(number: object, site: int, args: list, how: str) -> None:
        name = convention.names.get(number) if isinstance(number, int) else None
        if name is not None and len(found.setdefault(name, [])) < MAX_CALL_SITES:
            found[name].append((site, args, how))

    for site, registers in syscall_states(exe):
        number = registers.get(convention.number)
        add(number, site, [registers.get(reg) for reg in convention.args], f"direct system call (number {number})")
    if "syscall" in exe.imports and codemap is not None:
        for site, args in call_args_near(exe, codemap, "syscall", MAX_CALL_SITES):
            if args:
                add(args[0], site, args[1:], f"through syscall({args[0]}, ...)")
    exported = set(exe.dynsym_names) - exe.imports  # a C library's own wrappers are not uses of the call
    return {name: sites for name, sites in found.items() if name not in exported}


def wanted_constants(rules: RuleSet, exe: Executable) -> set[int]:
    wanted = {c for rule in rules.capability_rules for cond in (rule.match, *rule.requires) for c in cond.constants}
    if exe.arch is not None:
        wanted |= {exe.arch.ioctl(*spec) for spec in rules.ioctls.values()}
    return wanted


def find_constants(exe: Executable, wanted: set[int]) -> dict[int, int | None]:
    """Which wanted 32-bit constants the code materialises, and where.

    x86 and ARM literal pools hold them as plain words; RISC code builds them from a high and a
    low half in two instructions, decoded here in bulk with numpy.
    """
    found: dict[int, int | None] = {}
    order = "big" if exe.arch.big_endian else "little"
    for seg in exe.code:
        chunk = exe.data[seg.offset:seg.offset + seg.size]
        if exe.arch.family in ("x86", "arm"):
            for value in wanted - found.keys():  # bytes.find per constant beats one regex alternation
                at = chunk.find(value.to_bytes(4, order))
                if at >= 0:
                    found[value] = seg.address + at
        if exe.arch.family in ("mips", "ppc", "riscv", "arm64", "arm"):
            for value, address in _paired_immediates(exe, chunk, seg.address).items():
                if value in wanted:
                    found.setdefault(value, address)
    return found


def _paired_immediates(exe: Executable, chunk: bytes, base: int) -> dict[int, int]:
    count = len(chunk) // 4
    if count < 2:
        return {}
    words = np.frombuffer(chunk, dtype=(">u4" if exe.arch.big_endian else "<u4"), count=count).astype(np.int64)
    family = exe.arch.family
    if family == "mips":  # lui rt, hi ; ori/addiu rt, rt, lo
        hi_mask, hi_reg, hi_val = (words >> 26) == 0x0F, (words >> 16) & 31, words & 0xFFFF
        lo_mask = ((words >> 26) == 0x0D) | ((words >> 26) == 0x09)
        lo_reg, lo_val, signed_lo = (words >> 21) & 31, words & 0xFFFF, (words >> 26) == 0x09
    elif family == "ppc":  # lis rD, hi ; ori rD, rD, lo
        hi_mask, hi_reg, hi_val = ((words >> 26) == 15) & (((words >> 16) & 31) == 0), (words >> 21) & 31, words & 0xFFFF
        lo_mask, lo_reg, lo_val = (words >> 26) == 24, (words >> 21) & 31, words & 0xFFFF
        signed_lo = np.zeros_like(lo_mask)
    elif family == "arm64":  # movz wd, lo ; movk wd, hi, lsl 16
        lo_first = ((words & 0x7FE00000) == 0x52800000)
        hi_second = ((words & 0x7FE00000) == 0x72A00000)
        return _pairs(words, lo_first, words & 31, (words >> 5) & 0xFFFF, hi_second, words & 31, (words >> 5) & 0xFFFF,
                      np.zeros_like(lo_first), base, high_first=False)
    elif family == "arm":  # movw rd, lo ; movt rd, hi (ARM mode)
        lo_first = (words & 0x0FF00000) == 0x03000000
        hi_second = (words & 0x0FF00000) == 0x03400000
        imm = ((words >> 4) & 0xF000) | (words & 0xFFF)
        return _pairs(words, lo_first, (words >> 12) & 15, imm, hi_second, (words >> 12) & 15, imm,
                      np.zeros_like(lo_first), base, high_first=False)
    else:  # riscv: lui rd, hi ; addi(w) rd, rd, lo (32-bit aligned only)
        hi_mask, hi_reg, hi_val = (words & 0x7F) == 0x37, (words >> 7) & 31, (words >> 12) & 0xFFFFF
        lo_mask = ((words & 0x707F) == 0x13) | ((words & 0x707F) == 0x1B)
        lo_reg, lo_val, signed_lo = (words >> 15) & 31, (words >> 20) & 0xFFF, np.ones_like(lo_mask)
        result = {}
        for gap in range(1, 4):
            ok = hi_mask[:-gap] & lo_mask[gap:] & (hi_reg[:-gap] == lo_reg[gap:])
            for i in np.flatnonzero(ok).tolist():
                lo = int(lo_val[i + gap])
                value = ((int(hi_val[i]) << 12) + (lo - 4096 if lo & 0x800 else lo)) & 0xFFFFFFFF
                result.setdefault(value, base + 4 * i)
        return result
    return _pairs(words, hi_mask, hi_reg, hi_val, lo_mask, lo_reg, lo_val, signed_lo, base, high_first=True)


def _pairs(words, first_mask, first_reg, first_val, second_mask, second_reg, second_val, signed, base, high_first) -> dict[int, int]:
    result: dict[int, int] = {}
    for gap in range(1, 5):
        ok = first_mask[:-gap] & second_mask[gap:] & (first_reg[:-gap] == second_reg[gap:])
        for i in np.flatnonzero(ok).tolist():
            a, b = int(first_val[i]), int(second_val[i + gap])
            if high_first:
                low = b - 0x10000 if signed[i + gap] and b & 0x8000 else b
                value = ((a << 16) + low) & 0xFFFFFFFF
            else:
                value = (b << 16) | a
            result.setdefault(value, base + 4 * i)
    return result


def recover_call_args(exe: Executable, codemap: CodeMap, functions: set[str]) -> dict[str, list[tuple[int, list]]]:
    """Arguments at the call sites of `functions`, by following registers over the code before each call."""
    result: dict[str, list[tuple[int, list]]] = {}
    for site, name in codemap.sites.named:
        if name in functions:
            entries = result.setdefault(name, [])
            if len(entries) < MAX_CALL_SITES:
                args = codemap.args_at(site, name)
                if args is not None:
                    entries.append((site, args))
    return result
