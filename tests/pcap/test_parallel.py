"""Reading a pcap in parallel parts gives the same report as reading it in one piece."""

from doorwatch.net.analyse import analyse
from doorwatch.net.capture import split_pcap


def test_parts_start_on_record_boundaries_and_cover_the_file(scenario):
    spans = split_pcap(scenario, 3)
    assert spans[0][0] == 24 and spans[-1][1] == scenario.stat().st_size
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))


def test_parallel_and_sequential_reports_agree(scenario):
    whole = analyse([scenario], workers=1)
    parts = analyse([scenario], workers=3, parallel_min_bytes=0)
    assert parts.files == whole.files and parts.summary == whole.summary
    assert [e.model_dump() for e in parts.events] == [e.model_dump() for e in whole.events]
    assert len(whole.events) == 5
