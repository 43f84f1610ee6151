"""Control flow recovered only where it matters: call sites found by vectorised byte decoding,
functions bounded by symbols and call targets, and the few interesting functions disassembled
into basic blocks with calls, comparisons and branches resolved to names and constants.

Disassembling everything is what makes peers slow; here the byte scan picks the functions
that call network input or privileged actions, and only those (and their callees) are decoded.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import numpy as np

from doorwatch.scan.binary import Executable, Segment, jump_slot_stubs
from doorwatch.scan.lite import disassemble_lite, disassembler
from doorwatch.scan.semantics import ARGV, Machine, Step

MAX_FUNCTION_BYTES = 12_000
MAX_SYSCALL_SITES = 200  # kernel entries examined per file, in address order (a program's own code precedes a static C library)
SYSCALL_WINDOW = 96  # bytes of code before a kernel entry followed to recover its registers
CODE_BUDGET = 20_000  # bytes of code disassembled per file: bounds the time of the deep analysis


@dataclass
class Call:
    address: int
    callee: str | None  # imported name
    target: int | None  # local function address
    args: list
    conditional: bool = False


@dataclass
class Block:
    start: int
    end: int = 0  # address after the last instruction (delay slot included)
    calls: list[Call] = field(default_factory=list)
    compares: list[tuple[int, object, object]] = field(default_factory=list)  # (address, left, right)
    successors: list[int] = field(default_factory=list)
    branch: int | None = None  # address of the conditional branch ending the block
    branch_target: int | None = None
    fallthrough: int | None = None
    returns: bool = False


@dataclass
class Function:
    start: int
    blocks: dict[int, Block]
    calls: list[Call]
    strings: dict[int, str]  # address of the instruction -> literal it put in a register
    syscalls: list[tuple[int, dict]] = field(default_factory=list)  # (address, registers) of kernel entries
    stores: list[tuple[int, object]] = field(default_factory=list)  # (address, place) of stores through pointers


# -- call sites by vectorised decoding ------------------------------------------------


def _words(exe: Executable, seg: Segment, size: int = 4, step: int = 4) -> tuple[np.ndarray, np.ndarray]:
    raw = np.frombuffer(exe.data, dtype=np.uint8, count=seg.size, offset=seg.offset)
    usable = (len(raw) - size) // step + 1 if len(raw) >= size else 0
    if usable <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    dtype = (">" if exe.arch.big_endian else "<") + ("u4" if size == 4 else "u2")
    if step == size:
        words = np.frombuffer(exe.data, dtype=dtype, count=usable, offset=seg.offset).astype(np.int64)
    else:
        idx = np.arange(usable) * step
        b = [raw[idx + k].astype(np.int64) for k in range(size)]
        words = (b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24) if not exe.arch.big_endian else (b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24)
    return words, seg.address + np.arange(usable, dtype=np.int64) * step


def _sext(values: np.ndarray, bits: int) -> np.ndarray:
    sign = 1 << (bits - 1)
    return (values & ((1 << bits) - 1) ^ sign) - sign


def _slot_loads_x86(exe: Executable, seg, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Loads of an import slot into a register (`mov reg, [rip + slot]` in 64-bit code, `mov reg,
    [slot]` in 32-bit code), how compilers call imports they know are imported (dllimport, -fno-plt):
    the load marks the function as calling that import; the call itself goes through the register."""
    if exe.arch.bits == 64:  # REX.W (48 or 4c) 8b, ModRM with mod 00 and r/m 101 (RIP-relative)
        body = raw[1: max(1, len(raw) - 5)]
        pos = np.flatnonzero(((raw[: len(body)] | 0x04) == 0x4C) & (body == 0x8B) & ((raw[2: len(body) + 2] & 0xC7) == 0x05))
        disp_at = pos + 3
    else:  # 8b with ModRM mod 00 r/m 101, or a1 (into eax): an absolute address
        modrm = np.flatnonzero((raw[: max(0, len(raw) - 5)] == 0x8B) & ((raw[1: max(1, len(raw) - 4)] & 0xC7) == 0x05))
        moffs = np.flatnonzero(raw[: max(0, len(raw) - 4)] == 0xA1)
        pos, disp_at = np.concatenate([modrm, moffs]), np.concatenate([modrm + 2, moffs + 1])
    disp = raw[disp_at].astype(np.int64) | raw[disp_at + 1].astype(np.int64) << 8 | raw[disp_at + 2].astype(np.int64) << 16 | raw[disp_at + 3].astype(np.int64) << 24
    sites = seg.address + pos
    targets = sites + 7 + _sext(disp, 32) if exe.arch.bits == 64 else disp
    slots = np.array(sorted(exe.slots), dtype=np.int64)
    keep = np.isin(targets, slots)  # only loads of import slots: other loads are data
    return sites[keep], targets[keep]


@dataclass
class CallSites:
    """What the byte scan takes for calls: to local code as two arrays, to imports by name."""

    local_sites: np.ndarray  # int64 address of each call
    local_targets: np.ndarray  # int64 address it calls
    named: list[tuple[int, str]]  # (address of the call, imported name)


def call_sites(exe: Executable) -> CallSites:
    """Every call the bytes suggest, to a local address or to an import.

    Decoding every byte offset may see calls that are not instructions: the result only selects
    functions to disassemble properly, so a spurious site costs time, never a finding.
    """
    family = exe.arch.family
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for seg in exe.code:
        if family == "x86":
            raw = np.frombuffer(exe.data, dtype=np.uint8, count=seg.size, offset=seg.offset)
            for opcode, length in ((0xE8, 5),):
                pos = np.flatnonzero(raw[: max(0, len(raw) - 4)] == opcode)
                rel = raw[pos + 1].astype(np.int64) | raw[pos + 2].astype(np.int64) << 8 | raw[pos + 3].astype(np.int64) << 16 | raw[pos + 4].astype(np.int64) << 24
                pos, rel = pos[rel != 0], rel[rel != 0]  # `call +0` reads the PC (or is a -O0 `mov [rbp-0x18], 0`): no function there
                sites = seg.address + pos
                found.append((sites, sites + length + _sext(rel, 32)))
            pos = np.flatnonzero((raw[: max(0, len(raw) - 5)] == 0xFF) & (np.roll(raw, -1)[: max(0, len(raw) - 5)] == 0x15))
            disp = raw[pos + 2].astype(np.int64) | raw[pos + 3].astype(np.int64) << 8 | raw[pos + 4].astype(np.int64) << 16 | raw[pos + 5].astype(np.int64) << 24
            sites = seg.address + pos
            found.append((sites, sites + 6 + _sext(disp, 32) if exe.arch.bits == 64 else disp))
            found.append(_slot_loads_x86(exe, seg, raw))
        elif family == "arm":
            words, addrs = _words(exe, seg)
            bl = ((words >> 24) & 0xF) == 0xB
            found.append((addrs[bl], addrs[bl] + 8 + (_sext(words[bl] & 0xFFFFFF, 24) << 2)))
            halves, haddrs = _words(exe, seg, 2, 2)
            if len(halves) > 1:
                first, second = halves[:-1], halves[1:]
                thumb = ((first & 0xF800) == 0xF000) & ((second & 0xD000) == 0xD000)
                s, j1, j2 = (first >> 10) & 1, (second >> 13) & 1, (second >> 11) & 1
                i1, i2 = 1 - (j1 ^ s), 1 - (j2 ^ s)
                offset = (s << 24) | (i1 << 23) | (i2 << 22) | ((first & 0x3FF) << 12) | ((second & 0x7FF) << 1)
                found.append((haddrs[:-1][thumb], haddrs[:-1][thumb] + 4 + _sext(offset[thumb], 25)))
        elif family == "arm64":
            words, addrs = _words(exe, seg)
            bl = (words >> 26) == 0b100101
            found.append((addrs[bl], addrs[bl] + (_sext(words[bl] & 0x3FFFFFF, 26) << 2)))
        elif family == "mips":
            words, addrs = _words(exe, seg)
            jal = (words >> 26) == 3
            found.append((addrs[jal], ((addrs[jal] + 4) & 0xF0000000) | ((words[jal] & 0x3FFFFFF) << 2)))
            bal = (words >> 16) == 0x0411
            found.append((addrs[bal], addrs[bal] + 4 + (_sext(words[bal] & 0xFFFF, 16) << 2)))
            if exe.gp is not None:
                t9 = (words >> 16) == 0x8F99
                found.append((addrs[t9], exe.gp + _sext(words[t9] & 0xFFFF, 16)))
        elif family == "ppc":
            words, addrs = _words(exe, seg)
            bl = ((words >> 26) == 18) & ((words & 3) == 1)
            found.append((addrs[bl], addrs[bl] + _sext(words[bl] & 0x03FFFFFC, 26)))
        elif family == "riscv":
            words, addrs = _words(exe, seg, 4, 2)
            jal = (words & 0xFFF) == 0x0EF
            w = words[jal]
            imm = ((w >> 31) & 1) << 20 | ((w >> 12) & 0xFF) << 12 | ((w >> 20) & 1) << 11 | ((w >> 21) & 0x3FF) << 1
            found.append((addrs[jal], addrs[jal] + _sext(imm, 21)))
            if len(words) > 2:
                auipc = ((words[:-2] & 0xFFF) == 0x097) & ((words[2:] & 0xFFFFF) == 0x080E7)
                hi, lo = words[:-2][auipc], words[2:][auipc]
                found.append((addrs[:-2][auipc], addrs[:-2][auipc] + _sext(hi >> 12, 20) * 4096 + _sext(lo >> 20, 12)))
    sites = np.concatenate([s for s, _ in found]) if found else np.zeros(0, np.int64)
    targets = np.concatenate([t for _, t in found]) if found else np.zeros(0, np.int64)
    to_import = np.isin(targets, np.array(sorted(set(exe.stubs) | set(exe.slots)), dtype=np.int64))
    local = ~to_import & _in_code(exe, targets)
    named = [(site, exe.stubs.get(target) or exe.slots[target])
             for site, target in zip(sites[to_import].tolist(), targets[to_import].tolist())]
    return CallSites(sites[local], targets[local], named)


def _in_code(exe: Executable, addresses: np.ndarray) -> np.ndarray:
    inside = np.zeros(len(addresses), dtype=bool)
    for seg in exe.code:
        inside |= (addresses >= seg.address) & (addresses < seg.address + seg.size)
    return inside


def resolve_stubs(exe: Executable) -> None:
    """Map every PLT stub to the import whose slot it jumps through (all architectures alike)."""
    if exe.arch is None:
        return
    for seg in exe.stub_sections:
        if exe.arch.family == "x86" and jump_slot_stubs(exe, seg):
            continue  # read from the bytes, much quicker than interpreting every entry
        machine = Machine(exe.arch, exe.load, exe.gp)
        window: list[int] = []
        for insn in disassemble_lite(exe.arch, exe.data[seg.offset:seg.offset + seg.size], seg.address):
            window.append(insn.address)
            step = machine.step(insn)
            if step.kind == "jump":
                name = exe.callee_name(step.target)
                if name:
                    for address in window:
                        exe.stubs.setdefault(address, name)
                window = []
                machine.regs.clear()


def _tail_calls(exe: Executable, starts: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """(sites, targets) of unconditional jumps to a known function start (x86 `jmp`, ARM `b`, MIPS
    `b`/`j`): tail calls."""
    family = exe.arch.family
    found = [(np.zeros(0, np.int64), np.zeros(0, np.int64))]
    if family not in ("x86", "arm", "mips") or not starts:
        return found[0]
    known = np.array(sorted(starts), dtype=np.int64)
    for seg in exe.code:
        if family == "x86":
            raw = np.frombuffer(exe.data, dtype=np.uint8, count=seg.size, offset=seg.offset)
            pos = np.flatnonzero(raw[: max(0, len(raw) - 4)] == 0xE9)
            rel = raw[pos + 1].astype(np.int64) | raw[pos + 2].astype(np.int64) << 8 | raw[pos + 3].astype(np.int64) << 16 | raw[pos + 4].astype(np.int64) << 24
            sites, targets = seg.address + pos, seg.address + pos + 5 + _sext(rel, 32)
        elif family == "arm":
            words, addrs = _words(exe, seg)
            branch = (words >> 24) == 0xEA
            sites, targets = addrs[branch], addrs[branch] + 8 + (_sext(words[branch] & 0xFFFFFF, 24) << 2)
        else:
            words, addrs = _words(exe, seg)
            branch = (words >> 16) == 0x1000
            jump = (words >> 26) == 2
            sites = np.concatenate([addrs[branch], addrs[jump]])
            targets = np.concatenate([addrs[branch] + 4 + (_sext(words[branch] & 0xFFFF, 16) << 2),
                                      ((addrs[jump] + 4) & 0xF0000000) | ((words[jump] & 0x3FFFFFF) << 2)])
        keep = np.isin(targets, known)
        found.append((sites[keep], targets[keep]))
    return np.concatenate([s for s, _ in found]), np.concatenate([t for _, t in found])


def _endbr_starts(exe: Executable) -> list[int]:
    """x86 with control-flow protection marks every function entry with `endbr64`/`endbr32`."""
    if exe.arch.family != "x86":
        return []
    marker = b"\xf3\x0f\x1e\xfa" if exe.arch.bits == 64 else b"\xf3\x0f\x1e\xfb"
    starts = []
    for seg in exe.code:
        chunk = exe.data[seg.offset:seg.offset + seg.size]
        position = chunk.find(marker)
        while position >= 0 and len(starts) < 100_000:
            starts.append(seg.address + position)
            position = chunk.find(marker, position + 4)
    return starts


def _main_from_entry(exe: Executable) -> list[int]:
    """`main` of a stripped program: the first argument `_start` hands to `__libc_start_main`."""
    fn = disassemble(exe, exe.entry, exe.entry + 96)
    if fn is None:
        return []
    found = []
    for call in fn.calls:
        candidates = call.args[:1] if call.callee == "__libc_start_main" else []
        if exe.arch.bits == 32 and exe.arch.family == "x86":
            candidates = [arg for arg in call.args if exe.in_code(arg)]
        found.extend(arg for arg in candidates if exe.in_code(arg))
    return found


def _equal_range(keys: np.ndarray, values: np.ndarray, key: int) -> np.ndarray:
    """values[i] for every i where the sorted keys[i] == key."""
    return values[np.searchsorted(keys, key, "left"):np.searchsorted(keys, key, "right")]


class CodeMap:
    """Call sites and function boundaries of one executable, from the byte scan."""

    def __init__(self, exe: Executable) -> None:
        self.exe = exe
        resolve_stubs(exe)
        self.sites = call_sites(exe)
        candidates = np.array(list(exe.symbols) + list(exe.relative.values()), dtype=np.int64)  # relative: function pointers
        starts = set(candidates[_in_code(exe, candidates)].tolist())
        starts.update(np.unique(self.sites.local_targets).tolist())
        starts.update(seg.address for seg in exe.code)
        starts.update(_endbr_starts(exe))
        if exe.entry and exe.in_code(exe.entry):
            starts.add(exe.entry)
            starts.update(_main_from_entry(exe))
        if exe.arch.family == "arm":
            starts = {address & ~1 for address in starts}
        self.starts = sorted(starts)
        tail_sites, tail_targets = _tail_calls(exe, set(self.starts))
        self.sites.local_sites = np.concatenate([self.sites.local_sites, tail_sites])
        self.sites.local_targets = np.concatenate([self.sites.local_targets, tail_targets])
        self.thumb = {address & ~1 for address in list(exe.symbols) if address & 1}
        odd = self.sites.local_targets[(self.sites.local_targets & 1) == 1]
        self.thumb.update((odd & ~1).tolist())
        self._functions: dict[int, Function | None] = {}
        self._callees: dict[int, set[int | str]] | None = None
        self._callers: dict[int, set[int]] = {}
        self._by_name: dict[str, list[tuple[int, int]]] = {}
        self.budget = CODE_BUDGET

    def function_of(self, address: int) -> int | None:
        index = bisect.bisect_right(self.starts, address) - 1
        return self.starts[index] if index >= 0 else None

    def end_of(self, start: int) -> int:
        index = bisect.bisect_right(self.starts, start)
        limit = start + MAX_FUNCTION_BYTES
        end = self.starts[index] if index < len(self.starts) else limit
        for seg in self.exe.code:
            if seg.address <= start < seg.address + seg.size:
                limit = min(limit, seg.address + seg.size)
        return min(end, limit)

    def _index(self) -> None:
        """One pass over the call sites: calls to imports by name; local calls as arrays for fast lookups."""
        starts = np.array(self.starts, dtype=np.int64)
        self._callees, self._callers, self._by_name = {}, {}, {}
        named = self.sites.named
        for (site, name), index in zip(named, self._owners(starts, [site for site, _ in named]).tolist()):
            if index >= 0:
                self._by_name.setdefault(name, []).append((self.starts[index], site))
        targets = self.sites.local_targets
        owners = self._owners(starts, self.sites.local_sites)
        owners = np.where(owners >= 0, starts[np.maximum(owners, 0)] if len(starts) else owners, -1)
        # Sorted both ways once, so each function's callees and callers are a binary search away.
        by_owner, by_target = np.argsort(owners, kind="stable"), np.argsort(targets, kind="stable")
        self._owners_sorted, self._targets_of_owner = owners[by_owner], targets[by_owner]
        self._targets_sorted, self._owners_of_target = targets[by_target], owners[by_target]
        self._named_owners = {}
        for name, entries in self._by_name.items():
            for owner, _ in entries:
                self._named_owners.setdefault(owner, set()).add(name)

    @staticmethod
    def _owners(starts: np.ndarray, addresses) -> np.ndarray:
        addresses = np.asarray(addresses, dtype=np.int64)
        if not len(starts):
            return np.full(len(addresses), -1)
        return np.searchsorted(starts, addresses, side="right") - 1

    def callees(self, start: int) -> set[int | str]:
        """What the function at `start` calls directly, by the byte scan: imported names and local addresses."""
        if self._callees is None:
            self._index()
        if start not in self._callees:
            local = _equal_range(self._owners_sorted, self._targets_of_owner, start)
            self._callees[start] = set(local.tolist()) | self._named_owners.get(start, set())
        return self._callees[start]

    def callers(self, start: int) -> set[int]:
        """Local functions that call the function at `start`, by the byte scan."""
        if self._callees is None:
            self._index()
        if start not in self._callers:
            owners = _equal_range(self._targets_sorted, self._owners_of_target, start)
            self._callers[start] = set(owners[(owners >= 0) & (owners != start)].tolist())
        return self._callers[start]

    def callers_of(self, names: set[str]) -> dict[int, list[tuple[int, str]]]:
        """Functions containing a call to any of `names`: start -> [(site, name)]."""
        if self._callees is None:
            self._index()
        result: dict[int, list[tuple[int, str]]] = {}
        for name in names:
            for owner, site in self._by_name.get(name, ()):
                result.setdefault(owner, []).append((site, name))
        return result

    def function(self, start: int) -> Function | None:
        """The disassembled function at `start` (memoised); None once the file's budget is spent."""
        if start not in self._functions:
            if self.budget <= 0:
                return None
            end = self.end_of(start)
            self.budget -= end - start
            self._functions[start] = disassemble(self.exe, start, end, start in self.thumb)
        return self._functions[start]

    def args_at(self, site: int, name: str) -> list | None:
        """The arguments of the call to `name` at `site`, from a short window of code before it
        (MIPS sites are the GOT load a few instructions before the call)."""
        start = self.function_of(site)
        width = 4 if self.exe.arch.family != "x86" else 1
        window = 2048  # from the function's start when it is this close: registers set early are seen
        tail = 128 if self.exe.arch.delay_slot else 4  # MIPS: the GOT load may precede the jalr (and its delay slot) by a prologue
        candidates = [start] if start is not None and site - start <= window else []
        short = 160 if width == 1 else 96
        candidates += [site - short + k * width for k in range(0, 24 if width == 1 else 1)]
        for begin in candidates:
            if begin is None or begin < 0:
                continue
            fn = disassemble(self.exe, begin, site + tail + (8 if width == 1 else 0), start in self.thumb if start else False)
            if fn is None:
                continue
            for call in fn.calls:
                if call.address >= site and call.callee == name:
                    return call.args
        return None


# -- kernel entries --------------------------------------------------------------------

# The bytes of the instruction each architecture enters the kernel with: (encoding, alignment, Thumb).
_SYSCALL_BYTES = {
    "x86-64": [(b"\x0f\x05", 1, False)],  # syscall
    "x86": [(b"\xcd\x80", 1, False)],  # int 0x80
    "arm": [(b"\x00\x00\x00\xef", 4, False), (b"\x00\xdf", 2, True)],  # svc #0 (ARM, Thumb)
    "armeb": [(b"\xef\x00\x00\x00", 4, False), (b"\xdf\x00", 2, True)],
    "aarch64": [(b"\x01\x00\x00\xd4", 4, False)],  # svc #0
    "mips": [(b"\x00\x00\x00\x0c", 4, False)],  # syscall
    "mipsel": [(b"\x0c\x00\x00\x00", 4, False)],
    "riscv64": [(b"\x73\x00\x00\x00", 2, False)],  # ecall
}
_X86_SYNC_TRIES = 4  # start offsets tried before an x86 kernel entry; a byte match inside another instruction lands on none


def syscall_sites(exe: Executable) -> list[tuple[int, bool]]:
    """(address, Thumb) of every place whose bytes encode a kernel entry; `syscall_states` decodes them."""
    encodings = _SYSCALL_BYTES.get(exe.arch.name, [])
    thumb_code = exe.arch.family == "arm" and (bool(exe.entry and exe.entry & 1) or any(address & 1 for address in exe.symbols))
    found: list[tuple[int, bool]] = []
    for seg in exe.code:
        chunk = exe.data[seg.offset:seg.offset + seg.size]
        for encoding, alignment, thumb in encodings:
            if thumb and not thumb_code:
                continue
            for match in re.finditer(re.escape(encoding), chunk):
                address = seg.address + match.start()
                if address % alignment == 0:
                    found.append((address, thumb))
                    if len(found) >= MAX_SYSCALL_SITES:
                        return found
    return found


def _decoded_before(exe: Executable, site: int, end: int, thumb: bool) -> Function | None:
    """The code from a little before `site` up to `end`, from a start whose instructions fall on `site`.

    x86 tries a few starts (its decoding falls into step within a few instructions); a byte match
    inside another instruction falls on none. Where it falls is checked with capstone's bare
    decoder first, so only one window is interpreted.
    """
    segment = next((seg for seg in exe.code if seg.address <= site < seg.address + seg.size), None)
    if segment is None:
        return None
    width = 2 if thumb or exe.arch.family == "riscv" else 1 if exe.arch.family == "x86" else 4
    first = max(segment.address, site - SYSCALL_WINDOW)
    first += (site - first) % width
    decoder = disassembler(exe.arch, thumb)
    for begin in range(first, min(site + 1, first + (_X86_SYNC_TRIES if width == 1 else 1))):
        data = exe.read(begin, min(site + 16, segment.address + segment.size) - begin)  # the instruction at `site` whole
        if data and any(address == site for address, *_ in decoder.disasm_lite(data, begin)):
            return disassemble(exe, begin, end, thumb)
    return None


def syscall_states(exe: Executable) -> list[tuple[int, dict]]:
    """The registers at each kernel entry, followed over the code just before it."""
    states = []
    for site, thumb in syscall_sites(exe):
        fn = _decoded_before(exe, site, site + 4, thumb)
        state = next((regs for address, regs in fn.syscalls if address == site), None) if fn else None
        if state is not None:
            states.append((site, state))
    return states


def call_args_near(exe: Executable, codemap: CodeMap, name: str, limit: int) -> list[tuple[int, list]]:
    """The arguments of the first `limit` calls to the import `name`, from the code just before each
    (cheaper than `CodeMap.args_at` when the arguments are set right before the call, as constants are)."""
    found = []
    tail = 32 if exe.arch.delay_slot else 8  # MIPS sites are the GOT load a few instructions before the call
    sites = sorted((site, owner) for owner, calls in codemap.callers_of({name}).items() for site, _ in calls)
    for site, owner in sites[:limit]:
        fn = _decoded_before(exe, site, site + tail, owner in codemap.thumb)
        call = next((call for call in fn.calls if call.address >= site and call.callee == name), None) if fn else None
        if call is not None:
            found.append((site, call.args))
    return found


# -- writes into the program's own command line -------------------------------------------


def _main_address(exe: Executable) -> int | None:
    """`main`: by its symbol, or in a stripped program as what `_start` hands `__libc_start_main`."""
    named = next((address for address, name in exe.symbols.items() if name == "main"), None)
    if named is not None:
        return named & ~1 if exe.arch.family == "arm" else named
    found = _main_from_entry(exe) if exe.entry and exe.in_code(exe.entry) else []
    return found[0] & ~1 if found and exe.arch.family == "arm" else (found[0] if found else None)


def _loops(fn: Function) -> list[tuple[int, int]]:
    """Address ranges of the loops a backward branch closes. A loop walking the arguments starts at argv[0]
    in a linear walk, but rewrites every argument alike (`route` blanking its own keywords): not a rename."""
    return [(target, block.end) for block in fn.blocks.values() for target in block.successors
            if fn.start <= target <= block.start]


def _inside(address: int, ranges: list[tuple[int, int]]) -> bool:
    return any(first <= address < last for first, last in ranges)


def _in_argv0(place: object) -> bool:
    """Whether a pointer points into the string argv[0] points to."""
    return place == ("arg", 0) or (isinstance(place, tuple) and place[0] == "at" and place[1] == ("arg", 0))


ARGV_CODE_BYTES = 768  # of main: a program disguises itself first thing, and this bounds the time
ARGV_HELPER_BYTES = 512  # a helper that renames the process is small; option parsers are not followed
MAX_ARGV_HELPERS = 2


def argv_writes(exe: Executable, codemap: CodeMap, writers: set[str]) -> list[tuple[int, str]]:
    """(address, how) of writes into the string argv[0] points to, which `ps` shows as the name:
    stores, and calls to `writers` (destination first) with it as destination. Followed in `main`
    and in the small functions `main` hands argv or argv[0] to; reassigning the pointer is no write."""
    main = _main_address(exe)
    if main is None or exe.is_library:
        return []
    found, helpers = _argv_writes_in(exe, codemap, main, {1: ARGV}, writers, ARGV_CODE_BYTES)
    for start, seed in helpers[:MAX_ARGV_HELPERS]:
        found += _argv_writes_in(exe, codemap, start, seed, writers, ARGV_HELPER_BYTES)[0]
    return found


def _argv_writes_in(exe: Executable, codemap: CodeMap, start: int, seed: dict[int, object], writers: set[str],
                    size: int) -> tuple[list[tuple[int, str]], list[tuple[int, dict[int, object]]]]:
    """The writes into argv[0] in one function, and the small local functions it hands argv or argv[0] to."""
    fn = disassemble(exe, start, min(codemap.end_of(start), start + size), start in codemap.thumb, seed)
    if fn is None:
        return [], []
    loops = _loops(fn)
    found = [(address, "store") for address, place in fn.stores if _in_argv0(place) and not _inside(address, loops)]
    helpers = []
    for call in fn.calls:
        name = call.callee or (exe.symbols.get(call.target) if call.target is not None else None)
        if name in writers and call.args and _in_argv0(call.args[0]) and not _inside(call.address, loops):
            found.append((call.address, name))
        elif call.target is not None and call.target != start and codemap.end_of(call.target) - call.target <= ARGV_HELPER_BYTES:
            handed = {index: arg for index, arg in enumerate(call.args) if arg in (ARGV, ("arg", 0))}
            if handed:
                helpers.append((call.target, handed))
    return found, helpers


def disassemble(exe: Executable, start: int, end: int, thumb: bool = False, seed: dict[int, object] | None = None) -> Function | None:
    """Linear sweep of [start, end) into basic blocks with resolved calls, comparisons and branches
    (`seed`: argument index -> a known value the function receives there)."""
    data = exe.read(start, end - start)
    if not data:
        return None
    machine = Machine(exe.arch, exe.load, exe.gp)
    machine._thumb = thumb
    for index, value in (seed or {}).items():
        if index < len(exe.arch.arg_regs):
            machine.regs[exe.arch.arg_regs[index]] = value
    syscalls: list[tuple[int, dict]] = []
    stores: list[tuple[int, object]] = []
    insns = disassemble_lite(exe.arch, data, start, thumb)
    steps: list[tuple[object, Step]] = []
    strings: dict[int, str] = {}
    calls: list[Call] = []
    pending: tuple[object, Step] | None = None
    entry_states: dict[int, dict] = {}  # register state recorded where a branch goes
    falls_through = True
    for insn in insns:
        if not falls_through and insn.address in entry_states:
            machine.regs = dict(entry_states[insn.address])  # reached only by a jump: take the jump's state
        falls_through = True
        step = machine.step(insn)
        steps.append((insn, step))
        if step.kind == "syscall":
            syscalls.append((insn.address, dict(machine.regs)))
            machine.after_syscall()
        elif step.kind == "store":
            stores.append((insn.address, step.target))
        if pending is None and exe.arch.delay_slot and step.kind in ("call", "jump", "cjump", "ret"):
            pending = (insn, step)
            continue
        control, control_step = pending if pending is not None else (insn, step)
        pending = None
        tail_call = control_step.kind == "jump" and (
            exe.callee_name(control_step.target)
            or (isinstance(control_step.target, int) and not start <= control_step.target < end and exe.in_code(control_step.target)))
        if control_step.kind == "call" or tail_call:
            calls.append(_call(exe, machine, control, control_step))
        elif control_step.kind in ("jump", "cjump") and isinstance(control_step.target, int):
            entry_states.setdefault(control_step.target, dict(machine.regs))
        if control_step.kind in ("jump", "ret") and not control_step.conditional:
            falls_through = False
    for call in calls:
        for arg in call.args:
            text = exe.string_at(arg)
            if text is not None and len(text) >= 2:
                strings.setdefault(call.address, text)
    function = _blocks(exe, start, steps, calls, strings)
    function.syscalls, function.stores = syscalls, stores
    return function


def _call(exe: Executable, machine: Machine, insn, step: Step) -> Call:
    target = step.target
    name = exe.callee_name(target)
    if name is None and isinstance(target, int) and target in exe.slots:
        name = exe.slots[target]
    local = target & ~1 if exe.arch.family == "arm" and isinstance(target, int) else target
    call = Call(insn.address, name, local if name is None and isinstance(local, int) else None, machine.args(4), step.conditional)
    machine.after_call(name or (hex(local) if isinstance(local, int) else "?"), call.args)
    return call


def _blocks(exe: Executable, start: int, steps, calls: list[Call], strings: dict[int, str]) -> Function:
    delay = 1 if exe.arch.delay_slot else 0
    leaders = {start}
    for index, (insn, step) in enumerate(steps):
        if step.kind in ("jump", "cjump", "ret") and not step.conditional:
            after = index + 1 + delay
            if after < len(steps):
                leaders.add(steps[after][0].address)
            if step.kind != "ret" and isinstance(step.target, int):
                leaders.add(step.target)
    calls_at = {call.address: call for call in calls}
    blocks: dict[int, Block] = {}
    block: Block | None = None
    terminator: tuple[object, Step] | None = None
    in_delay_slot = False
    for insn, step in steps:
        if block is None or (insn.address in leaders and not in_delay_slot):
            if block is not None:
                _close(block, terminator, insn.address)
            block = blocks[insn.address] = Block(insn.address)
            terminator = None
        in_delay_slot = False
        block.end = insn.address + insn.size
        if insn.address in calls_at:
            block.calls.append(calls_at[insn.address])
        if step.kind == "cmp" or (step.kind == "cjump" and (step.left is not None or step.right is not None)):
            block.compares.append((insn.address, step.left, step.right))
        if step.kind in ("jump", "cjump", "ret") and not step.conditional:
            terminator = (insn, step)
            in_delay_slot = bool(delay)
    if block is not None:
        _close(block, terminator, None)
    return Function(start, blocks, calls, strings)


def _close(block: Block, terminator, next_address: int | None) -> None:
    if terminator is None:
        if next_address is not None:
            block.successors.append(next_address)
        return
    insn, step = terminator
    if step.kind == "ret":
        block.returns = True
        return
    if isinstance(step.target, int):
        block.successors.append(step.target)
    if step.kind == "cjump":
        block.branch, block.branch_target, block.fallthrough = insn.address, step.target, next_address
        if next_address is not None:
            block.successors.append(next_address)
