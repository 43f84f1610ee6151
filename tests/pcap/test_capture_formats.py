"""Every supported container and link type is read, and bad files fail with one line and exit 2."""

import json
import random
import struct

import pytest
from typer.testing import CliRunner

import pcap_traffic as traffic
from pcap_packets import ETHERNET, LINUX_SLL, LINUX_SLL2, RAW, block, capture, ethernet, ip, udp, write_pcap, write_pcapng
from doorwatch.cli import app

runner = CliRunner()


def pcap(*args: str):
    return runner.invoke(app, ["pcap", *map(str, args)])


def signals(v6: bool = False):
    """A documented trigger and a Wake-on-LAN packet, over IPv4 or IPv6."""
    a, b = ("2001:db8::23", "2001:db8::1") if v6 else ("192.168.1.23", "192.168.1.1")
    return [(traffic.START, ip(a, b, udp(41000, 7329, b"w302r_mfg\x00x/bin/ls"))),
            (traffic.START + 1, ip(a, b, udp(40000, 9, b"\xff" * 6 + bytes.fromhex("00aabbccddee") * 16)))]


def found(result) -> set[tuple[str, str, str]]:
    assert result.exit_code in (0, 1), result.output
    return {(e["event"], e["src"], e["dst"]) for e in json.loads(result.stdout)["events"]}


@pytest.mark.parametrize("link, name", [(ETHERNET, "ethernet"), (LINUX_SLL, "linux-sll"), (LINUX_SLL2, "linux-sll2"), (RAW, "raw")])
@pytest.mark.parametrize("writer", [write_pcap, write_pcapng])
@pytest.mark.parametrize("v6", [False, True])
def test_link_types_containers_and_families(tmp_path, link, name, writer, v6):
    path = capture(tmp_path / "c.cap", signals(v6), link, writer)
    result = pcap("--format", "json", path)
    a, b = ("2001:db8::23", "2001:db8::1") if v6 else ("192.168.1.23", "192.168.1.1")
    assert found(result) == {("magic-packet", a, b), ("wake-on-lan-packet", a, b)}
    assert json.loads(result.stdout)["files"] == [{"path": str(path), "packets": 2, "link_type": name}]


def test_vlan_tags_and_nanosecond_pcap(tmp_path):
    frames = [(t, ethernet(d, vlan=42)) for t, d in signals()]
    path = write_pcap(tmp_path / "vlan.pcap", frames, nanoseconds=True)
    result = pcap("--format", "json", path)
    assert {e for e, _, _ in found(result)} == {"magic-packet", "wake-on-lan-packet"}
    times = sorted(e["time"] for e in json.loads(result.stdout)["events"])
    assert times[0].startswith("2025-12-29T09:20:00")


def test_wake_on_lan_in_its_own_ethertype(tmp_path):
    frame = ethernet(b"\xff" * 6 + bytes.fromhex("0a0b0c0d0e0f") * 16, ethertype=0x0842, dst_mac=b"\xff" * 6)
    result = pcap("--format", "json", write_pcap(tmp_path / "wol.pcap", [(traffic.START, frame)]))
    [event] = json.loads(result.stdout)["events"]
    assert event["event"] == "wake-on-lan-packet" and event["proto"] == "wol-ethertype"
    assert event["dst"] == "ff:ff:ff:ff:ff:ff" and event["evidence"][0]["value"] == "0a:0b:0c:0d:0e:0f"


def test_truncated_last_packet_is_a_note(tmp_path):
    path = capture(tmp_path / "cut.pcap", signals())
    path.write_bytes(path.read_bytes()[:-30])  # the Wake-on-LAN packet loses its end
    result = pcap("--format", "json", path)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["files"][0]["packets"] == 1
    assert any("truncated" in note for note in report["summary"]["notes"])


@pytest.mark.parametrize("content, message", [
    (b"", "not a pcap"),
    (bytes(random.Random(5).randbytes(4000)), "not a pcap"),
    (b"\xd4\xc3\xb2\xa1\x02\x00", "header truncated"),
    (b"\xd4\xc3\xb2\xa1" + bytes(16) + b"\x01\0\0\0" + bytes(8) + b"\xff\xff\xff\x7f" + bytes(100), "malformed"),
    (b"\x0a\x0d\x0d\x0a" + b"\x1c\0\0\0" + b"\xde\xad\xbe\xef", "byte-order"),
])
def test_bad_files_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    result = pcap(path)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_missing_file_exits_2(tmp_path):
    result = pcap(tmp_path / "absent.pcap")
    assert result.exit_code == 2 and "cannot read" in result.output


def test_output_formats_and_fail_on(tmp_path):
    path = capture(tmp_path / "s.pcap", signals())
    lines = pcap("--format", "jsonl", path).stdout.strip().splitlines()
    assert sorted(json.loads(line)["event"] for line in lines) == ["magic-packet", "wake-on-lan-packet"]
    html = tmp_path / "out.html"
    result = pcap("--format", "html", "-o", html, path)
    assert result.exit_code == 1 and "tenda-w302r-mfg" in html.read_text() and "<table" in html.read_text()
    table = pcap("--format", "table", path)
    assert "wake-on-lan-packet" in table.stdout and "critical" in table.stdout
    assert pcap("--format", "json", "--fail-on", "critical", path).exit_code == 1
    wol_only = capture(tmp_path / "w.pcap", signals()[1:])
    assert pcap("--format", "json", wol_only).exit_code == 0  # medium is below the default threshold (high)
    assert pcap("--format", "json", "--fail-on", "medium", wol_only).exit_code == 1


def test_pcapng_with_two_interfaces_nanosecond_times_and_simple_blocks(tmp_path):
    tenda, wol = (d for _, d in signals())
    nanoseconds = int(traffic.START * 1e9)
    blocks = [
        block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
        block(1, struct.pack("<HHI", ETHERNET, 0, 0)),
        block(1, struct.pack("<HHI", RAW, 0, 0) + struct.pack("<HHB3x", 9, 1, 9) + bytes(4)),
        block(6, struct.pack("<IIIII", 1, nanoseconds >> 32, nanoseconds & 0xFFFFFFFF, len(tenda), len(tenda)) + tenda),
        block(3, struct.pack("<I", len(ethernet(wol))) + ethernet(wol)),
    ]
    path = tmp_path / "two.pcapng"
    path.write_bytes(b"".join(blocks))
    result = pcap("--format", "json", path)
    report = json.loads(result.stdout)
    assert {e["event"] for e in report["events"]} == {"magic-packet", "wake-on-lan-packet"}
    assert report["files"][0]["link_type"] == "ethernet,raw" and report["files"][0]["packets"] == 2
    assert all(e["time"].startswith("2025-12-29T09:20:00") for e in report["events"])


def _records(count: int, seed: int) -> list[tuple[float, bytes]]:
    rng = random.Random(seed)
    return [(traffic.START + i, ethernet(ip("10.0.0.1", "10.0.0.2", udp(1000 + i, 53, rng.randbytes(rng.randrange(0, 1500))))))
            for i in range(count)]


@pytest.mark.parametrize("writer, length_at", [(write_pcap, 8), (write_pcapng, 4)])
@pytest.mark.parametrize("cut", [0, 1, 7, 300])
def test_record_loop_in_c_and_in_python_agree(tmp_path, writer, length_at, cut):
    """The C record loop is an accelerator of the Python one: same offsets, including a cut-off tail."""
    from doorwatch.net import capture as reader

    if reader._native_walk is None:
        pytest.skip("the C record loop was not built (no compiler at install time)")
    data = writer(tmp_path / "c.cap", _records(400, cut)).read_bytes()
    data = data[:len(data) - cut]
    start = 24 if length_at == 8 else 0
    for order in ("<", ">"):  # the loop reads either byte order; the file's own is "<"
        python = reader._walk(memoryview(data), start, length_at, order)
        assert reader.record_offsets(memoryview(data), start, length_at, order).tolist() == python
    assert len(reader._walk(memoryview(data), start, length_at, "<")) >= 400 - (1 if cut else 0)


def test_the_c_record_loop_is_built_where_a_compiler_is():
    import shutil

    from doorwatch.net import capture as reader

    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler on this machine")
    assert reader._native_walk is not None
