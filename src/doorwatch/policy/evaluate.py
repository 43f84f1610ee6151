"""Judge an attributed inventory against a policy for one clearance level."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from doorwatch.errors import PolicyError
from doorwatch.model import Component, Evidence, Feature, Finding, Severity
from doorwatch.policy.schema import PARAMETER, FeatureRule, LoadedPolicy, OriginRule, PolicyException, Rule

# A "warn" finding is never louder than this.
WARN_SEVERITY = Severity.LOW
VIOLATING_STATES = {"present", "on"}


@dataclass
class Judgement:
    findings: list[Finding]
    clearance: str
    parameters: dict[str, list[str]]


def resolve_parameters(loaded: LoadedPolicy, given: dict[str, list[str]]) -> dict[str, list[str]]:
    """Parameter values from the command line, else the policy's defaults; a missing required one is an error."""
    policy = loaded.policy
    unknown = sorted(set(given) - set(policy.parameters))
    if unknown:
        raise PolicyError(f"policy {policy.name} takes no parameter {', '.join(unknown)}")
    values = {}
    for name, parameter in policy.parameters.items():
        value = [item.upper() for item in given.get(name) or parameter.default]
        if parameter.required and not value:
            flag = "--" + name.replace("_", "-")
            raise PolicyError(f"policy {policy.name} needs {flag} (e.g. {flag} CN): {parameter.description}")
        values[name] = value
    return values


def resolve_clearance(loaded: LoadedPolicy, clearance: str | None) -> str:
    policy = loaded.policy
    chosen = clearance or policy.default_clearance or policy.levels[-1]
    if chosen not in policy.levels:
        raise PolicyError(f"clearance '{chosen}' is not a level of policy {policy.name}: {', '.join(policy.levels)}")
    return chosen


def evaluate(
    loaded: LoadedPolicy,
    components: list[Component],
    features: list[Feature],
    clearance: str | None = None,
    parameters: dict[str, list[str]] | None = None,
    today: date | None = None,
) -> Judgement:
    """Findings for every component and feature the policy forbids at this clearance."""
    policy = loaded.policy
    level = resolve_clearance(loaded, clearance)
    values = resolve_parameters(loaded, parameters or {})
    rank = policy.levels.index(level)
    by_ref = {component.ref: component for component in components}
    findings: list[Finding] = []
    for rule in policy.rules:
        if rule.min_clearance is not None and rank < policy.levels.index(rule.min_clearance):
            continue
        if rule.origins:
            origin_rule = _substitute(rule.origins, values)
            findings.extend(_origin_findings(rule, origin_rule, components))
        if rule.features:
            findings.extend(_feature_findings(rule, rule.features, features, by_ref))
    findings = _apply_exceptions(findings, by_ref, policy.exceptions, today or date.today())
    findings.sort(key=lambda finding: (-Severity(finding.severity).rank, finding.id, finding.component or ""))
    return Judgement(findings=findings, clearance=level, parameters=values)


def _substitute(rule: OriginRule, values: dict[str, list[str]]) -> OriginRule:
    """Replace `$name` entries of country lists with the parameter's values."""

    def expand(entries: list[str] | None) -> list[str] | None:
        if entries is None:
            return None
        out: list[str] = []
        for entry in entries:
            match = PARAMETER.match(entry)
            out.extend(values[match.group(1)] if match else [entry])
        return out

    return rule.model_copy(update={"allow_countries": expand(rule.allow_countries), "deny_countries": expand(rule.deny_countries)})


def _warn_or(severity: Severity | str, mode: str) -> Severity:
    severity = Severity(severity)
    if mode == "deny":
        return severity
    return severity if severity.rank < WARN_SEVERITY.rank else WARN_SEVERITY


def _origin_evidence(component: Component) -> list[Evidence]:
    evidence = [Evidence(kind="vendor", value=component.vendor or "unknown", detail=f"country {component.country or 'unknown'}")]
    if component.parent or component.parent_country:
        evidence.append(Evidence(kind="parent", value=component.parent or "unknown", detail=f"country {component.parent_country or 'unknown'}"))
    for key, value in component.ids.items():
        evidence.append(Evidence(kind=f"id:{key}", value=value))
    source = component.attribution.source
    confidence = component.attribution.confidence
    if source or confidence:
        evidence.append(Evidence(kind="attribution", value=str(confidence or "unknown"), detail=source))
    return evidence


def _origin_findings(rule: Rule, origins: OriginRule, components: Iterable[Component]) -> Iterable[Finding]:
    for component in components:
        if component.category not in origins.categories:
            continue
        if origins.kinds is not None and component.kind not in origins.kinds:
            continue
        verdict = _origin_verdict(origins, component)
        if verdict is None:
            continue
        finding_id, severity, why = verdict
        label = component.vendor or "unknown maker"
        yield Finding(
            id=finding_id,
            severity=severity,
            title=f"{component.name} ({label}): {why} [{rule.name}]",
            evidence=_origin_evidence(component),
            component=component.ref,
        )


def _origin_verdict(origins: OriginRule, component: Component) -> tuple[str, Severity, str] | None:
    """None when allowed; else (finding id, severity, reason)."""
    names = [name for name in (component.vendor, component.parent) if name]
    for pattern in origins.deny_vendors:
        for name in names:
            if fnmatch.fnmatch(name.lower(), pattern.lower()):
                return "origin-not-allowed", Severity(origins.severity), f"maker {name} is denied"
    if component.origin == "community" and component.country is None:
        if origins.community == "deny":
            return "origin-not-allowed", Severity(origins.severity), "community software is not allowed"
        return None
    countries = _countries_to_check(origins, component)
    if not countries:
        if origins.unknown == "allow":
            return None
        return "origin-unknown", _warn_or(origins.severity, origins.unknown), "origin unknown"
    for country in countries:
        if country in origins.deny_countries:
            return "origin-not-allowed", Severity(origins.severity), f"made in {country}, which is denied"
        if origins.allow_countries is not None and country not in origins.allow_countries:
            allowed = ", ".join(origins.allow_countries) or "none"
            return "origin-not-allowed", Severity(origins.severity), f"made in {country}; allowed: {allowed}"
    return None


def _countries_to_check(origins: OriginRule, component: Component) -> list[str]:
    """The known countries the rule looks at; [] means the origin is unknown for this rule."""
    if origins.check == "country":
        chosen = [component.country]
    elif origins.check == "parent":
        chosen = [component.parent_country or component.country]
    else:
        chosen = [component.country, component.parent_country]
    return [country for country in chosen if country]


def _feature_findings(rule: Rule, features_rule: FeatureRule, features: Iterable[Feature], by_ref: dict[str, Component]) -> Iterable[Finding]:
    for feature in features:
        if feature.id not in features_rule.deny:
            continue
        if feature.state in VIOLATING_STATES:
            severity, why = Severity(features_rule.severity), f"{feature.id} is {feature.state}"
        elif feature.state == "unknown" and features_rule.unknown != "allow":
            severity, why = _warn_or(features_rule.severity, features_rule.unknown), f"{feature.id} could not be verified"
        else:
            continue
        component = by_ref.get(feature.component or "")
        where = f" ({component.name})" if component else ""
        yield Finding(
            id="feature-not-allowed",
            severity=severity,
            title=f"{why}{where} [{rule.name}]",
            evidence=list(feature.evidence) or [Evidence(kind="feature", value=feature.id, detail=feature.state)],
            component=feature.component,
        )


def _matches(exception: PolicyException, component: Component) -> bool:
    for key, pattern in exception.match.items():
        if key.startswith("ids."):
            value = component.ids.get(key[4:])
        else:
            value = getattr(component, key)
        if value is None or not fnmatch.fnmatch(str(value).lower(), pattern.lower()):
            return False
    return True


def _apply_exceptions(findings: list[Finding], by_ref: dict[str, Component], exceptions: list[PolicyException], today: date) -> list[Finding]:
    """An exception in force turns a finding into `info` with its approver; an expired one is shown, not applied."""
    result = []
    for finding in findings:
        component = by_ref.get(finding.component or "")
        waiver = next(
            (exc for exc in exceptions if component and _matches(exc, component) and (exc.findings is None or finding.id in exc.findings)),
            None,
        )
        if waiver is None:
            result.append(finding)
            continue
        note = Evidence(kind="exception", value=waiver.approver, detail=f"{waiver.reason}; expires {waiver.expires.isoformat()}")
        if waiver.expires >= today:
            result.append(finding.model_copy(update={"severity": Severity.INFO, "title": f"excepted: {finding.title}", "evidence": [*finding.evidence, note]}))
        else:
            expired = note.model_copy(update={"detail": f"{waiver.reason}; EXPIRED {waiver.expires.isoformat()}, not applied"})
            result.append(finding.model_copy(update={"evidence": [*finding.evidence, expired]}))
    return result
