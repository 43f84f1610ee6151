"""Analyse capture files: read each batch, decode it, fold it into the flow table, let every
detector look at it, then collect the detectors' events into an EventsReport.

Large classic pcap files are split at record boundaries and the parts analysed in parallel
processes (one per core); their flow tables and detector states are then merged in time order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterable

from doorwatch.model import CaptureFile, EventsReport
from doorwatch.net.beacon import Beaconing
from doorwatch.net.capture import CaptureInfo, CaptureReader, split_pcap
from doorwatch.net.decode import decode
from doorwatch.net.detector import Detector, Observation, Options
from doorwatch.net.dns import DnsTunnel
from doorwatch.net.exfil import Exfiltration
from doorwatch.net.flows import FlowTable
from doorwatch.net.magic import DocumentedMagic, GenericMagic
from doorwatch.net.remote import RemoteManagement
from doorwatch.net.wol import WakeOnLan

PARALLEL_MIN_BYTES = 64 << 20  # below this, starting processes costs more than it saves


def detectors() -> list[Detector]:
    """Every capture detector, in the order their events are listed for equal times."""
    return [WakeOnLan(), DocumentedMagic(), GenericMagic(), RemoteManagement(), Beaconing(), DnsTunnel(), Exfiltration()]


def _analyse_span(path: Path, span: tuple[int, int] | None) -> tuple[FlowTable, list[Detector], CaptureInfo]:
    """Flow table, detector states and file facts of one file or one span of it."""
    flows, active = FlowTable(), detectors()
    reader = CaptureReader(path, span=span)
    for batch in reader.batches():
        packets = decode(batch)
        flows.add(packets)
        observation = Observation(packets, flows)
        for detector in active:
            detector.observe(observation)
    for detector in active:
        detector.settle()
    return flows, active, reader.info


def _spans(path: Path, workers: int, min_bytes: int) -> list[tuple[int, int]] | None:
    try:
        if workers < 2 or path.stat().st_size < min_bytes:
            return None
        return split_pcap(path, workers)
    except OSError:
        return None  # the sequential reader reports the error


def analyse(paths: Iterable[Path], options: Options | None = None, workers: int | None = None,
            parallel_min_bytes: int = PARALLEL_MIN_BYTES) -> EventsReport:
    """Read every capture (raising DoorwatchError on unreadable ones) and report what the detectors found."""
    options = options or Options()
    workers = workers or os.cpu_count() or 1
    flows, active = FlowTable(), detectors()
    files, notes = [], []
    for path in map(Path, paths):
        spans = _spans(path, workers, parallel_min_bytes)
        if spans and len(spans) > 1:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=len(spans) - 1, mp_context=context) as pool:
                later = pool.map(_analyse_span, [path] * (len(spans) - 1), spans[1:])
                parts = [_analyse_span(path, spans[0]), *later]  # this process reads the first part meanwhile
        else:
            parts = [_analyse_span(path, None)]
        info = CaptureInfo(path=str(path))
        for part_flows, part_detectors, part_info in parts:
            flows.merge(part_flows)
            for mine, theirs in zip(active, part_detectors):
                mine.merge(theirs)
            info.packets += part_info.packets
            info.link_types |= part_info.link_types
            info.notes += part_info.notes
        files.append(CaptureFile(path=str(path), packets=info.packets, link_type=info.link_type))
        notes += info.notes
    events = [event for detector in active for event in detector.finish(flows, options)]
    events.sort(key=lambda e: e.time)
    summary = {
        "packets": sum(f.packets for f in files),
        "flows": flows.size,
        "events_by_severity": dict(Counter(e.severity for e in events)),
        "events_by_id": dict(Counter(e.event for e in events)),
        "notes": notes,
    }
    if not options.allow_countries:
        summary["exfiltration"] = "not checked: give --allow-country CC (repeatable) to report bytes sent to other countries"
    else:
        summary["exfiltration"] = (f"bytes above {options.exfil_bytes} sent to countries other than "
                                   f"{', '.join(sorted(options.allow_countries))} are reported")
    return EventsReport(events=events, files=files, summary=summary)
