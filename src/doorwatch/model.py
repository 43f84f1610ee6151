"""The records every part of doorwatch shares.

Sources produce components and features, analyses produce findings, capabilities
and events, renderers turn the documents below into each output format.  The
documents are plain data: what `doorwatch audit --format json` prints is the
same record the local store keeps and a fleet server will receive.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer

from doorwatch import __version__
from doorwatch.scales import Confidence, Severity


class Record(BaseModel):
    """Base of every record: strict keys, snake_case, None left out on request."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True, populate_by_name=True)


class Evidence(Record):
    """One concrete thing seen: an import, a string, a constant, a file, a sysfs value, a packet."""

    kind: str
    value: str
    address: str | None = None
    path: str | None = None
    detail: str | None = None

    @model_serializer(mode="wrap")
    def _drop_empty(self, handler):
        return {key: value for key, value in handler(self).items() if value is not None}


class Attribution(Record):
    source: str | None = None
    confidence: Confidence | None = None


class Component(Record):
    """A piece of hardware, firmware or software on a machine, with its origin."""

    ref: str
    kind: str
    category: Literal["hardware", "firmware", "software"]
    name: str
    vendor: str | None = None
    country: str | None = None
    parent: str | None = None
    parent_country: str | None = None
    origin: Literal["vendor", "community"] | None = None
    ids: dict[str, str] = Field(default_factory=dict)
    attribution: Attribution = Field(default_factory=Attribution)
    properties: dict[str, Any] = Field(default_factory=dict)


class Feature(Record):
    """A capability of the machine a policy may forbid: AMT provisioned, a camera, Wake-on-LAN on."""

    id: str
    component: str | None = None
    state: Literal["present", "on", "off", "unknown"] = "present"
    evidence: list[Evidence] = Field(default_factory=list)


class Finding(Record):
    id: str
    severity: Severity
    title: str
    evidence: list[Evidence] = Field(default_factory=list)
    component: str | None = None


class Capability(Record):
    id: str
    evidence: list[Evidence] = Field(default_factory=list)


class Note(Record):
    """Something a source could not read; reported, never fatal."""

    source: str
    path: str | None = None
    message: str


class ToolInfo(Record):
    name: str = "doorwatch"
    version: str = __version__


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class MachineInfo(Record):
    hostname: str | None = None
    machine_id: str | None = None
    os: str | None = None
    kernel: str | None = None
    arch: str | None = None
    root: str = "/"
    source: Literal["live", "root", "import"] = "live"


class Inventory(Record):
    """What the collectors found on one machine."""

    tool: ToolInfo = Field(default_factory=ToolInfo)
    machine: MachineInfo = Field(default_factory=MachineInfo)
    collected_at: datetime = Field(default_factory=now_utc)
    components: list[Component] = Field(default_factory=list)
    features: list[Feature] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)


class PolicyRef(Record):
    name: str
    clearance: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    sha256: str | None = None


class AuditReport(Inventory):
    """An audit: the inventory plus the policy's verdict. Stored and sent unchanged."""

    audit_id: str
    policy: PolicyRef
    verdict: Literal["pass", "fail"]
    findings: list[Finding] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)


class ScanTarget(Record):
    path: str
    sha256: str | None = None
    type: Literal["elf", "pe", "macho", "firmware", "archive", "script", "other"] = "other"
    arch: str | None = None
    size: int | None = None
    capabilities: list[Capability] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    children: list["ScanTarget"] | None = None
    errors: list[str] = Field(default_factory=list)


class ScanReport(Record):
    tool: ToolInfo = Field(default_factory=ToolInfo)
    started_at: datetime = Field(default_factory=now_utc)
    targets: list[ScanTarget] = Field(default_factory=list)
    summary: dict[str, Any] = Field(default_factory=dict)


class Event(Record):
    """A run-time event (watch) or a detection in a capture (pcap)."""

    model_config = ConfigDict(extra="allow", use_enum_values=True)

    time: datetime
    event: str
    severity: Severity
    evidence: list[Evidence] = Field(default_factory=list)
    pid: int | None = None
    exe: str | None = None
    user: str | None = None
    src: str | None = None
    dst: str | None = None
    sport: int | None = None
    dport: int | None = None
    proto: str | None = None


class CaptureFile(Record):
    path: str
    packets: int
    link_type: str | None = None


class EventsReport(Record):
    tool: ToolInfo = Field(default_factory=ToolInfo)
    events: list[Event] = Field(default_factory=list)
    files: list[CaptureFile] | None = None
    summary: dict[str, Any] = Field(default_factory=dict)


def to_json(document: BaseModel, indent: int | None = 2) -> str:
    """The contract's JSON: snake_case keys, unknowns as null, stable key order."""
    return document.model_dump_json(indent=indent, exclude_none=False)
