"""The audit pipeline: collect -> attribute -> judge -> one AuditReport."""

from __future__ import annotations

import hashlib
import platform
import socket
import time
import uuid
from collections import Counter
from pathlib import Path

from doorwatch.collect import collect_all
from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.os_release import os_release
from doorwatch.model import Attribution, AuditReport, Component, Inventory, MachineInfo, PolicyRef, Severity
from doorwatch.policy.evaluate import evaluate
from doorwatch.policy.schema import LoadedPolicy


def machine_info(machine: MachineRoot) -> MachineInfo:
    """Host name, a hashed machine id, OS and kernel, read through the root."""
    machine_id = machine.read_value("/etc/machine-id", "system")
    release = os_release(machine)
    return MachineInfo(
        hostname=machine.read_value("/etc/hostname", "system") or (socket.gethostname() if machine.live else None),
        # The raw machine-id is a secret-ish stable identifier; a hash still joins audits of one machine.
        machine_id=hashlib.sha256(machine_id.encode()).hexdigest()[:32] if machine_id else None,
        os=release.get("PRETTY_NAME") or release.get("NAME"),
        kernel=machine.read_value("/proc/sys/kernel/osrelease", "system"),
        arch=platform.machine() if machine.live else None,
        root=str(machine.root),
        source="live" if machine.live else "root",
    )


def inventory(root: Path | str = "/") -> tuple[Inventory, dict[str, float]]:
    """Inventory a live machine or a recorded tree, with origins attributed. Returns timings per stage."""
    machine = MachineRoot(root)
    started = time.perf_counter()
    info = machine_info(machine)
    components, features, timings = collect_all(machine)
    inv = Inventory(machine=info, components=components, features=features, notes=machine.notes)
    timings["collect"] = time.perf_counter() - started
    return attribute(inv, timings), timings


def inventory_from_imports(paths: list[Path]) -> Inventory:
    """One inventory from saved outputs of other tools (lspci, lsusb, dmidecode, CycloneDX, osquery)."""
    from doorwatch.collect.imports import import_file

    inv = Inventory(machine=MachineInfo(source="import", root=""))
    seen: set[str] = set()
    for path in paths:
        imported = import_file(Path(path))
        if inv.machine.hostname is None and imported.machine.hostname:
            inv.machine = imported.machine
        for component in imported.components:
            if component.ref not in seen:
                seen.add(component.ref)
                inv.components.append(component)
        inv.features.extend(imported.features)
        inv.notes.extend(imported.notes)
    inv.machine.root = ", ".join(str(p) for p in paths)
    return inv


def attribute(inv: Inventory, timings: dict[str, float] | None = None) -> Inventory:
    """Fill maker, country and parent of every component from the knowledge base."""
    from doorwatch.kb import KnowledgeBase

    started = time.perf_counter()
    kb = KnowledgeBase.load()
    inv.components = inherit_origins([kb.attribute(component) for component in inv.components])
    if timings is not None:
        timings["attribute"] = time.perf_counter() - started
    return inv


# Properties that name the component a record stands for: a disk presented by its controller,
# a service shipped by its package. The maker of the one is the maker of the other.
ORIGIN_LINKS = {"controller": ("{}",), "package": ("deb:{}", "rpm:{}")}
ORIGIN_FIELDS = ("vendor", "country", "parent", "parent_country", "origin")


def inherit_origins(components: list[Component]) -> list[Component]:
    """Give a component the knowledge base could not place the origin of the component it stands for."""
    by_ref = {component.ref: component for component in components}
    result = []
    for component in components:
        source = None if component.vendor or component.origin else _origin_source(component, by_ref)
        if source is not None:
            update = {field: getattr(source, field) for field in ORIGIN_FIELDS}
            via = f"from {source.ref}: {source.attribution.source or 'attributed'}"
            update["attribution"] = Attribution(source=via, confidence=source.attribution.confidence)
            component = component.model_copy(update=update)
        result.append(component)
    return result


def _origin_source(component: Component, by_ref: dict[str, Component]) -> Component | None:
    for key, patterns in ORIGIN_LINKS.items():
        value = component.properties.get(key)
        if not isinstance(value, str):
            continue
        for pattern in patterns:
            linked = by_ref.get(pattern.format(value))
            if linked is not None and linked is not component and (linked.vendor or linked.origin):
                return linked
    return None


def judge(
    inv: Inventory,
    loaded: LoadedPolicy,
    clearance: str | None,
    parameters: dict[str, list[str]],
    fail_on: Severity = Severity.HIGH,
) -> AuditReport:
    """Apply the policy to an attributed inventory; the verdict fails at `fail_on` or above."""
    judgement = evaluate(loaded, inv.components, inv.features, clearance, parameters)
    findings = judgement.findings
    return AuditReport(
        **inv.model_dump(exclude={"tool"}),
        audit_id=str(uuid.uuid4()),
        policy=PolicyRef(name=loaded.policy.name, clearance=judgement.clearance, parameters=judgement.parameters, sha256=loaded.sha256),
        verdict="fail" if any(Severity(f.severity).at_least(Severity(fail_on)) for f in findings) else "pass",
        findings=findings,
        summary=summarise(inv, findings),
    )


def summarise(inv: Inventory, findings) -> dict:
    """Counts a reader wants first: components by kind and country, findings by severity."""
    return {
        "components": len(inv.components),
        "by_kind": dict(Counter(c.kind for c in inv.components).most_common()),
        "by_country": dict(Counter(c.country or ("community" if c.origin == "community" else "unknown") for c in inv.components).most_common()),
        "findings_by_severity": {sev.value: sum(1 for f in findings if f.severity == sev.value) for sev in Severity},
        "notes": len(inv.notes),
    }
