"""Checks of an extracted root filesystem: default passwords, shells without login,
telnet switched on, private keys, authorized SSH keys and extra UID-0 accounts.

The tree is data: scripts are read, never run.  Which files start services and which
lines open a way in are rules in `data/rootfs-rules.yaml`; the passwords tried against
every hash are `data/default-passwords.txt`.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import mmap
import os
import re
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from doorwatch.model import Evidence, Finding, Severity

with warnings.catch_warnings():
    # The standard library's only interface to the system's crypt(3), which computes
    # every scheme firmware uses ($1$, $5$, $6$, DES, bcrypt, yescrypt).
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

SCRIPT_MAX_BYTES = 1 << 20
KEY_SCAN_MAX_BYTES = 256 << 20
# Slow schemes (bcrypt, yescrypt) get this long per hash; the list is ordered by prevalence.
SECONDS_PER_HASH = 5.0

_ROOTFS_DIRS = ("etc", "bin", "sbin", "lib", "usr", "var", "dev", "proc")
_PASSWORD_FILES = {"passwd", "passwd-", "shadow", "shadow-", "master.passwd"}
_SHEBANG = re.compile(rb"^#!\s*\S*/(?:env\s+)?(?:busybox\s+)?(?:ba|a|da|z|k|mk|h)?sh\b")
_HASH_SCHEMES = {"1": "md5-crypt", "2a": "bcrypt", "2b": "bcrypt", "2y": "bcrypt",
                 "5": "sha256-crypt", "6": "sha512-crypt", "y": "yescrypt"}
_DES_HASH = re.compile(r"^[./0-9A-Za-z]{13}$")
_PRIVATE_KEY = re.compile(
    rb"-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\r?\n"
    rb"((?:[A-Za-z-]+: [^\r\n]*\r?\n)*)\r?\n?([A-Za-z0-9+/=\r\n]{64,}?)-----END \1-----")
_AUTHORIZED_KEY = re.compile(
    r"(?:^|\s)((?:ssh|ecdsa-sha2|sk-ssh|sk-ecdsa)-[\w@.-]+)\s+([A-Za-z0-9+/]+=*)(?:\s+(.*))?$")


def looks_like_rootfs(tree: Path) -> bool:
    """True if the tree is laid out like a Unix root: /etc plus two of bin, sbin, lib, usr..."""
    if not (tree / "etc").is_dir():
        return False
    present = sum((tree / name).is_dir() for name in _ROOTFS_DIRS)
    return present >= 3 or (tree / "etc" / "passwd").is_file() or (tree / "etc" / "inittab").is_file()


def check_rootfs(tree: Path) -> list[tuple[str, Finding]]:
    """Every finding of the root filesystem at `tree`, each with its path inside the tree."""
    rules = _rules()
    files = list(_regular_files(tree))
    findings: list[tuple[str, Finding]] = []
    findings += _account_findings(files)
    findings += _service_findings(files, rules)
    findings += _private_key_findings(files)
    findings += _authorized_key_findings(files)
    return findings


def _regular_files(tree: Path) -> Iterator[tuple[str, Path]]:
    """(path inside the tree, file) for each regular file; links are never followed."""
    for root, _directories, names in os.walk(tree):
        for name in names:
            file = Path(root, name)
            if file.is_file() and not file.is_symlink():
                yield "/" + file.relative_to(tree).as_posix(), file


def _finding(id_: str, severity: str, title: str, *evidence: Evidence) -> Finding:
    return Finding(id=id_, severity=Severity(severity), title=title, evidence=list(evidence))


# ---------------------------------------------------------------------------
# Accounts


@dataclass(frozen=True)
class _Account:
    user: str
    hash: str
    uid: int | None
    inner: str


def _accounts(inner: str, file: Path) -> Iterator[_Account]:
    """Entries of a passwd- or shadow-format file; a line that is neither is skipped."""
    try:
        text = file.read_text("utf-8", "replace")
    except OSError:
        return
    has_uid = "shadow" not in file.name  # passwd and master.passwd: name:hash:uid:...
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) < 3 or line.startswith(("#", "+", "-")) or not fields[0]:
            continue
        uid = int(fields[2]) if has_uid and fields[2].isdigit() else None
        yield _Account(fields[0], fields[1], uid, inner)


def _password_files(files: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    return [(inner, file) for inner, file in files if file.name in _PASSWORD_FILES]


def _account_findings(files: list[tuple[str, Path]]) -> list[tuple[str, Finding]]:
    accounts = [account for inner, file in _password_files(files)
                for account in _accounts(inner, file)]
    privileged = {a.user for a in accounts if a.uid == 0} | {"root"}
    findings = []
    for account in accounts:
        if account.uid == 0 and account.user != "root":
            findings.append((account.inner, _finding(
                "extra-uid0-account", "high", f"account '{account.user}' has UID 0 besides root",
                Evidence(kind="account", value=account.user, path=account.inner, detail="uid 0"))))
        found = _weak_password(account.hash)
        if found is None:
            continue
        password, scheme = found
        severity = "high" if password or account.user in privileged else "medium"
        shown = f"password '{password}'" if password else "empty password"
        findings.append((account.inner, _finding(
            "weak-password-hash", severity, f"account '{account.user}' has {shown}",
            Evidence(kind="account", value=account.user, path=account.inner),
            Evidence(kind="password", value=password, detail=shown),
            Evidence(kind="hash-algorithm", value=scheme))))
    return findings


def _weak_password(hash_: str) -> tuple[str, str] | None:
    """(password, scheme) if the hash is empty or of a default password, else None."""
    if hash_ == "":
        return "", "none"
    scheme = _scheme(hash_)
    return None if scheme is None else _crack(hash_, scheme)


def _scheme(hash_: str) -> str | None:
    if hash_.startswith("$"):
        return _HASH_SCHEMES.get(hash_.split("$")[1])
    return "des-crypt" if _DES_HASH.match(hash_) else None  # locked: '!', '*', 'x'


@cache
def _crack(hash_: str, scheme: str) -> tuple[str, str] | None:
    deadline = time.monotonic() + SECONDS_PER_HASH
    for password in _default_passwords():
        if crypt.crypt(password, hash_) == hash_:
            return password, scheme
        if time.monotonic() > deadline:
            break
    return None


@cache
def _default_passwords() -> tuple[str, ...]:
    text = resources.files("doorwatch.scan").joinpath("data/default-passwords.txt").read_text()
    lines = (line.rstrip("\n") for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


# ---------------------------------------------------------------------------
# Services: telnet, shells without login


@dataclass(frozen=True)
class _Rule:
    id: str
    severity: str
    title: str
    kinds: frozenset[str]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class _Rules:
    files: dict[str, list[str]]
    rules: list[_Rule]
    magic_condition: re.Pattern[str]


@cache
def _rules() -> _Rules:
    text = resources.files("doorwatch.scan").joinpath("data/rootfs-rules.yaml").read_text()
    data = yaml.safe_load(text)
    shell = data["shell"]
    rules = [_Rule(rule["id"], rule["severity"], rule["title"], frozenset(rule["in"]),
                   re.compile(rule["pattern"].replace("{shell}", shell), re.IGNORECASE))
             for rule in data["rules"]]
    return _Rules(data["files"], rules, re.compile(data["magic_condition"]))


def _file_kinds(inner: str, file: Path, rules: _Rules) -> set[str]:
    """Which kinds of service file this is: init, inittab, inetd, ..., and script."""
    kinds = {kind for kind, globs in rules.files.items()
             if any(fnmatch.fnmatchcase(inner, glob) for glob in globs)}
    try:
        with open(file, "rb") as handle:
            if _SHEBANG.match(handle.read(128)):
                kinds.add("script")
    except OSError:
        pass
    return kinds


def _service_findings(files: list[tuple[str, Path]], rules: _Rules) -> list[tuple[str, Finding]]:
    findings = []
    for inner, file in files:
        kinds = _file_kinds(inner, file, rules)
        if not kinds or file.stat().st_size > SCRIPT_MAX_BYTES:
            continue
        lines = file.read_text("utf-8", "replace").splitlines()
        for number, line in enumerate(lines, 1):
            code = line.strip()
            if not code or code.startswith("#"):
                continue
            rule = next((rule for rule in rules.rules
                         if rule.kinds & kinds and rule.pattern.search(code)), None)
            if rule is not None:
                findings.append((inner, _service_finding(rule, inner, lines, number, rules)))
    return findings


def _service_finding(rule: _Rule, inner: str, lines: list[str], number: int,
                     rules: _Rules) -> Finding:
    evidence = [Evidence(kind="line", value=lines[number - 1].strip(), path=inner,
                         address=f"line {number}")]
    severity, title = rule.severity, rule.title
    condition = _enclosing_condition(lines, number)
    if rule.id == "telnet-enable" and condition and rules.magic_condition.search(condition):
        severity, title = "high", "telnet daemon started on a magic condition"
        evidence.append(Evidence(kind="condition", value=condition.strip(), path=inner))
    return _finding(rule.id, severity, title, *evidence)


_IF = re.compile(r"^\s*(?:if|elif)\b")
_FI = re.compile(r"^\s*fi\b|;\s*fi\b")


def _enclosing_condition(lines: list[str], number: int) -> str | None:
    """The condition of the innermost shell `if` around a line, or None."""
    depth = 0
    for line in reversed(lines[: number - 1]):
        if _FI.search(line):
            depth += 1
        elif _IF.match(line):
            if depth == 0:
                return line
            if line.lstrip().startswith("if"):
                depth -= 1
    return None


# ---------------------------------------------------------------------------
# Keys


def _private_key_findings(files: list[tuple[str, Path]]) -> list[tuple[str, Finding]]:
    findings = []
    for inner, file in files:
        size = file.stat().st_size
        if not 0 < size <= KEY_SCAN_MAX_BYTES:
            continue
        with open(file, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data.find(b"PRIVATE KEY-----") < 0:
                continue
            for match in _PRIVATE_KEY.finditer(data):
                finding = _private_key_finding(inner, match)
                if finding is not None:
                    findings.append((inner, finding))
    return findings


def _private_key_finding(inner: str, match: re.Match[bytes]) -> Finding | None:
    """A finding for a PEM block whose body decodes: a real key, not a format string."""
    label = match.group(1).decode()
    try:
        body = base64.b64decode(re.sub(rb"\s", b"", match.group(3)), validate=True)
    except binascii.Error:
        return None
    encrypted = label.startswith("ENCRYPTED") or b"ENCRYPTED" in match.group(2) or (
        label.startswith("OPENSSH") and b"bcrypt" in body[:64])
    severity = "medium" if encrypted else "high"
    detail = "encrypted with a passphrase" if encrypted else "not encrypted"
    return _finding("private-key", severity, f"{label.lower()} shipped in the image",
                    Evidence(kind="file", value=inner, path=inner, address=f"offset {match.start()}",
                             detail=f"{label}, {len(body)} bytes, {detail}"))


def _authorized_key_findings(files: list[tuple[str, Path]]) -> list[tuple[str, Finding]]:
    findings = []
    for inner, file in files:
        if file.name not in ("authorized_keys", "authorized_keys2"):
            continue
        privileged = inner.startswith(("/root/", "/etc/dropbear/")) or "/.ssh/" not in inner
        for line in file.read_text("utf-8", "replace").splitlines():
            match = _AUTHORIZED_KEY.search(line.strip())
            if match is None or line.lstrip().startswith("#"):
                continue
            key_type, blob, comment = match.groups()
            try:
                digest = hashlib.sha256(base64.b64decode(blob, validate=True)).digest()
            except binascii.Error:
                continue
            fingerprint = "SHA256:" + base64.b64encode(digest).decode().rstrip("=")
            findings.append((inner, _finding(
                "authorized-key", "high" if privileged else "medium",
                "SSH key authorized to log in, shipped in the image",
                Evidence(kind="ssh-key", value=fingerprint, path=inner,
                         detail=f"{key_type} {comment or ''}".strip()))))
    return findings
