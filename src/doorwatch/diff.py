"""What changed between two audits: components added or removed, origins or versions changed,
features switched on or off, findings new or gone."""

from __future__ import annotations

from pydantic import Field

from doorwatch.model import AuditReport, Component, Record

WATCHED_FIELDS = ("name", "vendor", "country", "parent_country")


class ComponentChange(Record):
    ref: str
    kind: str
    name: str
    changes: dict[str, list] = Field(default_factory=dict)


class FeatureChange(Record):
    id: str
    component: str | None
    before: str | None
    after: str | None


class AuditDiff(Record):
    before: str
    after: str
    added: list[Component] = Field(default_factory=list)
    removed: list[Component] = Field(default_factory=list)
    changed: list[ComponentChange] = Field(default_factory=list)
    features: list[FeatureChange] = Field(default_factory=list)
    new_findings: list[str] = Field(default_factory=list)
    resolved_findings: list[str] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.features or self.new_findings or self.resolved_findings)


def _component_changes(old: Component, new: Component) -> dict[str, list]:
    changes = {field: [getattr(old, field), getattr(new, field)] for field in WATCHED_FIELDS if getattr(old, field) != getattr(new, field)}
    old_version, new_version = old.properties.get("version"), new.properties.get("version")
    if old_version != new_version:
        changes["version"] = [old_version, new_version]
    return changes


def diff_audits(before: AuditReport, after: AuditReport) -> AuditDiff:
    old = {c.ref: c for c in before.components}
    new = {c.ref: c for c in after.components}
    result = AuditDiff(before=before.audit_id, after=after.audit_id)
    result.added = [new[ref] for ref in new if ref not in old]
    result.removed = [old[ref] for ref in old if ref not in new]
    for ref in old.keys() & new.keys():
        changes = _component_changes(old[ref], new[ref])
        if changes:
            result.changed.append(ComponentChange(ref=ref, kind=new[ref].kind, name=new[ref].name, changes=changes))
    result.changed.sort(key=lambda change: change.ref)
    old_features = {(f.id, f.component): f.state for f in before.features}
    new_features = {(f.id, f.component): f.state for f in after.features}
    for key in sorted(old_features.keys() | new_features.keys(), key=lambda k: (k[0], k[1] or "")):
        if old_features.get(key) != new_features.get(key):
            result.features.append(FeatureChange(id=key[0], component=key[1], before=old_features.get(key), after=new_features.get(key)))
    old_findings = {f"{f.severity} {f.id}: {f.title}" for f in before.findings}
    new_findings = {f"{f.severity} {f.id}: {f.title}" for f in after.findings}
    result.new_findings = sorted(new_findings - old_findings)
    result.resolved_findings = sorted(old_findings - new_findings)
    return result
