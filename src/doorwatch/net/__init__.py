"""Packet-capture analysis: `analyse(paths, Options(...))` returns an EventsReport.

Layout: capture (pcap/pcapng reader) -> decode (headers, vectorised) -> flows (flow table) ->
detectors (wol, magic, remote, beacon, dns, exfil; rules and thresholds in data/) -> events.
"""
