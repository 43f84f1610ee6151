"""Remote-management traffic (data/remote_management.yaml): AMT, IPMI/RMCP, BMC consoles, remote-support tools."""

from __future__ import annotations

import numpy as np

from doorwatch.model import Event, Evidence, Severity
from doorwatch.net.decode import TCP, UDP, address
from doorwatch.net.detector import Detector, Options, load_data, make_event
from doorwatch.net.flows import FlowTable, mix_keys

PROTOCOLS = {"tcp": (TCP,), "udp": (UDP,), "any": (TCP, UDP)}


class RemoteManagement(Detector):
    """`remote-management-traffic`, medium: one event per client, server and service port."""

    def finish(self, flows: FlowTable, options: Options) -> list[Event]:
        if not flows.size:
            return []
        client_hi, client_lo = flows.role("orig_hi"), flows.role("orig_lo")
        server_hi, server_lo = flows.role("resp_hi"), flows.role("resp_lo")
        client_port, port, proto = flows.role("orig_port"), flows.role("resp_port"), flows["proto"]
        sent = flows["bytes_ab"] + flows["bytes_ba"]
        conversation = mix_keys(client_hi, client_lo, server_hi, server_lo, port, proto)
        events = []
        for service in load_data("remote_management.yaml")["services"]:
            rows = np.flatnonzero(np.isin(port, service["ports"]) & np.isin(proto, PROTOCOLS[service["proto"]]))
            for key in np.unique(conversation[rows]):
                members = rows[conversation[rows] == key]
                first = members[np.argmin(flows["first_ts"][members])]
                evidence = [Evidence(kind="service", value=service["id"], detail=service["name"]),
                            Evidence(kind="connections", value=str(len(members)), detail=f"{int(sent[members].sum())} bytes both ways")]
                events.append(make_event(flows["first_ts"][first], "remote-management-traffic", Severity.MEDIUM, evidence,
                                         src=address(client_hi[first], client_lo[first]),
                                         dst=address(server_hi[first], server_lo[first]),
                                         sport=int(client_port[first]), dport=int(port[first]), proto=int(proto[first])))
        return events
