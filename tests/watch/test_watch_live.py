"""`doorwatch watch --once` on this very machine: valid output and no alarm about packaged programs."""

from __future__ import annotations

import json
import subprocess

from typer.testing import CliRunner

from doorwatch.cli import app



def dpkg_owns(path: str) -> bool:
    return subprocess.run(["dpkg", "-S", path], capture_output=True).returncode == 0


def test_once_on_this_machine_is_valid_and_quiet_about_packaged_programs(scene_events):
    events = scene_events
    alarming = [e for e in events if e["severity"] in ("high", "critical") and (e.get("exe") or "").startswith("/usr/")]
    assert [e for e in alarming if dpkg_owns(e["exe"])] == []
    for event in events:
        assert {"time", "event", "severity", "evidence", "pid", "exe", "user"} <= event.keys()


def test_jsonl_and_table_formats_print_a_line_per_event():
    runner = CliRunner()
    jsonl = runner.invoke(app, ["watch", "--once", "--format", "jsonl"])
    table = runner.invoke(app, ["watch", "--once", "--format", "table"])
    assert jsonl.exit_code in (0, 1) and table.exit_code in (0, 1)
    events = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert all(event["event"] and event["severity"] for event in events)
    rows = table.stdout.splitlines()
    assert len(rows) == max(len(events), 1)
    assert all(row.split()[2] in ("critical", "high", "medium", "low", "info") for row in rows if row != "no events")
