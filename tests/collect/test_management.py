"""Management engines beyond the recorded machines: AMD's PSP, and an ME without its MEI driver."""

from __future__ import annotations

from doorwatch.collect import mei
from doorwatch.collect.machine import MachineRoot
from machines import Tree


def test_amd_platform_security_processor_is_a_management_engine(tmp_path):
    tree = Tree(tmp_path)
    tree.pci("0000:05:00.2", 0x1022, 0x15DF, 0x108000, subsystem=(0x17AA, 0x5124), driver="ccp")
    tree.pci("0000:05:00.3", 0x1022, 0x1639, 0x0C0330, driver="xhci_hcd", module="xhci_pci")
    found = list(mei.collect(MachineRoot(tmp_path)))
    [engine] = [record for record in found if getattr(record, "kind", None) == "management-engine"]
    assert engine.ref == "me:0000:05:00.2" and engine.ids["pci"] == "1022:15df"
    assert engine.properties["driver"] == "ccp"
    [feature] = [record for record in found if getattr(record, "id", None) == "management-engine"]
    assert feature.state == "present" and feature.evidence[0].value == "0x108000"


def test_intel_me_without_amt_client_reports_amt_absent(tmp_path):
    tree = Tree(tmp_path)
    device = tree.pci("0000:00:16.0", 0x8086, 0x7AE8, 0x078000, driver="mei_me")
    tree.class_device("mei", "mei0", device, fw_ver="0:16.1.30.2255\n0:16.1.30.2255\n0:16.0.15.1810")
    client = tree.attrs(f"{device}/0000:00:16.0-8e6a6715-9abc-4043-88ef-9e39c6f63e0f", uuid="8e6a6715-9abc-4043-88ef-9e39c6f63e0f")
    tree.link("/sys/bus/mei/devices/0000:00:16.0-8e6a6715-9abc-4043-88ef-9e39c6f63e0f", client)
    found = list(mei.collect(MachineRoot(tmp_path)))
    [engine] = [record for record in found if getattr(record, "kind", None) == "management-engine"]
    assert engine.properties["firmware_versions"] == ["16.1.30.2255", "16.1.30.2255", "16.0.15.1810"]
    assert engine.properties["amt_interface"] == "absent"
    [amt] = [record for record in found if getattr(record, "id", None) == "amt-provisioned"]
    assert amt.state == "unknown" and amt.evidence == []
