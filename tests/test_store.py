"""The local store keeps each audit unchanged, refuses what is not a store, and diffs audits."""

import hashlib
import sqlite3
import uuid

import pytest

from doorwatch.diff import diff_audits
from doorwatch.errors import StoreError
from doorwatch.model import AuditReport, Component, Feature, PolicyRef
from doorwatch.store import Store, canonical_json


def make_report(components, features=(), findings=()):
    return AuditReport(
        audit_id=str(uuid.uuid4()),
        policy=PolicyRef(name="baseline", clearance="internal"),
        verdict="fail" if findings else "pass",
        components=list(components),
        features=list(features),
        findings=list(findings),
    )


NIC = Component(ref="pci:0000:00:1f.6", kind="nic", category="hardware", name="Ethernet", vendor="Intel Corporation", country="US")
CAMERA = Component(ref="usb:1-6", kind="camera", category="hardware", name="Integrated Camera", vendor="Chicony Electronics", country="TW")
BASH = Component(ref="deb:bash", kind="package", category="software", name="bash", origin="community", properties={"version": "5.2.15-2"})


def test_saved_audit_comes_back_byte_for_byte(tmp_path):
    store = Store(tmp_path / "audits.sqlite")
    report = make_report([NIC, BASH])
    digest = store.save(report)
    assert digest == hashlib.sha256(canonical_json(report)).hexdigest()
    loaded = store.load(report.audit_id[:8])
    assert canonical_json(loaded) == canonical_json(report)
    assert [row.audit_id for row in store.list()] == [report.audit_id]


def test_altered_document_is_detected(tmp_path):
    path = tmp_path / "audits.sqlite"
    report = make_report([NIC])
    Store(path).save(report)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audits SET document = replace(document, 'Intel', 'Intol')")
    with pytest.raises(StoreError, match="does not match its SHA-256"):
        Store(path).load("latest")


def test_not_a_store_is_refused_and_left_untouched(tmp_path):
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store(garbage)
    assert garbage.read_bytes() == b"this is not a database" * 100
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text)")
    with pytest.raises(StoreError, match="not a doorwatch store"):
        Store(other)


def test_a_failed_save_leaves_no_partial_record(tmp_path):
    store = Store(tmp_path / "audits.sqlite")
    report = make_report([NIC])
    store.save(report)
    with pytest.raises(StoreError):
        store.save(report)  # same audit id: the insert fails as a whole
    assert len(store.list()) == 1


def test_diff_names_new_device_new_package_and_switched_feature():
    before = make_report([NIC, BASH], [Feature(id="wake-on-lan", component=NIC.ref, state="off")])
    newer_bash = BASH.model_copy(update={"properties": {"version": "5.2.21-1"}})
    sogou = Component(ref="deb:sogoupinyin", kind="package", category="software", name="sogoupinyin", vendor="Sogou", country="CN")
    after = make_report([NIC, newer_bash, CAMERA, sogou], [Feature(id="wake-on-lan", component=NIC.ref, state="on")])
    result = diff_audits(before, after)
    assert sorted(c.ref for c in result.added) == ["deb:sogoupinyin", "usb:1-6"]
    assert result.removed == []
    assert [(c.ref, c.changes) for c in result.changed] == [("deb:bash", {"version": ["5.2.15-2", "5.2.21-1"]})]
    assert [(f.id, f.before, f.after) for f in result.features] == [("wake-on-lan", "off", "on")]
    assert diff_audits(after, after).empty
