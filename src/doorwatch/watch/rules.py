"""The shipped allow-list and indicator data, loaded once, plus what the command line adds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from doorwatch.errors import DoorwatchError


def _load(name: str) -> dict:
    return yaml.safe_load(resources.files("doorwatch.watch").joinpath("data", name).read_text("utf-8"))


def _patterns(items: list[str]) -> list[re.Pattern]:
    return [re.compile(item) for item in items]


@dataclass(frozen=True)
class ListenerRule:
    """An allowed listener: executable base name or full path, and a port (None: any port)."""

    name: str
    port: int | None = None

    def matches(self, exe: str | None, comm: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if "/" in self.name:
            return exe == self.name
        return self.name in (Path(exe).name if exe else None, comm)

    @classmethod
    def parse(cls, text: str) -> "ListenerRule":
        """NAME, NAME:PORT or :PORT, as --allow-listener takes it."""
        name, _, port = text.rpartition(":") if ":" in text else (text, "", "")
        if port and not port.isdigit():
            raise DoorwatchError(f"--allow-listener {text!r}: the port must be a number (NAME[:PORT])")
        return cls(name=name or "*", port=int(port) if port else None)


@dataclass
class WatchRules:
    camera_apps: set[str]
    microphone_apps: set[str]
    media_servers: set[str]
    listeners: list[ListenerRule]
    packet_socket_owners: set[str]
    kernel_thread_patterns: list[re.Pattern]
    system_daemon_names: set[str]
    interpreters: list[re.Pattern]
    temporary_dirs: list[str]
    implant_mutex_files: set[str]
    implant_mutex_dirs: list[str]
    implant_environment: dict[str, set[str]]
    common_bpf_constants: set[int]
    allowed_countries: set[str] = field(default_factory=set)

    @classmethod
    def shipped(cls, extra_listeners: list[str] = (), allowed_countries: list[str] = ()) -> "WatchRules":
        allow, signs = _load("allowlist.yaml"), _load("indicators.yaml")
        listeners = [ListenerRule(**item) for item in allow["listeners"]]
        listeners += [ListenerRule.parse(text) for text in extra_listeners]
        return cls(
            camera_apps=set(allow["camera_apps"]),
            microphone_apps=set(allow["microphone_apps"]),
            media_servers=set(allow["media_servers"]),
            listeners=listeners,
            packet_socket_owners=set(allow["packet_socket_owners"]),
            kernel_thread_patterns=_patterns(signs["kernel_thread_patterns"]),
            system_daemon_names=set(signs["system_daemon_names"]),
            interpreters=_patterns(signs["interpreters"]),
            temporary_dirs=signs["temporary_dirs"],
            implant_mutex_files=set(signs["implant_mutex_files"]),
            implant_mutex_dirs=signs["implant_mutex_dirs"],
            implant_environment={key: set(values) for key, values in signs["implant_environment"].items()},
            common_bpf_constants=set(signs["common_bpf_constants"]),
            allowed_countries={code.upper() for code in allowed_countries},
        )

    def looks_like_kernel_thread(self, name: str) -> bool:
        return any(pattern.search(name) for pattern in self.kernel_thread_patterns)

    def is_interpreter(self, exe: str | None) -> bool:
        return bool(exe) and any(pattern.match(Path(exe).name) for pattern in self.interpreters)

    def in_temporary_dir(self, path: str | None) -> bool:
        return bool(path) and any(path == d or path.startswith(d.rstrip("/") + "/") for d in self.temporary_dirs)

    def listener_allowed(self, exe: str | None, comm: str, port: int) -> bool:
        return any(rule.name == "*" and rule.port == port or rule.matches(exe, comm, port) for rule in self.listeners)
