"""`doorwatch audit` end to end on recorded machines: the real command, its JSON, its exit codes, its store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from machines import build_chinese_platform, build_laptop, build_server


def doorwatch(*args: str, store: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "doorwatch", *args]
    if store is not None:
        command += ["--store", str(store)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def laptop(tmp_path_factory) -> Path:
    return build_laptop(tmp_path_factory.mktemp("laptop"))


@pytest.fixture(scope="module")
def laptop_audit(laptop, tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict]:
    store = tmp_path_factory.mktemp("store") / "audits.sqlite"
    result = doorwatch("audit", "--root", str(laptop), "--policy", "domestic-only", "--allow-origin", "CN",
                       "--clearance", "secret", "--format", "json", store=store)
    return result, json.loads(result.stdout)


def sysfs_ids(root: Path, bus: str) -> set[str]:
    """The vendor:device ids the recorded kernel tree itself lists, read independently of doorwatch."""
    ids = set()
    for device in (root / f"sys/bus/{bus}/devices").iterdir():
        if bus == "pci":
            vendor, dev = (device / "vendor").read_text().strip()[2:], (device / "device").read_text().strip()[2:]
        else:
            if not (device / "idVendor").exists():
                continue  # interfaces, not devices
            vendor, dev = (device / "idVendor").read_text().strip(), (device / "idProduct").read_text().strip()
        ids.add(f"{vendor}:{dev}".lower())
    return ids


def test_laptop_lists_every_device_with_maker_and_country(laptop, laptop_audit):
    result, report = laptop_audit
    assert result.returncode == 1, result.stderr
    assert report["tool"]["name"] == "doorwatch"
    components = report["components"]
    assert {c["ids"].get("pci") for c in components} >= sysfs_ids(laptop, "pci")
    assert {c["ids"].get("usb") for c in components} >= sysfs_ids(laptop, "usb")
    kinds = {c["kind"] for c in components}
    assert {"cpu", "camera", "microphone", "location", "management-engine"} <= kinds
    for component in components:
        if component["kind"] in {"cpu", "camera", "microphone", "location", "management-engine"} or set(component["ids"]) & {"pci", "usb"}:
            assert component["vendor"], component
            assert component["country"] or component["origin"] == "community", component
            assert component["attribution"]["confidence"] in {"curated", "registry", "name-match", "guess"}


def test_laptop_has_a_finding_for_everything_the_policy_forbids(laptop_audit):
    _, report = laptop_audit
    flagged = {(f["component"], f["id"]) for f in report["findings"]}
    for component in report["components"]:
        if component["category"] == "software":
            continue
        countries = {c for c in (component["country"], component["parent_country"]) if c}
        if component["origin"] == "community" and not countries:
            continue  # e.g. the Linux Foundation's virtual root hubs: community, allowed
        if not countries:
            assert (component["ref"], "origin-unknown") in flagged, component["ref"]
        elif countries != {"CN"}:
            assert (component["ref"], "origin-not-allowed") in flagged, component["ref"]
        else:
            assert not any(ref == component["ref"] for ref, _ in flagged)
    wol_on = [f["component"] for f in report["features"] if f["id"] == "wake-on-lan" and f["state"] == "on"]
    assert wol_on, "the recorded laptop has Wake-on-LAN enabled"
    assert all((ref, "feature-not-allowed") in flagged for ref in wol_on)
    assert report["verdict"] == "fail"


def test_allow_all_exits_zero(laptop, tmp_path):
    result = doorwatch("audit", "--root", str(laptop), "--policy", "allow-all", "--format", "json", store=tmp_path / "s.sqlite")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["findings"] == []


def test_sensors_off_forbids_sensors_that_are_on_and_spares_those_switched_off(laptop, tmp_path):
    result = doorwatch("audit", "--root", str(laptop), "--policy", "sensors-off", "--clearance", "top-secret", "--format", "json",
                       store=tmp_path / "s.sqlite")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    sensors = {"camera", "microphone", "gnss", "location", "bluetooth", "wifi", "wwan", "nfc", "radio"}
    states = {(f["id"], f["component"]): f["state"] for f in report["features"] if f["id"] in sensors}
    assert {"camera", "microphone", "gnss"} <= {feature for (feature, _), state in states.items() if state in ("on", "present")}
    high = {f["component"] for f in report["findings"] if f["id"] == "feature-not-allowed" and f["severity"] == "high"}
    for (feature, ref), state in states.items():
        if state in ("on", "present"):
            assert ref in high, (feature, ref)
    switched_off = {ref for (feature, ref), state in states.items() if state == "off"}
    assert switched_off, "the recorded laptop's modem radio is soft-blocked"
    assert not switched_off & high - {ref for (feature, ref), state in states.items() if state != "off"}


def test_chinese_platform_passes_domestic_only_for_its_hardware(tmp_path):
    root = build_chinese_platform(tmp_path / "cn")
    result = doorwatch("audit", "--root", str(root), "--policy", "domestic-only", "--allow-origin", "CN", "--format", "json",
                       store=tmp_path / "s.sqlite")
    report = json.loads(result.stdout)
    cpu = next(c for c in report["components"] if c["kind"] == "cpu")
    assert cpu["country"] == "CN"
    flagged = {f["component"] for f in report["findings"] if f["id"] == "origin-not-allowed"}
    chinese = [c["ref"] for c in report["components"] if c["category"] != "software" and c["country"] == "CN" and c["parent_country"] in (None, "CN")]
    assert chinese and not flagged & set(chinese)


def test_covered_list_flags_the_huawei_nic_of_the_chinese_platform(tmp_path):
    root = build_chinese_platform(tmp_path / "cn")
    result = doorwatch("audit", "--root", str(root), "--policy", "covered-list", "--format", "json", store=tmp_path / "s.sqlite")
    report = json.loads(result.stdout)
    makers = {c["ref"]: (c["vendor"] or "") + " " + (c["parent"] or "") for c in report["components"]}
    flagged = [f["component"] for f in report["findings"] if f["id"] == "origin-not-allowed"]
    huawei = [ref for ref, maker in makers.items() if "huawei" in maker.lower() or "hisilicon" in maker.lower()]
    if huawei:
        assert set(huawei) <= set(flagged)
        assert result.returncode == 1
    assert all("huawei" in makers[ref].lower() or "hisilicon" in makers[ref].lower() or "zte" in makers[ref].lower() for ref in flagged)


def test_server_bmc_is_found(tmp_path):
    root = build_server(tmp_path / "srv")
    report = json.loads(doorwatch("inventory", "--root", str(root), "--format", "json").stdout)
    assert any(c["kind"] == "bmc" for c in report["components"])
    assert any(f["id"] == "bmc" for f in report["features"])


def test_history_and_diff_show_a_new_device(tmp_path):
    store = tmp_path / "audits.sqlite"
    root = build_laptop(tmp_path / "m")
    assert doorwatch("audit", "--root", str(root), "--policy", "allow-all", "--format", "json", store=store).returncode == 0
    pci = root / "sys/bus/pci/devices"
    existing = next(pci.iterdir())
    target = (pci / existing.readlink()).resolve() if existing.is_symlink() else existing
    clone = target.parent / "0000:00:1f.7"
    subprocess.run(["cp", "-a", str(target), str(clone)], check=True)
    (clone / "vendor").write_text("0x1e49\n")
    (clone / "device").write_text("0x0071\n")
    os.symlink(os.path.relpath(clone, pci), pci / "0000:00:1f.7")
    assert doorwatch("audit", "--root", str(root), "--policy", "allow-all", "--format", "json", store=store).returncode == 0
    history = json.loads(doorwatch("history", "--format", "json", store=store).stdout)
    assert len(history["audits"]) == 2
    diff = doorwatch("diff", "previous", "latest", "--format", "json", store=store)
    assert diff.returncode == 1
    added = json.loads(diff.stdout)["added"]
    assert [c["ids"].get("pci") for c in added] == ["1e49:0071"]


def test_formats_html_sarif_cyclonedx(laptop, tmp_path):
    base = ["audit", "--root", str(laptop), "--policy", "domestic-only", "--allow-origin", "CN", "--no-store"]
    html = tmp_path / "report.html"
    assert doorwatch(*base, "--format", "html", "-o", str(html)).returncode == 1
    page = html.read_text()
    assert page.startswith("<!DOCTYPE html>") and "FAIL" in page and "<svg" in page and "origin-not-allowed" in page
    assert "http://" not in page.replace("http://www.w3.org", "") and "<script src" not in page  # self-contained
    sarif = json.loads(doorwatch(*base, "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    bom = json.loads(doorwatch(*base, "--format", "cyclonedx").stdout)
    assert bom["specVersion"] == "1.6"
    devices = [c for c in bom["components"] if c["type"] == "device"]
    assert devices and any(c.get("manufacturer", {}).get("address", {}).get("country") == "US" for c in devices)


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    garbage_store = tmp_path / "garbage.sqlite"
    garbage_store.write_bytes(b"\x00not sqlite" * 50)
    machine = tmp_path / "machine"
    (machine / "etc").mkdir(parents=True)
    (tmp_path / "empty").mkdir()
    for args in (
        ["audit", "--root", str(tmp_path / "nope")],
        ["audit", "--root", str(tmp_path / "empty")],  # a folder that holds no machine
        ["audit", "--policy", str(tmp_path / "missing.yaml")],
        ["audit", "--policy", "domestic-only", "--root", str(machine)],  # needs --allow-origin
        ["audit", "--root", str(machine), "--store", str(garbage_store)],
        ["audit", "--clearance", "cosmic", "--policy", "sensors-off", "--root", str(machine), "--no-store"],
    ):
        result = doorwatch(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0, result.stderr
        assert "error" in result.stderr
    assert garbage_store.read_bytes() == b"\x00not sqlite" * 50


def test_unreadable_sysfs_file_is_a_note_not_a_crash(laptop, tmp_path):
    root = build_laptop(tmp_path / "broken")
    victim = next((root / "sys/bus/pci/devices").iterdir()) / "class"
    victim.unlink()
    victim.mkdir()  # reading a directory as a file fails on every user, root included
    result = doorwatch("inventory", "--root", str(root), "--format", "json")
    assert result.returncode == 0, result.stderr
    notes = json.loads(result.stdout)["notes"]
    assert any(note["path"] and note["path"].endswith("/class") for note in notes)


def test_policy_check_names_the_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nlevels: [a]\nrules:\n  - name: r\n    features:\n      deny: [camra]\n")
    result = doorwatch("policy", "check", str(bad))
    assert result.returncode == 2
    assert f"{bad}:6:" in result.stderr and "camra" in result.stderr
    good = doorwatch("policy", "check", str(Path(__file__).parents[1] / "src/doorwatch/policy/policies/domestic-only.yaml"))
    assert good.returncode == 0 and "ok" in good.stdout


def test_export_gives_the_stored_bytes_that_the_digest_covers(tmp_path):
    import hashlib

    store = tmp_path / "audits.sqlite"
    root = build_server(tmp_path / "srv")
    assert doorwatch("audit", "--root", str(root), "--policy", "allow-all", "--format", "json", store=store).returncode == 0
    listed = json.loads(doorwatch("history", "--format", "json", store=store).stdout)["audits"][0]
    exported = tmp_path / "audit.json"
    assert doorwatch("history", "--export", listed["audit_id"][:8], "-o", str(exported), store=store).returncode == 0
    assert hashlib.sha256(exported.read_bytes()).hexdigest() == listed["sha256"]
    assert json.loads(exported.read_bytes())["audit_id"] == listed["audit_id"]


def test_table_report_puts_the_verdict_first_and_keeps_bracketed_names(laptop, tmp_path):
    policy = tmp_path / "short.yaml"
    policy.write_text("name: short\nlevels: [a]\nrules:\n  - name: dom\n    origins: {allow_countries: [CN]}\n")
    out = tmp_path / "report.txt"
    result = doorwatch("audit", "--root", str(laptop), "--policy", str(policy), "--no-store", "--format", "table", "-o", str(out))
    assert result.returncode == 1
    text = out.read_text()
    assert text.index("FAIL") < text.index("Findings") < text.index("Hardware and firmware")
    assert "[dom]" in text  # rule names are text, not console markup
