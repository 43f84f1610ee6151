"""The structural backdoor analysis: network input -> comparison with a constant -> branch -> privileged action.

A trigger is recognised by its shape, not by a list of known secrets: a function that receives
network input (or a function it calls, two levels deep) compares something with a static
constant, and only the matching side of that comparison reaches a privileged action (a shell,
a command, a credential dump, a connection). What separates a trigger from a command
dispatcher is how odd the constant is and how many sibling comparisons surround it: one
high-entropy string gating `system()` is a trigger; twenty short verbs leading to handlers are
a parser. Authentication code gets two more checks: a literal accepted as a password next to a
real password check (hard-coded credential), and a length-bounded comparison whose length
comes from the input itself (authentication bypass).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from doorwatch.model import Evidence, Finding, Severity
from doorwatch.scan.binary import Executable
from doorwatch.scan.flow import Block, Call, CodeMap, Function

MAX_INPUT_FUNCTIONS = 48
MAX_CREDENTIAL_FUNCTIONS = 24
MAX_READER_CALLERS = 3
MAX_FUNCTIONS = 260  # disassembled per file by this analysis, callees included
REACH_BLOCKS = 10
DISPATCHER_SIBLINGS = 4
NETWORK_IMPORTS = {"socket", "accept", "accept4", "recv", "recvfrom", "recvmsg", "listen", "connect", "WSAStartup"}
ACTION_RANK = {"command": 3, "exec": 3, "privilege": 3, "disclose": 2, "redirect": 2, "network": 1}


@dataclass(frozen=True)
class Action:
    kind: str  # command (runs a command built at run time), exec, privilege, disclose, redirect, network
    what: str
    address: int
    argument: object = field(default=None, compare=False, hash=False)  # what a command runs
    hops: int = field(default=0, compare=False, hash=False)  # calls between the gate and the action, helpers called once not counted


@dataclass
class Comparison:
    """Something compared with a constant: a literal passed to strcmp and kin, or an immediate."""

    block: Block
    address: int
    text: str  # the constant as shown to the user
    kind: str  # "string", "bytes" or "integer"
    oddness: float
    comparator: str
    raw: str | None = None  # the text of an inlined string comparison
    offset: tuple | None = None  # (base, displacement) of the compared bytes (inlined comparisons)
    subject: object = None  # the value compared with the constant


@dataclass
class Gate:
    """Comparisons with constants whose matching side alone reaches privileged actions."""

    comparisons: list[Comparison]
    branch: int | None
    function: int
    level: int  # 0: the function that reads the input; 1, 2: functions it calls
    input_call: tuple[str, int]
    actions: list[Action]
    siblings: int = 0  # other constants compared in the same function
    outlier: bool = False  # odd among plain words

    @property
    def oddness(self) -> float:
        """Several constants that must all match are odder than any one of them."""
        plain = 1.0
        for comparison in self.comparisons:
            plain *= 1.0 - comparison.oddness
        return 1.0 - plain


# -- how odd a constant is ----------------------------------------------------------------


def string_oddness(text: str, common: set[str]) -> float:
    """0 for protocol words, formats and sentences; towards 1 for long mixed-class, high-entropy secrets."""
    stripped = text.strip()
    if len(stripped) < 3 and stripped and not any(ch.isalnum() for ch in stripped):
        return 0.35  # a symbol token like ":)" is no protocol word
    if len(stripped) < 3 or stripped.lower() in common or "%" in stripped:
        return 0.05
    if len(stripped.split()) > 2:
        return 0.1
    if re.fullmatch(r"[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)+:?\s*|[A-Z][A-Za-z]*:\s*", stripped):  # header names: Content-Type:
        return 0.1
    if re.fullmatch(r"[A-Z][a-z]+", stripped):  # a capitalised word: its capital is grammar, not secrecy
        stripped = stripped.lower()
    classes = sum(bool(re.search(pattern, stripped)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    counts = Counter(stripped)
    entropy = -sum(n / len(stripped) * math.log2(n / len(stripped)) for n in counts.values())
    score = 0.2
    score += 0.15 if len(stripped) >= 6 else 0
    score += 0.15 if len(stripped) >= 10 else 0
    score += 0.25 if classes >= 2 else 0
    score += 0.15 if classes >= 3 else 0
    score += 0.1 if entropy >= 3.0 else 0
    if stripped.startswith(("/", ".", "-")) or stripped.endswith(("/", "=", ":")) or "://" in stripped:
        score -= 0.3  # paths, options, keys and URLs are parsed, not secret
    return max(0.0, min(1.0, score))


def ascii_of(value: int, little_endian: bool) -> str | None:
    """The text an integer compare tests when the compiler inlined a string comparison."""
    size = max(1, (value.bit_length() + 7) // 8)
    raw = value.to_bytes(size, "little" if little_endian else "big").rstrip(b"\0")
    if len(raw) >= 2 and all(32 < b < 127 for b in raw):
        return raw.decode("ascii")
    return None


def integer_oddness(value: int) -> float:
    """Small counters, masks, powers of two and round numbers are ordinary; anything else is odd."""
    value &= 0xFFFFFFFFFFFFFFFF
    if 0x100 <= value < 0x1000 and value & (value - 1) and value % 100:
        return 0.15  # a message type or opcode: odd only where it gates a shell
    if value < 0x1000 or value >= 0xFFFFFFFFFFFF0000 or 0xFFFF0000 <= value <= 0xFFFFFFFF:
        return 0.0
    if value & (value - 1) == 0 or (value + 1) & value == 0 or value % 1000 == 0 or value % 0x1000 == 0:
        return 0.0
    nibbles = len(set(f"{value:x}"))
    if value <= 0xFFFF:
        return 0.45 if nibbles >= 3 else 0.2
    return 0.75 if nibbles >= 4 else 0.35


# -- the analysis --------------------------------------------------------------------------


class TriggerAnalysis:
    """Finds magic-value triggers, hard-coded credentials and authentication bypasses in one executable."""

    def __init__(self, exe: Executable, codemap: CodeMap, vocabulary: dict) -> None:
        self.exe, self.codemap, self.vocab = exe, codemap, vocabulary
        self.common = {word.lower() for word in vocabulary["common_tokens"]}
        self.compare_args = {name: tuple(args) for name, args in vocabulary["string_compare"].items()}
        self.exec_calls = set(vocabulary["exec_calls"])
        self.shell_words = tuple(vocabulary["shell_words"])
        self._summaries: dict[tuple[int, int], frozenset[Action]] = {}
        self._budget = MAX_FUNCTIONS

    # -- function access under a budget --

    def _function(self, start: int) -> Function | None:
        if start not in self.codemap._functions:
            if self._budget <= 0:
                return None
            self._budget -= 1
        return self.codemap.function(start)

    def name_of(self, start: int) -> str:
        return self.exe.symbols.get(start) or f"sub_{start:x}"

    # -- inputs --

    def _input_names(self) -> set[str]:
        names = set(self.vocab["network_input"]) & self.exe.imports
        if self.exe.imports & NETWORK_IMPORTS:
            names |= set(self.vocab["stream_input"]) & self.exe.imports
        if "getenv" in self.exe.imports:
            names.add("getenv")
        return names

    def _input_call(self, fn: Function, names: set[str]) -> tuple[str, int] | None:
        cgi = set(self.vocab["cgi_variables"])
        for call in fn.calls:
            if call.callee not in names:
                continue
            if call.callee == "getenv":
                variable = self.exe.string_at(call.args[0]) if call.args else None
                if variable not in cgi:
                    continue
                return (f'getenv("{variable}")', call.address)
            return (call.callee, call.address)
        return None

    # -- actions --

    def _literal_args(self, call: Call) -> list[str]:
        return [text for text in (self.exe.string_at(arg) for arg in call.args) if text]

    def classify(self, call: Call, depth: int) -> set[Action]:
        """The privileged actions a call performs, itself or through local functions (to `depth`)."""
        name, literals = call.callee, self._literal_args(call)
        label = name or (self.name_of(call.target) if call.target is not None else "indirect call")
        shown = f'{label}("{literals[0][:80]}")' if literals else f"{label}()"
        if name in self.exec_calls and not literals:
            return {Action("command", f"{label}(<command built at run time>)", call.address, call.args[0] if call.args else None)}
        if name in self.exec_calls or any(word in text for text in literals for word in self.shell_words):
            return {Action("exec", shown, call.address)}
        if name in self.vocab["privilege_calls"]:
            return {Action("privilege", shown, call.address)}
        if name in self.vocab["open_calls"] and any(p in text for text in literals for p in self.vocab["secret_paths"]):
            return {Action("disclose", shown, call.address)}
        if name in self.vocab["redirect_calls"]:
            return {Action("redirect", shown, call.address)}
        if name in ("connect", "listen"):
            return {Action("network", shown, call.address)}
        if name is None and call.target is not None and depth > 0:
            hops = self._hop(call.target)
            helper = self._function(call.target) if hops == 0 else None
            if helper is not None:  # the caller's own code: read its calls with their arguments, as if inlined
                inner = {action for inner_call in helper.calls for action in self.classify(inner_call, depth - 1)}
            else:  # from the byte scan: no arguments, so never as close as code read in full
                inner, hops = self._summary(call.target, depth - 1), 1
            return {Action(a.kind, f"{label} -> {a.what}", call.address, a.argument, hops=a.hops + hops) for a in inner}
        return set()

    def _summary(self, start: int, depth: int) -> frozenset[Action]:
        """Actions a local function performs itself or through its callees, from the byte scan's call graph."""
        key = (start, depth)
        if key not in self._summaries:
            self._summaries[key] = frozenset()  # recursion guard
            actions: set[Action] = set()
            for target in self.codemap.callees(start):
                if isinstance(target, str):
                    kind = self._action_kind(target)
                    if kind:
                        actions.add(Action(kind, f"{target}()", start))
                elif depth > 0 and target != start:
                    hops = self._hop(target)
                    actions |= {Action(a.kind, f"{self.name_of(target)} -> {a.what}", start, hops=a.hops + hops)
                                for a in self._summary(target, depth - 1)}
            self._summaries[key] = frozenset(actions)
        return self._summaries[key]

    def _hop(self, target: int) -> int:
        """A call into a helper with a single caller costs no distance: it is the caller's own code,
        which an optimising compiler inlines (so -O0 and -O2 builds of one program are rated alike)."""
        return 0 if len(self.codemap.callers(target)) <= 1 else 1

    def _action_kind(self, name: str) -> str | None:
        if name in self.exec_calls:
            return "exec"
        if name in self.vocab["privilege_calls"]:
            return "privilege"
        if name in self.vocab["redirect_calls"]:
            return "redirect"
        return None

    def _reach(self, fn: Function, start: int | None, gate_block: int) -> set[Action]:
        actions: set[Action] = set()
        if start is None:
            return actions
        queue, seen = [start], {gate_block}
        while queue and len(seen) <= REACH_BLOCKS:
            address = queue.pop(0)
            if address in seen or address not in fn.blocks:
                continue
            seen.add(address)
            block = fn.blocks[address]
            for call in block.calls:
                actions |= self.classify(call, 2)
            if not block.returns:
                queue.extend(block.successors)
        return actions

    def _gated(self, fn: Function, block: Block) -> tuple[int, list[Action]] | None:
        """The side of a conditional branch that alone reaches privileged actions, and those actions."""
        taken = self._reach(fn, block.branch_target, block.start)
        fall = self._reach(fn, block.fallthrough, block.start)
        only_taken = {(a.kind, a.what) for a in taken} - {(a.kind, a.what) for a in fall}
        only_fall = {(a.kind, a.what) for a in fall} - {(a.kind, a.what) for a in taken}
        sides = [(block.branch_target, [a for a in taken if (a.kind, a.what) in only_taken]),
                 (block.fallthrough, [a for a in fall if (a.kind, a.what) in only_fall])]
        sides = [(side, acts) for side, acts in sides if acts]
        if not sides:
            return None
        return max(sides, key=lambda item: max(ACTION_RANK[a.kind] for a in item[1]))

    # -- comparisons --

    def _gate_block(self, fn: Function, block: Block, after: int) -> Block | None:
        """The block whose conditional branch decides on a comparison made at `after`."""
        for _ in range(3):
            if block.branch is not None and block.branch >= after:
                return block
            if len(block.successors) != 1 or block.successors[0] not in fn.blocks:
                return None
            block = fn.blocks[block.successors[0]]
        return None

    def _data_constant(self, value: object, length: object) -> tuple[str, str, float] | None:
        """A literal a comparison reads: (shown text, kind, oddness) for a string or a byte array."""
        text = self.exe.string_at(value)
        if isinstance(length, int) and text is not None and len(text) < length:
            text = None  # binary data with a NUL inside: shown as bytes
        if text is not None and text.strip():
            if isinstance(length, int) and 0 < length < len(text):
                text = text[:length]
            return f'"{text}"', "string", string_oddness(text, self.common)
        if isinstance(value, int) and isinstance(length, int) and 2 <= length <= 64 and not self.exe.in_code(value):
            raw = self.exe.read(value, length)
            if raw is not None and len(set(raw)) > 1:
                return raw.hex(), "bytes", min(1.0, 0.3 + len(set(raw)) / max(8, length))
        return None

    def _comparisons(self, fn: Function) -> list[Comparison]:
        """Every comparison of something unknown (input) with a constant, in the function."""
        little = not self.exe.arch.big_endian
        found = []
        for block in fn.blocks.values():
            for call in block.calls:
                indexes = self.compare_args.get(call.callee or "")
                if not indexes:
                    continue
                length = call.args[2] if len(call.args) > 2 and call.callee in self.vocab["length_compare"] else None
                length = length if isinstance(length, int) and 0 < length <= 4096 else None
                constants = [self._data_constant(call.args[i] if i < len(call.args) else None, length) for i in indexes]
                literal = [c for c in constants if c is not None]
                if len(literal) == 1:
                    shown, kind, oddness = literal[0]
                    subject = next((call.args[i] for i, c in zip(indexes, constants) if c is None and i < len(call.args)), None)
                    found.append(Comparison(block, call.address, shown, kind, oddness, call.callee, subject=subject))
            for address, left, right in block.compares:
                if isinstance(left, tuple) and left[0] == "xorcmp" and right == 0:
                    for const, place in left[1]:
                        found.extend(self._constant_comparisons(block, address, const, place, little))
                    continue
                found.extend(self._constant_comparisons(block, address, left, right, little))
        return found

    def _helper_verdicts(self, fn: Function) -> list[Comparison]:
        """`if (check(buf)) act()`: the comparisons with constants of a local helper, placed at the
        test of its result when that test gates an action (unoptimised code keeps a password or
        magic check in a function of its own). Helpers are read only behind such a test."""
        found = []
        for block in fn.blocks.values():
            for address, left, right in block.compares:
                value = left if right == 0 else right if left == 0 else None
                if not (isinstance(value, tuple) and value[0] == "ret" and str(value[1]).startswith("0x")):
                    continue
                gate_block = self._gate_block(fn, block, address)
                if gate_block is None or not self._gated(fn, gate_block):
                    continue
                helper = self._function(int(value[1], 16))
                inner = [c for c in self._comparisons(helper) if c.kind != "piece"] if helper else []
                if inner:
                    oddest = max(inner, key=lambda c: c.oddness)  # one verdict: its constants are one trigger
                    found.append(replace(oddest, block=block, address=address, text=", ".join(c.text for c in inner),
                                         comparator=f"{self.name_of(helper.start)}: {oddest.comparator}"))
        return found

    def _constant_comparisons(self, block: Block, address: int, left, right, little: bool) -> list[Comparison]:
        """A comparison instruction of something unknown with an immediate: a string piece or an integer."""
        for const, other in ((right, left), (left, right)):
            if not isinstance(const, int) or isinstance(other, int) or (isinstance(other, tuple) and other[0] == "slot"):
                continue
            const &= 0xFFFFFFFFFFFFFFFF
            text = ascii_of(const, little)
            oddness = integer_oddness(const)
            place = other[1] if isinstance(other, tuple) and other[0] == "deref" else None
            offset = None
            if isinstance(place, tuple) and place[0] == "sp":
                offset = ("sp", place[1])
            elif isinstance(place, tuple) and place[0] == "at":
                offset = (place[1], place[2])
            last = _last_character(const, little) if offset is not None else None
            if text is None and last is not None:  # the last byte of a literal, with its NUL
                return [Comparison(block, address, f'"{last}"', "piece", 0.0, "inline compare", last, offset)]
            if text is not None:
                return [Comparison(block, address, f'"{text}" ({const:#x})', "string",
                                   max(string_oddness(text, self.common), oddness), "inline compare", text, offset, other)]
            if oddness > 0:
                return [Comparison(block, address, f"{const:#x}", "integer", oddness, "cmp", subject=other)]
            return []
        return []

    def _gates(self, fn: Function, level: int, input_call: tuple[str, int]) -> list[Gate]:
        comparisons = self._comparisons(fn) + self._helper_verdicts(fn)
        gates = []
        ungated: list[tuple[Comparison, Block]] = []
        by_block: dict[int, Gate] = {}
        for comparison in comparisons:
            if comparison.kind == "piece":
                continue
            block, address = comparison.block, comparison.address
            gate_block = self._gate_block(fn, block, address)
            actions: list[Action] = []
            branch = None
            if gate_block is not None:
                gated = self._gated(fn, gate_block)
                if gated:
                    actions, branch = gated[1], gate_block.branch
            conditional = [c for c in block.calls if c.conditional and c.address > address]
            if not actions and conditional:  # ARM: `bleq system` right after the comparison
                for c in conditional:
                    actions.extend(self.classify(c, 2))
                branch = conditional[0].address
            if actions:
                gate = Gate([comparison], branch, fn.start, level, input_call,
                            sorted(actions, key=lambda a: (-ACTION_RANK[a.kind], a.address)))
                gates.append(gate)
                if gate_block is not None:
                    by_block.setdefault(gate_block.start, gate)
            elif gate_block is not None:
                ungated.append((comparison, gate_block))
        for comparison, block in ungated:
            # both outcomes flow, without a call, into a gate: the result was kept as a flag that
            # the gate tests (`ok = a == X; ok &= b == Y; if (ok)`), so this constant is part of the trigger
            targets = [self._converges(fn, side, by_block) for side in (block.branch_target, block.fallthrough)]
            if targets[0] is not None and targets[0] == targets[1]:
                by_block[targets[0]].comparisons.append(comparison)
        return self._merge(gates, comparisons)

    @staticmethod
    def _converges(fn: Function, start: int | None, gate_blocks: dict[int, Gate]) -> int | None:
        """The gate block a short call-free path from `start` leads to, if any."""
        queue, seen = [start], set()
        while queue and len(seen) < 6:
            address = queue.pop(0)
            if address in gate_blocks:
                return address
            if address in seen or address not in fn.blocks:
                continue
            seen.add(address)
            block = fn.blocks[address]
            if block.calls or block.returns:
                continue
            queue.extend(block.successors)
        return None

    @staticmethod
    def _merge(gates: list[Gate], comparisons: list[Comparison]) -> list[Gate]:
        """Comparisons that gate the same action together are one trigger (a && b, or a string compared in pieces)."""
        merged: dict[tuple[int, str], Gate] = {}
        for gate in gates:
            key = (gate.actions[0].address, gate.actions[0].what)
            if key in merged:
                known = {c.address for c in merged[key].comparisons}
                merged[key].comparisons.extend(c for c in gate.comparisons if c.address not in known)
            else:
                merged[key] = gate
        pieces = [c for c in comparisons if c.kind == "piece"]
        for gate in merged.values():
            gate.comparisons.sort(key=lambda c: c.address)
            bases = {c.offset[0] for c in gate.comparisons if c.offset}
            joined = _join_pieces(gate.comparisons + [p for p in pieces if p.offset[0] in bases])
            if joined is not None:
                gate.comparisons.insert(0, joined)
            members = {c.text for c in gate.comparisons}
            others = {c.text: c.oddness for c in comparisons if c.text not in members and c.kind != "piece"}
            gate.siblings = len(others)
            gate.outlier = bool(others) and max(others.values()) < 0.3 <= gate.oddness
        return list(merged.values())

    # -- the walk --

    def run(self) -> list[Finding]:
        if not self.exe.imports & (set(self.compare_args) | self.exec_calls | NETWORK_IMPORTS) and not self._can_act():
            return []  # nothing compares, acts or talks to the network: no trigger or credential to find
        return self._run()

    def _run(self) -> list[Finding]:
        names = self._input_names() if self._can_act() else set()
        gates: list[Gate] = []
        visited: set[int] = set()
        inputs = self._input_functions(names)
        findings: list[Finding] = []
        for start in inputs:
            fn = self._function(start)
            if fn is None:
                continue
            source = self._input_call(fn, names)
            if source is None:
                continue
            self._walk(fn, 0, source, visited, gates, findings)
            for caller in self._local_callers(start)[:MAX_READER_CALLERS]:
                # a function that calls a reader (recv_frame(fd, &frame)) works on network input too
                caller_fn = self._function(caller)
                if caller_fn is not None:
                    call_site = next((c.address for c in caller_fn.calls if c.target == start), caller)
                    self._walk(caller_fn, 1, (f"{source[0]} in {self.name_of(start)}", call_site), visited, gates, findings)
        for start in self._credential_candidates(visited):
            fn = self._function(start)
            if fn is not None:
                findings.extend(self._authentication(fn, None))
        findings.extend(self._trigger_findings(gates))
        return _deduplicate(findings)

    def _local_callers(self, start: int) -> list[int]:
        return sorted(self.codemap.callers(start))

    def _can_act(self) -> bool:
        """Whether the program can do anything a trigger could gate: without it there is no trigger to find."""
        actions = self.exec_calls | set(self.vocab["redirect_calls"]) | set(self.vocab["privilege_calls"])
        return bool(self.exe.imports & actions) or any(word.encode() in self.exe.data for word in self.shell_words)

    def _input_functions(self, names: set[str]) -> list[int]:
        """Functions reading network input, those using receive calls first."""
        by_function = self.codemap.callers_of(names)
        network = set(self.vocab["network_input"]) | {"getenv"}
        ranked = sorted(by_function, key=lambda start: (not any(name in network for _, name in by_function[start]), start))
        return ranked[:MAX_INPUT_FUNCTIONS]

    def _credential_candidates(self, done: set[int]) -> list[int]:
        """Functions that compare strings and also read a secret or call a password routine."""
        readers = set(self.vocab["auth_calls"]) | {"fgets", "getpass", "getline", "read", "fscanf", "sscanf", "getenv"}
        comparing = set(self.codemap.callers_of(set(self.compare_args)))
        reading = set(self.codemap.callers_of(readers))
        delegating = {start for start in comparing - reading
                      if any(isinstance(t, int) and self._verifies(t) for t in self.codemap.callees(start))}
        first = sorted(((comparing & reading) | delegating) - done)
        return (first + self._fed_comparers(comparing, set(first) | done))[:MAX_CREDENTIAL_FUNCTIONS]

    def _fed_comparers(self, comparing: set[int], skip: set[int]) -> list[int]:
        """Functions that compare strings, called (up to two calls down) by a function receiving
        network input: the helper that checks what was received (unoptimised builds keep it apart)."""
        receivers = set(self.codemap.callers_of(set(self.vocab["network_input"]) & self.exe.imports))
        level, fed = receivers, set()
        for _ in range(2):
            level = {t for start in level for t in self.codemap.callees(start) if isinstance(t, int)} - fed
            fed |= level
        return sorted((fed & comparing) - skip)

    def _walk(self, fn: Function, level: int, source: tuple[str, int], visited: set[int], gates: list[Gate],
              findings: list[Finding]) -> None:
        if fn.start in visited:
            return
        visited.add(fn.start)
        gates.extend(self._gates(fn, level, source))
        findings.extend(self._authentication(fn, source))
        if level >= 2:
            return
        callees = []
        for call in _calls_after(fn, source[1]):
            if call.target is not None and call.target not in callees:
                callees.append(call.target)
        for target in callees[:12 if level == 0 else 6]:
            callee = self._function(target)
            if callee is not None:
                self._walk(callee, level + 1, source, visited, gates, findings)

    # -- findings --

    def _trigger_findings(self, gates: list[Gate]) -> list[Finding]:
        findings = []
        for gate in gates:
            severity = self._severity(gate)
            action = gate.actions[0]
            shown = " and ".join(c.text for c in gate.comparisons)
            title = f"Network input compared with {shown} gates {action.what}"
            evidence = [
                Evidence(kind="constant", value=c.text, address=f"{c.address:#x}",
                         detail=f"{c.kind} compared by {c.comparator}; oddness {c.oddness:.2f}")
                for c in gate.comparisons[:6]
            ]
            evidence += [
                Evidence(kind="input", value=gate.input_call[0], address=f"{gate.input_call[1]:#x}",
                         detail="network input" + ("" if gate.level == 0 else f", {gate.level} call level(s) above the comparison")),
                Evidence(kind="branch", value=f"{gate.branch:#x}" if gate.branch is not None else "conditional call",
                         address=f"{gate.branch:#x}" if gate.branch is not None else None,
                         detail=f"only the matching side reaches the action; {gate.siblings} other constant(s) compared in the function"),
                *[Evidence(kind="action", value=a.what, address=f"{a.address:#x}", detail=a.kind) for a in gate.actions[:3]],
                Evidence(kind="function", value=self.name_of(gate.function), address=f"{gate.function:#x}"),
            ]
            findings.append(Finding(id="magic-value-trigger", severity=severity, title=title, evidence=evidence))
        return findings

    @staticmethod
    def _severity(gate: Gate) -> Severity:
        """Intent decides: an odd constant alone in front of a shell is a trigger; a verb among many is a parser."""
        ladder = [Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]
        near = {a.kind for a in gate.actions if a.hops <= 1}  # in the function or one call away (helpers called once are free)
        top = 3 if near & {"exec", "command", "privilege"} else 2 if near else 1  # far-away actions: at most medium
        oddness = gate.oddness
        if gate.siblings >= DISPATCHER_SIBLINGS:
            step = 2 if gate.outlier else 0
        elif oddness >= 0.55:
            step = top
        elif max(c.oddness for c in gate.comparisons) > 0.1:  # a plain word: high only right in front of a shell, or of running the input
            direct = {a.kind for a in gate.actions if a.hops == 0}
            step = 2 if direct & {"exec"} else 1
        else:
            step = 1 if gate.siblings <= 1 else 0
        if gate.level >= 2 and oddness < 0.55:
            step = max(0, step - 1)
        runs_input = any(a.kind == "command" and a.hops <= 1 and
                         any(_same_buffer(a.argument, c.subject) for c in gate.comparisons) for a in gate.actions)
        if runs_input:  # the compared input itself is run: remote command execution behind a constant
            step = max(step, 2)
        return ladder[step]

    def _authentication(self, fn: Function, source: tuple[str, int] | None) -> list[Finding]:
        """Hard-coded credentials and length-bypass comparisons in a function that checks a secret.

        A hard-coded credential is a literal accepted for a value that is also checked the normal
        way: compared with a stored (non-literal) value, or handed to a password routine, in a
        function that speaks of passwords or calls one.
        """
        speaks_auth = self._speaks_auth(fn) or (
            any(c.callee in self.compare_args for c in fn.calls) and self._caller_speaks_auth(fn))
        findings = []
        if speaks_auth and self._checks_normally(fn):
            findings.extend(self._inline_credentials(fn, source))
        for call in fn.calls:
            if call.callee not in self.compare_args:
                continue
            findings.extend(self._constant_credential(fn, call, speaks_auth, source))
            if speaks_auth and call.callee in self.vocab["length_compare"] and len(call.args) > 2:
                length = call.args[2]
                if self._length_from_received(fn, call, length):
                    findings.append(Finding(
                        id="auth-bypass", severity=Severity.HIGH,
                        title=f"Secret compared by {call.callee} over a length taken from the client's value: an empty answer matches",
                        evidence=[
                            Evidence(kind="call", value=f"{call.callee}(expected, received, {length[1]}(received))",
                                     address=f"{call.address:#x}", detail="the compared length comes from the attacker's string"),
                            *self._source_evidence(source),
                            Evidence(kind="function", value=self.name_of(fn.start), address=f"{fn.start:#x}"),
                        ]))
        return findings

    def _speaks_auth(self, fn: Function) -> bool:
        """The function calls a password routine or uses a literal that speaks of passwords."""
        words = tuple(self.vocab["auth_words"])
        return any(c.callee in self.vocab["auth_calls"] for c in fn.calls) or any(
            any(w in text.lower() for w in words) for text in fn.strings.values())

    def _caller_speaks_auth(self, fn: Function) -> bool:
        """A helper checking what its caller took from an `Authorization:` header (kept apart at -O0)."""
        callers = sorted(self.codemap.callers(fn.start))[:MAX_READER_CALLERS]
        return any(caller is not None and self._speaks_auth(caller) for caller in map(self._function, callers))

    def _verifies(self, start: int) -> bool:
        """A local function that checks a secret the normal way: reads a file or a hash, or calls a password routine."""
        checking = set(self.vocab["auth_calls"]) | set(self.vocab["open_calls"]) | {"fgets", "getline"}
        return bool(self.codemap.callees(start) & checking)

    @staticmethod
    def _length_from_received(fn: Function, call: Call, length) -> bool:
        """strncmp(expected, received, strlen(received)): both are buffers of this function, the expected
        one filled by an earlier call (the computed secret), the length measured on the other."""
        if not (isinstance(length, tuple) and length[0] == "ret" and length[1] in ("strlen", "strnlen") and len(length) > 2):
            return False
        measured = length[2]
        compared = call.args[:2]
        if measured not in compared or not isinstance(measured, tuple) or measured[0] != "sp":
            return False
        expected = compared[1] if compared[0] == measured else compared[0]
        if not isinstance(expected, tuple) or expected[0] not in ("sp", "deref"):
            return False
        return any(expected in c.args for c in fn.calls if c.address < call.address and c.callee not in ("strlen", "strnlen"))

    def _constant_credential(self, fn: Function, call: Call, speaks_auth: bool, source) -> list[Finding]:
        indexes = self.compare_args[call.callee]
        values = [call.args[i] if i < len(call.args) else None for i in indexes]
        texts = [self.exe.string_at(v) for v in values]
        if sum(t is not None for t in texts) != 1:
            return []
        secret = next(t for t in texts if t is not None)
        checked = next(v for v, t in zip(values, texts) if t is None)
        words = tuple(self.vocab["auth_words"])
        if not _looks_like_password(secret, self.common, words):
            return []
        if not isinstance(checked, tuple) or checked[0] not in ("sp", "param"):
            return []  # only a value the function holds (a buffer, an argument) can be traced to a second check
        other_checks = [
            c for c in fn.calls
            if c is not call and checked in c.args and (
                (c.callee in self.compare_args and not self._literal_args(c))
                or c.callee in self.vocab["auth_calls"]
                or (c.callee is None and c.target is not None and (speaks_auth or self._verifies(c.target))))
        ]
        if not other_checks:
            return []
        normal = other_checks[0]
        label = normal.callee or self.name_of(normal.target)
        return [Finding(
            id="hardcoded-credential", severity=Severity.HIGH,
            title=f'A value checked by {label} is also accepted when it equals the constant "{secret}"',
            evidence=[
                Evidence(kind="constant", value=f'"{secret}"', address=f"{call.address:#x}", detail=f"compared by {call.callee}"),
                Evidence(kind="call", value=f"{label}()", address=f"{normal.address:#x}", detail="the normal check of the same value"),
                *self._source_evidence(source),
                Evidence(kind="function", value=self.name_of(fn.start), address=f"{fn.start:#x}"),
            ])]

    def _checks_normally(self, fn: Function) -> bool:
        """The function also checks a secret against stored data: a password routine or a non-literal compare."""
        return any(c.callee in self.vocab["auth_calls"] for c in fn.calls) or any(
            c.callee in self.compare_args and not self._literal_args(c) for c in fn.calls)

    def _inline_credentials(self, fn: Function, source) -> list[Finding]:
        """Literals the compiler compared in pieces of immediates, joined back along the chain of blocks."""
        inline = sorted((c for c in self._comparisons(fn) if c.raw is not None), key=lambda c: c.address)
        chains = [[joined] for joined in _contiguous_literals(inline)]
        words = tuple(self.vocab["auth_words"])
        findings = []
        for chain in chains:
            secret = "".join(c.raw for c in chain)
            if not _looks_like_password(secret, self.common, words):
                continue
            findings.append(Finding(
                id="hardcoded-credential", severity=Severity.HIGH,
                title=f'Authentication code accepts the constant "{secret}"',
                evidence=[
                    Evidence(kind="constant", value=f'"{secret}"', address=f"{chain[0].address:#x}",
                             detail="compared in immediates: " + ", ".join(c.text for c in chain)),
                    *self._source_evidence(source),
                    Evidence(kind="function", value=self.name_of(fn.start), address=f"{fn.start:#x}",
                             detail="also checks the secret against stored data"),
                ]))
        return findings

    @staticmethod
    def _source_evidence(source) -> list[Evidence]:
        if source is None:
            return []
        return [Evidence(kind="input", value=source[0], address=f"{source[1]:#x}")]


def _calls_after(fn: Function, address: int) -> list[Call]:
    """The calls that can run after the input call at `address`: those of the blocks reachable from
    it (a loop reads at its bottom at -O0), or all of them when the input came from a caller."""
    home = next((b for b in fn.blocks.values() if b.start <= address < b.end), None)
    if home is None:
        return fn.calls
    queue, reached = list(home.successors), set()
    while queue:
        start = queue.pop()
        if start in reached or start not in fn.blocks:
            continue
        reached.add(start)
        queue.extend(fn.blocks[start].successors)
    later = [c for c in home.calls if c.address >= address or home.start in reached]  # reached again: a loop
    later += [c for start in reached - {home.start} for c in fn.blocks[start].calls]
    return sorted(later, key=lambda c: c.address)


def _join_pieces(comparisons: list[Comparison]) -> Comparison | None:
    """The whole literal behind a string comparison the compiler split into (overlapping) immediates."""
    pieces = [c for c in comparisons if c.raw is not None and c.offset is not None]
    bases = {c.offset[0] for c in pieces}
    if len(pieces) < 2 or len(bases) != 1:
        return None
    start = min(c.offset[1] for c in pieces)
    chars: dict[int, str] = {}
    for piece in pieces:
        for index, char in enumerate(piece.raw):
            chars.setdefault(piece.offset[1] - start + index, char)
    if sorted(chars) != list(range(len(chars))):
        return None
    text = "".join(chars[i] for i in range(len(chars)))
    first = pieces[0]
    return Comparison(first.block, first.address, f'"{text}"', "string", max(c.oddness for c in pieces),
                      "inline compare, joined from " + ", ".join(c.text for c in pieces), text, None)


def _last_character(value: int, little: bool) -> str | None:
    """A single printable character compared as a byte or as a half-word with its terminating NUL."""
    for size in (1, 2):
        if value < 1 << (8 * size):
            raw = value.to_bytes(size, "little" if little else "big").rstrip(b"\0")
            if len(raw) == 1 and 0x20 < raw[0] < 0x7F:
                return chr(raw[0])
    return None


def _buffer_of(value: object) -> object:
    """The buffer a value points into: a stack slot, a field of an argument or of a returned object."""
    while isinstance(value, tuple) and value[0] in ("deref", "at", "ret"):
        value = value[1] if value[0] != "ret" or len(value) < 3 else value[2]
    return value


def _same_buffer(argument: object, subject: object) -> bool:
    """Whether a command runs (part of) the very buffer that was compared with the constant."""
    a, b = _buffer_of(argument), _buffer_of(subject)
    if not isinstance(a, tuple) or not isinstance(b, tuple):
        return False
    if a[0] == b[0] == "sp":
        return 0 <= a[1] - b[1] < 4096 or 0 <= b[1] - a[1] < 4096
    return a == b


def _looks_like_password(text: str, common: set[str], auth_words: tuple[str, ...]) -> bool:
    """A secret someone would type: odd, no spaces, options, paths or formats, and mixed letter
    classes (case or digits); plain words and option names are keywords, not passwords."""
    if len(text) < 5 or string_oddness(text, common) < 0.45 or text.lower() in common:
        return False
    if any(ch in text for ch in " /*=%\\") or text.startswith("-") or any(w in text.lower() for w in auth_words):
        return False
    classes = sum(bool(re.search(p, text)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return classes >= 2


def _contiguous_literals(inline: list[Comparison]) -> list[Comparison]:
    """Inlined comparisons of adjacent bytes of one buffer, each run joined into its literal."""
    placed = sorted((c for c in inline if c.offset is not None), key=lambda c: (repr(c.offset[0]), c.offset[1]))
    runs: list[list[Comparison]] = []
    for piece in placed:
        last = runs[-1][-1] if runs else None
        if last is not None and last.offset[0] == piece.offset[0] and piece.offset[1] <= last.offset[1] + len(last.raw):
            runs[-1].append(piece)
        else:
            runs.append([piece])
    literals = []
    for run in runs:
        joined = _join_pieces(run) if len(run) > 1 else None
        if joined is not None:
            literals.append(joined)
        elif run[0].kind != "piece":
            literals.append(run[0])
    literals.extend(c for c in inline if c.offset is None and c.kind != "piece")
    return literals


def _deduplicate(findings: list[Finding]) -> list[Finding]:
    best: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.id, finding.evidence[0].value if finding.evidence else finding.title)
        current = best.get(key)
        if current is None or Severity(finding.severity).rank > Severity(current.severity).rank:
            best[key] = finding
    return sorted(best.values(), key=lambda f: -Severity(f.severity).rank)
