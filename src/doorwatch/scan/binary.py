"""An executable as the analyses see it: bytes, architecture, imports, import slots, code ranges, symbols.

LIEF parses the formats; this module only gathers what the analyses ask of every format
in one shape, so capability rules and the trigger analysis never look at ELF or PE details.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import lief

from doorwatch.scan.arch import AARCH64, ARM, X86, X86_64_WIN, Arch, elf_arch

lief.logging.disable()
# At exit, LIEF lists its objects still alive; with parsed files kept in frozen collector
# generations (see engine.GC_THRESHOLDS) some are, harmlessly, and the list is noise.
lief.disable_leak_warning()


class NotExecutable(Exception):
    """The bytes are not an ELF or PE that LIEF can parse."""


@dataclass
class Segment:
    address: int
    offset: int
    size: int  # bytes present in the file


@dataclass
class Executable:
    """The facts about one executable that every analysis shares."""

    path: Path
    data: bytes
    format: str  # "elf" or "pe"
    arch: Arch | None
    imports: set[str] = field(default_factory=set)
    needed: list[str] = field(default_factory=list)
    slots: dict[int, str] = field(default_factory=dict)  # GOT / IAT slot address -> imported name
    stubs: dict[int, str] = field(default_factory=dict)  # PLT stub address -> imported name
    symbols: dict[int, str] = field(default_factory=dict)  # defined function address -> name
    code: list[Segment] = field(default_factory=list)
    loads: list[Segment] = field(default_factory=list)
    relative: dict[int, int] = field(default_factory=dict)  # address -> value a relative relocation writes
    stub_sections: list[Segment] = field(default_factory=list)  # .plt, .plt.sec, .MIPS.stubs...
    gp: int | None = None  # MIPS global pointer
    entry: int | None = None
    is_library: bool = False
    dynsym_names: list[str] = field(default_factory=list)
    truncated: bool = False  # the headers describe bytes past the end of the file

    def _segment(self, address: int) -> Segment | None:
        for seg in self.loads:
            if seg.address <= address < seg.address + seg.size:
                return seg
        return None

    def read(self, address: int, size: int) -> bytes | None:
        seg = self._segment(address)
        if seg is None or address + size > seg.address + seg.size:
            return None
        start = seg.offset + address - seg.address
        return self.data[start:start + size]

    def word(self, address: int) -> int | None:
        """The pointer-sized word at an address, with what a relative relocation puts there."""
        if address in self.relative:
            return self.relative[address]
        size = self.arch.word_size if self.arch else 4
        raw = self.read(address, size)
        if raw is None:
            return None
        return int.from_bytes(raw, "big" if self.arch and self.arch.big_endian else "little")

    def load(self, address: int):
        """What a load from `address` yields for the register tracker."""
        if address in self.slots:
            return ("slot", address)
        return self.word(address)

    def string_at(self, address: object, limit: int = 256) -> str | None:
        """The printable NUL-terminated string at an address, if there is one (a literal)."""
        if not isinstance(address, int) or address <= 0:
            return None
        seg = self._segment(address)
        if seg is None:
            return None
        start = seg.offset + address - seg.address
        end = self.data.find(b"\0", start, min(start + limit, seg.offset + seg.size))
        if end <= start:
            return None
        raw = self.data[start:end]
        if not all(32 <= byte < 127 or byte in (9, 10, 13) for byte in raw):
            return None
        return raw.decode("ascii")

    def in_code(self, address: object) -> bool:
        return isinstance(address, int) and any(s.address <= address < s.address + s.size for s in self.code)

    def address_of_offset(self, offset: int) -> int | None:
        for seg in self.loads:
            if seg.offset <= offset < seg.offset + seg.size:
                return seg.address + offset - seg.offset
        return None

    def callee_name(self, target: object) -> str | None:
        """The imported function a call target reaches: a PLT stub, an import slot, a canonical PLT address."""
        if isinstance(target, tuple) and target[0] == "slot":
            return self.slots.get(target[1])
        if isinstance(target, int):
            if target in self.stubs:
                return self.stubs[target]
            if self.arch and self.arch.family == "arm":  # Thumb targets have the low bit set
                return self.stubs.get(target & ~1)
        return None


def load_executable(path: Path, data: bytes) -> Executable:
    """Parse ELF or PE bytes; raise NotExecutable when LIEF cannot."""
    if data[:4] == b"\x7fELF":
        binary = lief.ELF.parse(str(path))
        if binary is None:
            raise NotExecutable("malformed ELF: LIEF could not parse it")
        with warnings.catch_warnings():  # LIEF warns on out-of-range enum values of malformed files
            warnings.simplefilter("ignore", RuntimeWarning)
            return _from_elf(path, data, binary)
    if data[:2] == b"MZ":
        binary = lief.PE.parse(str(path))
        if binary is None:
            raise NotExecutable("malformed PE: LIEF could not parse it")
        return _from_pe(path, data, binary)
    raise NotExecutable("not an ELF or PE file")


def _from_elf(path: Path, data: bytes, binary) -> Executable:
    header = binary.header
    bits = 64 if header.identity_class == lief.ELF.Header.CLASS.ELF64 else 32
    big = header.identity_data == lief.ELF.Header.ELF_DATA.MSB
    arch = elf_arch(str(header.machine_type).split(".")[-1], bits, big)
    exe = Executable(path=path, data=data, format="elf", arch=arch, entry=binary.entrypoint or None)
    exe.is_library = header.file_type == lief.ELF.Header.FILE_TYPE.DYN and binary.has_interpreter is False
    exe.truncated = _elf_truncated(header, binary, len(data))
    for seg in binary.segments:
        if (seg.type == lief.ELF.Segment.TYPE.LOAD and seg.physical_size and seg.file_offset < len(data)
                and _addressable(seg.virtual_address, seg.physical_size)):
            size = min(seg.physical_size, len(data) - seg.file_offset)
            item = Segment(seg.virtual_address, seg.file_offset, size)
            exe.loads.append(item)
            if seg.has(lief.ELF.Segment.FLAGS.X):
                exe.code.append(item)
    _elf_sections(exe, binary)
    exe.needed = [_text(name) for name in binary.libraries]
    dynsyms = list(binary.dynamic_symbols)
    exe.dynsym_names = [_text(sym.name) for sym in dynsyms]
    for sym, name in zip(dynsyms, exe.dynsym_names):
        if sym.imported and name:
            exe.imports.add(name)
            if sym.value and sym.type == lief.ELF.Symbol.TYPE.FUNC:
                exe.stubs[sym.value] = name  # canonical PLT address (non-PIC executables, MIPS stubs)
        elif sym.value and sym.type in (lief.ELF.Symbol.TYPE.FUNC, lief.ELF.Symbol.TYPE.GNU_IFUNC):
            exe.symbols[sym.value] = name
    for sym in binary.symtab_symbols:
        if sym.value and sym.type == lief.ELF.Symbol.TYPE.FUNC and sym.shndx:
            exe.symbols.setdefault(sym.value, _text(sym.name))
    for reloc in list(binary.pltgot_relocations) + list(binary.dynamic_relocations):
        if reloc.has_symbol and reloc.symbol.name:
            exe.slots[reloc.address] = _text(reloc.symbol.name)
        elif "RELATIVE" in str(reloc.type) and reloc.addend:
            exe.relative[reloc.address] = reloc.addend
    if arch and arch.family == "mips":
        _mips_got(exe, binary, dynsyms)
    return exe


def _elf_truncated(header, binary, size: int) -> bool:
    """Whether the header tables or a loaded segment reach past the file's end (a cut-off download or dump)."""
    ends = [header.program_header_offset + header.numberof_segments * header.program_header_size]
    if header.numberof_sections:
        ends.append(header.section_header_offset + header.numberof_sections * header.section_header_size)
    ends += [seg.file_offset + seg.physical_size for seg in binary.segments if seg.type == lief.ELF.Segment.TYPE.LOAD]
    return max(ends) > size


def _text(name: str | bytes) -> str:
    """A symbol or library name as text: LIEF hands over bytes when a (corrupt) name is not UTF-8."""
    return name if isinstance(name, str) else name.decode("latin-1")


def _addressable(address: int, size: int) -> bool:
    """Whether a region fits the signed 64-bit arithmetic of the code scans; a corrupt header can
    claim addresses near 2**64, where no program's code is loaded."""
    return address + size < 1 << 63


def _elf_sections(exe: Executable, binary) -> None:
    names = (".plt", ".plt.sec", ".plt.got", ".MIPS.stubs", ".iplt", ".glink")
    code = []
    for section in binary.sections:
        if (not section.size or not section.virtual_address or section.type == lief.ELF.Section.TYPE.NOBITS
                or section.file_offset >= len(exe.data) or not _addressable(section.virtual_address, section.size)):
            continue
        item = Segment(section.virtual_address, section.file_offset, min(section.size, max(0, len(exe.data) - section.file_offset)))
        if section.name in names:
            exe.stub_sections.append(item)
        elif section.has(lief.ELF.Section.FLAGS.EXECINSTR) and section.name not in (".init", ".fini"):
            code.append(item)
    if code:
        exe.code = code  # sections are finer than segments when the file still has them


def _mips_got(exe: Executable, binary, dynsyms) -> None:
    """MIPS keeps imports in the global part of its GOT, one entry per symbol from DT_MIPS_GOTSYM on."""
    tags = {str(entry.tag).split(".")[-1]: entry.value for entry in binary.dynamic_entries}
    got, local, first = tags.get("PLTGOT"), tags.get("MIPS_LOCAL_GOTNO"), tags.get("MIPS_GOTSYM")
    if got is None or local is None or first is None:
        return
    exe.gp = got + 0x7FF0
    size = exe.arch.word_size
    for index, sym in enumerate(dynsyms[first:]):
        if sym.name:
            exe.slots[got + (local + index) * size] = _text(sym.name)


def _from_pe(path: Path, data: bytes, binary) -> Executable:
    machine = str(binary.header.machine).split(".")[-1]
    arch = {"AMD64": X86_64_WIN, "I386": X86, "ARM64": AARCH64, "ARMNT": ARM}.get(machine)
    exe = Executable(path=path, data=data, format="pe", arch=arch)
    base = binary.optional_header.imagebase
    exe.entry = base + binary.optional_header.addressof_entrypoint
    for section in binary.sections:
        if section.pointerto_raw_data >= len(data) or not _addressable(base + section.virtual_address, section.sizeof_raw_data):
            continue
        size = min(section.sizeof_raw_data, len(data) - section.pointerto_raw_data)
        item = Segment(base + section.virtual_address, section.pointerto_raw_data, size)
        exe.loads.append(item)
        if section.has_characteristic(lief.PE.Section.CHARACTERISTICS.MEM_EXECUTE):
            exe.code.append(item)
    for library in binary.imports:
        exe.needed.append(_text(library.name))
        for entry in library.entries:
            if entry.name:
                exe.imports.add(_text(entry.name))
                exe.slots[base + entry.iat_address] = _text(entry.name)
    for function in binary.exported_functions:
        exe.symbols[base + function.address] = _text(function.name)
    _pe_thunks(exe)
    return exe


def _pe_thunks(exe: Executable) -> None:
    """Import thunks, `jmp [IAT slot]`, that linkers put in the code for imports the compiler did not
    know were imported (the PE form of a PLT stub). LIEF lists the slots but not the thunks."""
    if exe.arch is not None and exe.arch.family == "x86":
        for seg in exe.code:
            jump_slot_stubs(exe, seg)


_ENDBR = (b"\xf3\x0f\x1e\xfa", b"\xf3\x0f\x1e\xfb")


def jump_slot_stubs(exe: Executable, seg: Segment) -> bool:
    """Record the x86 `jmp [slot]` stubs in `seg` under the import of their slot: PLT entries (after
    an `endbr` and a `bnd` prefix when the code has control-flow protection) and PE import thunks.
    Whether any jumps through a known slot."""
    code = exe.data[seg.offset:seg.offset + seg.size]
    wide = exe.arch.bits == 64
    found = False
    at = code.find(b"\xff\x25")
    while 0 <= at <= len(code) - 6:
        operand = int.from_bytes(code[at + 2:at + 6], "little", signed=wide)
        name = exe.slots.get(seg.address + at + 6 + operand if wide else operand)  # RIP-relative in 64-bit code
        if name:
            start = at - 1 if at and code[at - 1] == 0xF2 else at  # bnd jmp
            start = start - 4 if code[max(0, start - 4):start] in _ENDBR else start
            for address in range(seg.address + start, seg.address + at + 1):
                exe.stubs.setdefault(address, name)
            found = True
        at = code.find(b"\xff\x25", at + 1)
    return found
