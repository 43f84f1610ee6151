"""Policies: validation names the line of each error; evaluation finds what each shipped policy forbids."""

from datetime import date, timedelta

import pytest

from doorwatch.errors import PolicyError
from doorwatch.model import Attribution, Component, Feature
from doorwatch.policy.evaluate import evaluate
from doorwatch.policy.schema import load_policy, parse_policy, shipped_policies


def component(ref, vendor, country, parent_country=None, category="hardware", kind="pci", origin=None, parent=None, ids=None):
    return Component(
        ref=ref, kind=kind, category=category, name=f"{vendor} device", vendor=vendor, country=country, parent=parent,
        parent_country=parent_country, origin=origin, ids=ids or {}, attribution=Attribution(source="test", confidence="curated"),
    )


INTEL_NIC = component("pci:0000:00:1f.6", "Intel Corporation", "US", "US", ids={"pci": "8086:15bb"})
HYGON_CPU = component("cpu:0", "Hygon Information Technology", "CN", "CN", kind="cpu")
HISILICON = component("pci:0000:01:00.0", "HiSilicon", "CN", "CN", parent="Huawei Technologies")
MYSTERY = component("usb:1-3", None, None)
DEBIAN_PKG = component("deb:bash", None, None, category="software", kind="package", origin="community")
CHROME = component("deb:google-chrome-stable", "Google LLC", "US", "US", category="software", kind="package")


def test_every_shipped_policy_validates():
    names = shipped_policies()
    assert {"domestic-only", "covered-list", "sensors-off", "baseline", "allow-all"} <= set(names)
    for name in names:
        assert load_policy(name).policy.name == name


def test_errors_name_their_line():
    text = """name: broken
levels: [public, secret]
rules:
  - name: first
    origins:
      allow_countries: [CN]
      check: maker
  - name: second
    min_clearance: cosmic
    features:
      deny: [camera, telepathy]
"""
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "mine.yaml")
    message = str(caught.value)
    assert "mine.yaml:7: rules[0].origins.check" in message
    assert "mine.yaml:11: rules[1].features.deny" in message and "telepathy" in message


def test_unknown_key_and_bad_country_and_bad_yaml():
    with pytest.raises(PolicyError, match=r"p.yaml:5: rules\[0\].colour: unknown key"):
        parse_policy("name: x\nlevels: [a]\nrules:\n  - name: r\n    colour: red\n    features: {deny: [camera]}\n", "p.yaml")
    with pytest.raises(PolicyError, match="not an ISO 3166-1"):
        parse_policy("name: x\nlevels: [a]\nrules:\n  - name: r\n    origins: {allow_countries: [China]}\n", "p.yaml")
    with pytest.raises(PolicyError, match=r"p.yaml:3: not valid YAML"):
        parse_policy("name: x\nlevels: [a\nrules: []\n", "p.yaml")


def test_domestic_only_needs_and_uses_the_allowed_country():
    loaded = load_policy("domestic-only")
    with pytest.raises(PolicyError, match="--allow-origin"):
        evaluate(loaded, [INTEL_NIC], [], "secret", {})
    judged = evaluate(loaded, [INTEL_NIC, HYGON_CPU, MYSTERY, DEBIAN_PKG, CHROME], [], "secret", {"allow_origin": ["CN"]})
    by_component = {f.component: f for f in judged.findings}
    assert by_component["pci:0000:00:1f.6"].id == "origin-not-allowed"
    assert by_component["pci:0000:00:1f.6"].severity == "high"
    assert by_component["usb:1-3"].id == "origin-unknown"
    assert by_component["deb:google-chrome-stable"].id == "origin-not-allowed"
    assert "cpu:0" not in by_component and "deb:bash" not in by_component
    # below the rule's minimum clearance nothing is forbidden
    assert evaluate(loaded, [INTEL_NIC], [], "public", {"allow_origin": ["CN"]}).findings == []


def test_covered_list_denies_subsidiaries_by_parent():
    judged = evaluate(load_policy("covered-list"), [HISILICON, INTEL_NIC, MYSTERY], [], None, {})
    assert [(f.component, f.id) for f in judged.findings] == [("pci:0000:01:00.0", "origin-not-allowed")]


def test_sensors_off_forbids_present_and_on_features_only_at_top_secret():
    features = [
        Feature(id="camera", component="camera:video0", state="present"),
        Feature(id="bluetooth", component="bt:hci0", state="off"),
        Feature(id="wwan", component="wwan:0", state="on"),
    ]
    loaded = load_policy("sensors-off")
    top = evaluate(loaded, [], features, "top-secret", {})
    assert sorted(f.component for f in top.findings if f.severity == "high") == ["camera:video0", "wwan:0"]
    lower = evaluate(loaded, [], features, "secret", {})
    assert [(f.component, f.severity) for f in lower.findings] == [("wwan:0", "medium")]


def test_exceptions_apply_until_they_expire():
    base = "name: x\nlevels: [a]\nrules:\n  - name: us only\n    origins: {allow_countries: [US]}\nexceptions:\n"
    waiver = "  - match: {{ids.pci: '8086:*'}}\n    approver: CISO\n    reason: no domestic NIC yet\n    expires: {day}\n"
    cn_intel = INTEL_NIC.model_copy(update={"country": "CN", "parent_country": "CN"})
    future = parse_policy(base + waiver.format(day=(date.today() + timedelta(days=30)).isoformat()), "p.yaml")
    finding = evaluate(future, [cn_intel], []).findings[0]
    assert finding.severity == "info" and finding.title.startswith("excepted")
    assert any(e.kind == "exception" and e.value == "CISO" for e in finding.evidence)
    past = parse_policy(base + waiver.format(day=(date.today() - timedelta(days=1)).isoformat()), "p.yaml")
    finding = evaluate(past, [cn_intel], []).findings[0]
    assert finding.severity == "high"
    assert any("EXPIRED" in (e.detail or "") for e in finding.evidence)


def test_unknown_clearance_is_a_clear_error():
    with pytest.raises(PolicyError, match="not a level of policy sensors-off"):
        evaluate(load_policy("sensors-off"), [], [], "cosmic", {})
