"""`doorwatch scan` against the labelled corpus (tests/scan/corpus/labels.yaml).

Each program is compiled for x86-64, ARM, AArch64, MIPS and MIPSel (optimised; stripped on x86-64,
ARM and MIPS; unoptimised on x86-64) and the directory is scanned once with `doorwatch scan --format json`.
Documented and novel backdoors must be reported at high or critical severity with their trigger in
the evidence; benign look-alikes must not be reported at high or critical severity.
"""

from __future__ import annotations

import hashlib
import re

import pytest

from scan.corpuskit import BUILDS, CORPUS, LABELS, TOOLCHAINS, Build

SEVERE = {"high", "critical"}
BACKDOORS = [build for build in BUILDS if LABELS[build.program]["kind"] in ("documented", "novel")]
BENIGN = [build for build in BUILDS if LABELS[build.program]["kind"] == "benign"]

_NUMBER = re.compile(r"-?0x[0-9a-f]+|-?\b[0-9]+\b", re.IGNORECASE)


def _numbers(text: str) -> set[int]:
    """The integers written in `text`, hex (0x...) or decimal."""
    return {int(token, 0) if "x" in token.lower() else int(token) for token in _NUMBER.findall(text)}


def _integer_seen(value: int, width: int, text: str) -> bool:
    """`value` (or its byte-swapped form, or its two's-complement spelling) is written in `text`."""
    size = width // 8
    mask = (1 << width) - 1
    forms = {value, int.from_bytes(value.to_bytes(size, "big"), "little")}
    return any(number in forms or (number < 0 and number & mask in forms) for number in _numbers(text))


def _quoted(expected: str, text: str) -> bool:
    """`expected` standing alone or quoted in `text`: how a short string must show."""
    return text.strip() == expected or f'"{expected}"' in text or f"'{expected}'" in text


def _bytes_seen(data: bytes, texts: list[str]) -> bool:
    """`data` written as a hex run, as one integer of its width in either byte order, or as each of
    its 32-bit words (how 32-bit targets compare it) across `texts`."""
    for text in texts:
        if len(data) >= 4 and data.hex() in re.sub(r"0x|\\x|[\s:,\-]", "", text.lower()):
            return True
        if len(data) <= 8 and _integer_seen(int.from_bytes(data, "big"), len(data) * 8, text):
            return True
    return len(data) > 4 and len(data) % 4 == 0 and _words_seen(data, texts)


def _words_seen(data: bytes, texts: list[str]) -> bool:
    """Each 4-byte word of `data` shows across `texts`, as an integer (either byte order) or quoted text."""
    words = [data[i : i + 4] for i in range(0, len(data), 4)]
    return all(
        any(
            _integer_seen(int.from_bytes(word, "big"), 32, text)
            or (word.rstrip(b"\0").isascii() and _quoted(word.rstrip(b"\0").decode(), text))
            for text in texts
        )
        for word in words
    )


def _string_seen(expected: str, texts: list[str]) -> bool:
    """`expected` in one of `texts`; a short string must stand alone or quoted, or show as the
    immediates it compiles to (an inlined strcmp compares the terminating NUL too)."""
    if any((len(expected) >= 4 and expected in text) or _quoted(expected, text) for text in texts):
        return True
    data = expected.encode()
    return (len(data) <= 8 and _bytes_seen(data, texts)) or _bytes_seen(data + b"\0", texts) or (
        len(data) % 4 == 0 and _words_seen(data, texts)
    )


def _printable_forms(value: int, width: int) -> list[str]:
    """The integer's bytes as text, in both byte orders, when they are all printable."""
    raw = value.to_bytes(width // 8, "big")
    return [data.decode() for data in (raw, raw[::-1]) if all(0x20 < byte < 0x7F for byte in data)]


def trigger_seen(trigger: dict, texts: list[str]) -> bool:
    """Whether the evidence values `texts` show the labelled trigger constant."""
    if "any" in trigger:
        return any(trigger_seen(alternative, texts) for alternative in trigger["any"])
    if "string" in trigger:
        return _string_seen(str(trigger["string"]), texts)
    if "integer" in trigger:
        width = int(trigger["width"])
        values = [int(trigger["integer"]), *map(int, trigger.get("compiled_forms", []))]
        return any(_integer_seen(value, width, text) for value in values for text in texts) or any(
            (len(form) >= 4 and form in text) or _quoted(form, text)
            for form in _printable_forms(values[0], width) for text in texts
        )
    return _bytes_seen(bytes.fromhex(trigger["bytes"]), texts)


def _describe(trigger: dict) -> str:
    if "any" in trigger:
        return " or ".join(_describe(alternative) for alternative in trigger["any"])
    if "integer" in trigger:
        return f"integer {int(trigger['integer']):#x}"
    return f"{'string' if 'string' in trigger else 'bytes'} {trigger.get('string', trigger.get('bytes'))!r}"


def _summary(target: dict) -> str:
    """The target's findings and their evidence values, for a readable failure message."""
    lines = [
        f"  {finding['severity']:8} {finding['id']}: {[item.get('value') for item in finding.get('evidence', [])]}"
        for finding in target.get("findings", [])
    ]
    return "\n".join(lines) or "  (no findings)"


def _target(corpus_report: dict[str, dict], compiled_corpus, build: Build) -> dict:
    compiled_corpus.path(build)  # skips the build when its cross compiler is missing
    target = corpus_report.get(build.file_name)
    assert target is not None, f"`doorwatch scan` reported no target for {build.file_name}"
    return target


@pytest.mark.parametrize("build", BACKDOORS, ids=lambda build: build.id)
def test_backdoor_is_reported_with_its_trigger(build: Build, corpus_report, compiled_corpus):
    label = LABELS[build.program]
    target = _target(corpus_report, compiled_corpus, build)
    relevant = [f for f in target.get("findings", []) if f["severity"] in SEVERE and f["id"] in label["findings"]]
    assert relevant, (
        f"{build.file_name} ({label['mechanism']}): no {' / '.join(label['findings'])} finding at high or critical;"
        f" findings:\n{_summary(target)}"
    )
    values = [str(item.get("value", "")) for finding in relevant for item in finding.get("evidence", [])]
    missing = [_describe(trigger) for trigger in label["triggers"] if not trigger_seen(trigger, values)]
    assert not missing, (
        f"{build.file_name}: the high/critical findings do not show {', '.join(missing)} in their evidence;"
        f" findings:\n{_summary(target)}"
    )


@pytest.mark.parametrize("build", BENIGN, ids=lambda build: build.id)
def test_benign_program_is_not_reported_high(build: Build, corpus_report, compiled_corpus):
    target = _target(corpus_report, compiled_corpus, build)
    severe = [finding for finding in target.get("findings", []) if finding["severity"] in SEVERE]
    assert not severe, (
        f"{build.file_name} ({LABELS[build.program]['mechanism']}) is benign but got:\n{_summary(target)}"
    )


@pytest.mark.parametrize("build", BUILDS, ids=lambda build: build.id)
def test_target_identifies_the_build(build: Build, corpus_report, compiled_corpus):
    target = _target(corpus_report, compiled_corpus, build)
    path = compiled_corpus.path(build)
    assert target["type"] == "elf"
    assert target["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    accepted = TOOLCHAINS[build.arch].accepted_names
    assert str(target["arch"]).lower() in accepted, f"arch {target['arch']!r}, expected one of {sorted(accepted)}"


@pytest.mark.parametrize(
    "build", [build for build in BUILDS if LABELS[build.program]["capabilities"]], ids=lambda build: build.id
)
def test_capabilities_are_reported(build: Build, corpus_report, compiled_corpus):
    target = _target(corpus_report, compiled_corpus, build)
    reported = {capability["id"] for capability in target.get("capabilities", [])}
    missing = set(LABELS[build.program]["capabilities"]) - reported
    assert not missing, f"{build.file_name}: capabilities {sorted(missing)} not reported (got {sorted(reported)})"


def test_trigger_matching_rules():
    """The evidence matching accepts the spellings a compiler produces, and no others."""
    assert trigger_seen({"integer": 0x4FC1, "width": 16}, ["cmp r13w, 0xc14f"])
    assert trigger_seen({"integer": 0xC02BD6FF, "width": 32}, ["-1070868737"])
    assert not trigger_seen({"integer": 0xC02BD6FF, "width": 32}, ["0xc02bd6", "3224098558"])
    assert trigger_seen({"integer": 0x53634D4D, "width": 32}, ["MMcS"])
    assert trigger_seen({"integer": 0xCF065C5B, "width": 32, "compiled_forms": [0x27D61719]}, ["0x27d61719"])
    nonce = {"bytes": "0a005b5a840c0634"}
    assert trigger_seen(nonce, ["movabs r12, 0x34060c845a5b000a"])
    assert trigger_seen(nonce, ["0a 00 5b 5a 84 0c 06 34"])
    assert trigger_seen(nonce, ["0xa005b5a", "0x840c0634"])
    assert not trigger_seen(nonce, ["0xa005b5a"])
    assert trigger_seen({"string": "AB"}, ["cmpw $0x4241,(%rsp)"])
    assert trigger_seen({"string": "AB"}, ['memcmp(buf, "AB", 2)'])
    assert not trigger_seen({"string": "AB"}, ["TABLE", "0x4142a0"])
    assert trigger_seen({"string": "zerodium"}, ['strstr(value, "zerodium")'])
    assert not trigger_seen({"string": "zerodium"}, ["zerodiu"])
    assert trigger_seen({"any": [{"string": "abcd"}, {"string": "wxyz"}]}, ["wxyz"])
    assert trigger_seen({"string": "Gearguy"}, ['"Gear" (0x72616547)', '"guy" (0x797567)'])
    assert trigger_seen({"string": "Gearguy"}, ['"Gear" (0x47656172)', '"guy" (0x67757900)'])
    assert not trigger_seen({"string": "Gearguy"}, ['"Gear" (0x72616547)'])
    assert not trigger_seen({"string": "Cisco1234"}, ['"Cisco123"'])


def test_corpus_is_labelled_as_required():
    """At least 12 documented mechanisms, 3 novel triggers and 8 benign look-alikes, each with its source."""
    kinds = [label["kind"] for label in LABELS.values()]
    assert kinds.count("documented") >= 12 and kinds.count("novel") >= 3 and kinds.count("benign") >= 8
    for name, label in LABELS.items():
        assert (CORPUS / label["source"]).is_file(), name
        if label["kind"] != "benign":
            assert label["findings"] and label["triggers"], name
