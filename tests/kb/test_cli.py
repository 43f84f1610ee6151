"""`doorwatch kb lookup | stats | update` run as a user would, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from doorwatch.kb import index, sources


def run(args: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "doorwatch", *args], env=env, capture_output=True, text=True, timeout=120, **kwargs)


def test_lookup_json_answers_in_order_into_a_file(cli_env, tmp_path):
    keys = ["usb:2c7c", "pci:8086", "oui:00:1B:21:aa:bb:cc", "cpu:HygonGenuine", "arm:0x70", "org:Dell Inc.", "pci:1af2"]
    target = tmp_path / "out" / "answers.json"
    result = run(["kb", "lookup", *keys, "-o", str(target)], cli_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # json by default when not on a terminal, and into the file
    document = json.loads(target.read_text())
    assert document["tool"]["name"] == "doorwatch"
    answers = document["answers"]
    assert [answer["key"] for answer in answers] == keys
    for answer in answers:
        assert {"key", "vendor", "country", "parent", "parent_country", "confidence", "source"} <= set(answer)
    assert [answer["country"] for answer in answers] == ["CN", "US", "US", "CN", "CN", "US", None]
    assert answers[-1]["confidence"] is None  # an unregistered id is unknown, not an error


def test_lookup_table(cli_env):
    result = run(["kb", "lookup", "pci:1002", "--format", "table"], cli_env)
    assert result.returncode == 0
    assert "ATI Technologies" in result.stdout and "Advanced Micro Devices" in result.stdout


def test_bad_key_exits_2_with_one_line(cli_env):
    result = run(["kb", "lookup", "pci:8086", "serial:123"], cli_env)
    assert result.returncode == 2
    assert "serial:123" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_stats(cli_env):
    result = run(["kb", "stats", "--format", "json"], cli_env)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)["stats"]
    pci = figures["identifiers"]["pci vendors"]
    assert pci["total"] > 2000 and pci["curated"] > 300
    assert figures["curated"]["products"] >= 200
    for listing in ("ieee ma-m blocks", "ieee ma-s blocks"):  # the shipped listings answer with address countries
        blocks = figures["identifiers"][listing]
        assert blocks["total"] > 4000 and blocks["registry"] + blocks["curated"] > 0.95 * blocks["total"]


def test_update_takes_a_newer_copy_only(cli_env, tmp_path):
    packaged = (sources.DATA_DIR / "pci.ids").read_text(encoding="utf-8")
    version = sources.ids_version(sources.DATA_DIR / "pci.ids")
    system = tmp_path / "system"
    system.mkdir()
    env = {**cli_env, "DOORWATCH_CACHE_DIR": str(tmp_path / "cache")}
    # An older copy is left alone.
    (system / "pci.ids").write_text(packaged.replace(version, "2001.01.01", 1), encoding="utf-8")
    result = run(["kb", "update", "--from", str(system), "--format", "json"], env)
    assert result.returncode == 0, result.stderr
    assert {row["file"]: row["updated"] for row in json.loads(result.stdout)["files"]}["pci.ids"] is False
    # A newer copy with a vendor of its own is taken into the user cache and becomes the one in use.
    newer = packaged.replace(version, "2099.12.31", 1).replace("0014  Loongson", "1fff  Example Test Vendor GmbH\n0014  Loongson", 1)
    (system / "pci.ids").write_text(newer, encoding="utf-8")
    result = run(["kb", "update", "--from", str(system), "--format", "json"], env)
    row = {row["file"]: row for row in json.loads(result.stdout)["files"]}["pci.ids"]
    assert row["updated"] is True and row["current_version"] == "2099.12.31"
    previous = os.environ["DOORWATCH_CACHE_DIR"]
    os.environ["DOORWATCH_CACHE_DIR"] = env["DOORWATCH_CACHE_DIR"]
    try:
        in_use = index.ids_path("pci.ids")
    finally:
        os.environ["DOORWATCH_CACHE_DIR"] = previous
    assert in_use == tmp_path / "cache" / "ids" / "pci.ids"
    assert sources.read_ids(in_use)[0]["1fff"] == "Example Test Vendor GmbH"


def test_update_takes_a_longer_ieee_listing_only(cli_env, tmp_path):
    packaged = (sources.DATA_DIR / "mam.txt").read_text(encoding="utf-8")
    system = tmp_path / "system"
    system.mkdir()
    env = {**cli_env, "DOORWATCH_CACHE_DIR": str(tmp_path / "cache")}
    # A listing with a block fewer than ours is older: left alone.
    without_last_block = packaged[: packaged.rstrip().rindex("\n\n")] + "\n"
    (system / "mam.txt").write_text(without_last_block, encoding="utf-8")
    result = run(["kb", "update", "--from", str(system), "--format", "json"], env)
    assert result.returncode == 0, result.stderr
    assert {row["file"]: row["updated"] for row in json.loads(result.stdout)["files"]}["mam.txt"] is False
    # A listing with a block of its own is newer: taken, and MAC addresses in the new block resolve to it.
    new_block = ("02-00-00   (hex)\t\tExample Test Registrant Oy\n"
                 "A00000-AFFFFF     (base 16)\t\tExample Test Registrant Oy\n"
                 "\t\t\t\tTestikatu 1\n\t\t\t\tEspoo    02150\n\t\t\t\tFI\n\n")
    (system / "mam.txt").write_text(packaged + "\n" + new_block.replace("02-00-00", "0C-EF-AF"), encoding="utf-8")
    result = run(["kb", "update", "--from", str(system), "--format", "json"], env)
    assert {row["file"]: row["updated"] for row in json.loads(result.stdout)["files"]}["mam.txt"] is True
    result = run(["kb", "lookup", "oui:0C:EF:AF:A1:23:45", "--format", "json"], env)
    answer = json.loads(result.stdout)["answers"][0]
    assert (answer["vendor"], answer["country"], answer["confidence"]) == ("Example Test Registrant Oy", "FI", "registry")


def test_update_rejects_a_missing_folder(cli_env, tmp_path):
    result = run(["kb", "update", "--from", str(tmp_path / "nope")], cli_env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
