"""One file in, one `ScanTarget` out: executables, scripts, firmware images and archives."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from doorwatch.model import Capability, Evidence, Finding, ScanTarget, Severity
from doorwatch.scan.binary import NotExecutable, load_executable
from doorwatch.scan.capabilities import (Facts, find_constants, gather_code_facts, match_capabilities, recover_call_args,
                                         wanted_constants)
from doorwatch.scan.flow import CodeMap
from doorwatch.scan.rules import RuleSet
from doorwatch.scan.triggers import TriggerAnalysis

try:  # firmware extraction and root-filesystem checks live in their own modules
    from doorwatch.scan.extract import ExtractError, Limits, detect_container, unpack_recursive
except ImportError:  # pragma: no cover - only while those modules are not installed
    detect_container = None
try:
    from doorwatch.scan.rootfs import check_rootfs, looks_like_rootfs
except ImportError:  # pragma: no cover
    check_rootfs = None

SCRIPT_LIMIT = 4 << 20
MAX_CHILDREN = 20_000


@dataclass
class Outcome:
    """A target and what the engine needs beyond it: the shared libraries it links."""

    target: ScanTarget
    needed: list[str] = field(default_factory=list)
    inheritable: list[Capability] = field(default_factory=list)  # what a program linking this file gains


def file_type(head: bytes, path: Path) -> str:
    if head.startswith(b"\x7fELF"):
        return "elf"
    if head.startswith(b"MZ"):
        return "pe"
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return "macho"
    if head.startswith(b"#!"):
        return "script"
    if detect_container is not None and detect_container(path):
        return "container"
    return "other"


def analyse_file(path: Path, display: str, rules: RuleSet, depth: int = 0, deep: bool = True) -> Outcome:
    """Analyse one file; malformed input becomes `errors` on the target, never an exception.

    `deep=False` finds capabilities only (no trigger analysis): enough for a library a program links.
    """
    data = path.read_bytes()
    target = ScanTarget(path=display, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    kind = file_type(data[:8], path)
    if kind in ("elf", "pe"):
        return _executable(path, data, target, rules, deep)
    if kind == "script":
        target.type = "script"
        if len(data) <= SCRIPT_LIMIT:
            facts = Facts(patterns=_scan_patterns(rules, data, target))
            target.capabilities = match_capabilities(facts, rules, None)
        return Outcome(target)
    if kind == "container":
        if depth == 0:
            _container(path, target, rules)
        else:  # already unpacked by the image's single recursive extraction; its files are siblings
            target.type = _container_type(detect_container(path))
        return Outcome(target)
    target.type = "macho" if kind == "macho" else "other"
    _scan_patterns(rules, data, target)  # documented backdoors hide in any file
    return Outcome(target)


def _scan_patterns(rules: RuleSet, data: bytes, target: ScanTarget) -> dict[str, int]:
    """One YARA-X pass: capability strings (returned) and documented backdoors (added as findings)."""
    patterns: dict[str, int] = {}
    for rule in rules.yara.scan(data).matching_rules:
        if rule.identifier == "doorwatch_capability_strings":
            for pattern in rule.patterns:
                if pattern.matches:
                    patterns[pattern.identifier] = pattern.matches[0].offset
            continue
        meta = dict(rule.metadata)
        evidence = [Evidence(kind="signature", value=rule.identifier, detail=str(meta.get("source", "")) or None)]
        evidence += [Evidence(kind="constant", value=value, detail="documented magic value")
                     for value in str(meta.get("constants", "")).split()]
        for pattern in rule.patterns:
            if pattern.matches:
                match = pattern.matches[0]
                shown = data[match.offset:match.offset + min(match.length, 64)]
                evidence.append(Evidence(kind="string", value=shown.decode("latin-1").encode("unicode_escape").decode(),
                                         detail=f"file offset {match.offset:#x}"))
        target.findings.append(Finding(id="known-backdoor", severity=Severity(meta.get("severity", "high")),
                                       title=str(meta.get("title", rule.identifier)), evidence=evidence[:6]))
    return patterns


def _executable(path: Path, data: bytes, target: ScanTarget, rules: RuleSet, deep: bool) -> Outcome:
    target.type = "pe" if data[:2] == b"MZ" else "elf"
    try:
        exe = load_executable(path, data)
    except NotExecutable as err:
        target.errors.append(str(err))
        _scan_patterns(rules, data, target)
        return Outcome(target)
    target.arch = exe.arch.name if exe.arch else None
    if exe.truncated:
        target.errors.append(f"malformed or truncated: the headers point past the end of the file ({len(data)} bytes); only the bytes present were analysed")
    facts = Facts(imports=exe.imports, patterns=_scan_patterns(rules, data, target))
    if exe.arch is None:
        target.errors.append("instruction set not supported: capabilities from imports and strings only")
        target.capabilities = match_capabilities(facts, rules, None)
        return Outcome(target, exe.needed)
    facts.constants = find_constants(exe, wanted_constants(rules, exe))
    needs_arguments = bool(exe.imports & rules.call_functions)
    codemap = CodeMap(exe) if needs_arguments or deep else None  # the byte scan of calls only when something uses it
    if needs_arguments:
        facts.call_args = recover_call_args(exe, codemap, rules.call_functions)
    gather_code_facts(facts, rules, exe, codemap)
    target.capabilities = match_capabilities(facts, rules, exe)
    if deep:
        target.findings.extend(TriggerAnalysis(exe, codemap, rules.vocabulary).run())
    target.findings.sort(key=lambda f: -Severity(f.severity).rank)
    inheritable = match_capabilities(facts, rules, exe, inheritable_only=True)
    return Outcome(target, exe.needed, inheritable)


ARCHIVE_KINDS = ("tar", "zip", "cpio", "gzip", "xz", "lzma", "bzip2")
ROOTFS_SEARCH_DEPTH = 3  # a root filesystem may sit under a top folder of an archive ('rootfs/etc/...')


def _container_type(kind: str | None) -> str:
    return "archive" if kind in ARCHIVE_KINDS else "firmware"


def _container(path: Path, target: ScanTarget, rules: RuleSet) -> None:
    """Unpack a firmware image or archive safely (every nesting level at once, one budget) and analyse
    each file inside as a child at its path in the image."""
    target.type = _container_type(detect_container(path))
    target.children = []
    with tempfile.TemporaryDirectory(prefix="doorwatch-") as tmp:
        tree = Path(tmp)
        try:
            files = unpack_recursive(path, tree, Limits())
        except ExtractError as err:
            target.errors.append(str(err))
            return
        children: dict[str, ScanTarget] = {}
        for inner, file in files[:MAX_CHILDREN]:
            try:
                outcome = analyse_file(file, inner, rules, depth=1)
            except (OSError, MemoryError) as err:
                target.errors.append(f"{inner}: {err}")
                continue
            children[inner] = outcome.target
        if len(files) > MAX_CHILDREN:
            target.errors.append(f"only the first {MAX_CHILDREN} files of the image were analysed")
        if check_rootfs is not None:
            _attach_rootfs_findings(tree, files, children)
        target.children = [child for child in children.values() if child.type != "other" or child.findings]


def _attach_rootfs_findings(tree: Path, files: list[tuple[str, Path]], children: dict[str, ScanTarget]) -> None:
    """Each root-filesystem finding goes on the child it is about, at that file's path in the image."""
    inner_of = {str(file): inner for inner, file in files}
    for root in _rootfs_trees(tree):
        for relative, finding in check_rootfs(root):
            real = root / relative.lstrip("/")
            inner = inner_of.get(str(real), relative)
            if inner not in children:
                children[inner] = ScanTarget(path=inner, type="script" if real.is_file() and real.read_bytes()[:2] == b"#!" else "other")
            children[inner].findings.append(finding)


def _rootfs_trees(tree: Path) -> list[Path]:
    """Folders laid out like a Unix root: the image itself, a nested container's folder, or a top folder."""
    found, level = [], [tree]
    for _ in range(ROOTFS_SEARCH_DEPTH + 1):
        found += [folder for folder in level if looks_like_rootfs(folder)]
        level = [sub for folder in level if not looks_like_rootfs(folder)
                 for sub in sorted(folder.iterdir()) if sub.is_dir() and not sub.is_symlink()]
    return found
