"""Management engines: Intel's ME (CSME/TXE/SPS) through the kernel's MEI driver (/sys/class/mei),
and AMD's Platform Security Processor, the PCI encryption controller AMD chips expose for it.

The firmware version is what the driver read from the ME. Whether Active
Management Technology is provisioned is only known by asking the ME over
/dev/mei0: root on the live machine asks it (collect/amthi.py); otherwise the
inventory reports AMT's presence on the MEI bus (the AMTHI client) and leaves
the provisioning state "unknown".
"""

from __future__ import annotations

from typing import Iterator

from doorwatch.collect import amthi
from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.util import bus_device, evidence, pci_devices
from doorwatch.model import Component, Evidence, Feature

SOURCE = "mei"
ORDER = 70

_MEI = "/sys/class/mei"
# The ME client that answers AMT host-interface commands (as used by mei-amt-check and LMS).
AMTHI_UUID = str(amthi.AMTHI_UUID)


def firmware_versions(text: str | None) -> list[str]:
    """'0:15.0.22.1644' lines of fw_ver -> ['15.0.22.1644', ...] (the ME's code, recovery and FITC versions)."""
    return [line.split(":", 1)[-1].strip() for line in (text or "").splitlines() if line.strip()]


def _bus_clients(machine: MachineRoot, pci_address: str | None) -> list[str]:
    """UUIDs of the ME clients the kernel enumerated on the MEI bus for this ME."""
    clients = []
    for name in machine.listdir("/sys/bus/mei/devices", SOURCE):
        if pci_address is None or name.startswith(pci_address + "-"):
            uuid = machine.read_value(f"/sys/bus/mei/devices/{name}/uuid", SOURCE)
            clients.append((uuid or name[len(pci_address or "") + 1:]).lower())
    return clients


_AMD = "1022"
_ENCRYPTION_CONTROLLER = "0x1080"


def _amd_psp(machine: MachineRoot) -> Iterator[Component | Feature]:
    for device in pci_devices(machine):
        pci_class = device.properties.get("class") or ""
        if device.ids.get("pci", "").startswith(_AMD + ":") and pci_class.startswith(_ENCRYPTION_CONTROLLER):
            ref = f"me:{device.properties['address']}"
            properties = {**device.as_parent(), "driver": device.driver, "engine": "AMD Platform Security Processor"}
            yield Component(ref=ref, kind="management-engine", category="firmware", name=device.name, ids=dict(device.ids), properties={k: v for k, v in properties.items() if v})
            seen = evidence(f"/sys/bus/pci/devices/{device.properties['address']}/class", pci_class, detail=f"AMD encryption controller {device.ids['pci']}")
            yield Feature(id="management-engine", component=ref, state="present", evidence=[seen])


def _amt_state(machine: MachineRoot, mei: str) -> tuple[str, list[Evidence]]:
    """AMT's provisioning state as the ME tells root on the live machine; "unknown" otherwise."""
    if not machine.privileged:
        return "unknown", [Evidence(kind="amt", value="not asked", detail="run as root on the machine itself to ask the ME")]
    device = f"/dev/{mei}"
    try:
        state = amthi.provisioning_state(device)
    except (OSError, amthi.AmtQueryError) as err:
        machine.note(SOURCE, device, f"AMT provisioning state not read: {err}")
        return "unknown", []
    return amthi.STATES[state], [Evidence(kind="amt", value=amthi.STATE_NAMES[state], path=device, detail="answer of the ME's AMT host interface")]


def collect(machine: MachineRoot) -> Iterator[Component | Feature]:
    yield from _amd_psp(machine)
    for mei in machine.listdir(_MEI, SOURCE):
        base = f"{_MEI}/{mei}"
        device = bus_device(machine, base)
        fw_ver_text = machine.read_text(f"{base}/fw_ver", SOURCE)
        versions = firmware_versions(fw_ver_text)
        address = device.properties.get("address") if device else None
        clients = _bus_clients(machine, address)
        properties = device.as_parent() if device else {}
        properties.update(
            firmware_version=versions[0] if versions else None,
            firmware_versions=versions,
            fw_status=(machine.read_text(f"{base}/fw_status", SOURCE) or "").split(),
            dev_state=machine.read_value(f"{base}/dev_state", SOURCE),
            interface_kind=machine.read_value(f"{base}/kind", SOURCE),
            hbm_version=machine.read_value(f"{base}/hbm_ver", SOURCE),
            bus_clients=clients,
            amt_interface="present" if AMTHI_UUID in clients else ("absent" if clients else "unknown"),
            driver=device.driver if device else None,
        )
        ref = f"me:{mei}"
        name = device.name if device else f"Management Engine ({mei})"
        if versions:
            name = f"{name} firmware {versions[0]}"
        yield Component(
            ref=ref,
            kind="management-engine",
            category="firmware",
            name=name,
            ids=dict(device.ids) if device else {},
            properties={key: value for key, value in properties.items() if value not in (None, [], "")},
        )
        seen = evidence(f"{base}/fw_ver", versions[0]) if versions else evidence(base, mei)
        yield Feature(id="management-engine", component=ref, state="present", evidence=[seen])
        amt_seen = [evidence(f"/sys/bus/mei/devices/{address}-{AMTHI_UUID}", AMTHI_UUID, detail="AMT host interface client on the MEI bus")] if AMTHI_UUID in clients else []
        state, asked = _amt_state(machine, mei) if AMTHI_UUID in clients else ("unknown", [])
        yield Feature(id="amt-provisioned", component=ref, state=state, evidence=amt_seen + asked)
