"""Broken and unreadable sysfs: the inventory keeps going and says what it could not read."""

from __future__ import annotations

from doorwatch.collect import collect_all
from doorwatch.collect.machine import MachineRoot
from machines import break_sysfs_dir, build_laptop, make_unreadable


def test_an_unreadable_attribute_becomes_a_note(tmp_path):
    root = build_laptop(tmp_path)
    make_unreadable(root, "/sys/devices/pci0000:00/0000:00:14.3/vendor")
    make_unreadable(root, "/sys/class/mei/mei0/fw_ver")
    machine = MachineRoot(root)
    components, features, _ = collect_all(machine)
    refs = {component.ref: component for component in components}
    notes = {(note.source, note.path) for note in machine.notes}
    assert ("pci", "/sys/bus/pci/devices/0000:00:14.3/vendor") in notes
    assert ("mei", "/sys/class/mei/mei0/fw_ver") in notes
    wifi = refs["pci:0000:00:14.3"]
    assert "pci" not in wifi.ids and wifi.properties["driver"] == "iwlwifi"
    me = refs["me:mei0"]
    assert "firmware_version" not in me.properties
    assert any(feature.id == "management-engine" and feature.component == "me:mei0" for feature in features)
    assert "cpu:0" in refs and "camera:video0" in refs, "the rest of the inventory is intact"


def test_a_device_gone_mid_read_still_leaves_the_rest(tmp_path):
    root = build_laptop(tmp_path)
    break_sysfs_dir(root, "/sys/bus/pci/devices/0000:00:1f.6")
    machine = MachineRoot(root)
    components, features, _ = collect_all(machine)
    refs = {component.ref for component in components}
    assert "pci:0000:00:1f.6" in refs
    assert any(note.path == "/sys/bus/pci/devices/0000:00:1f.6" for note in machine.notes)
    assert not [note for note in machine.notes if note.message.startswith("collector failed")]
    assert {"pci:0000:00:14.3", "usb:1-4", "mic:card0-pcm0c", "location:ttyUSB1"} <= refs


def test_an_empty_root_gives_an_empty_hardware_inventory(tmp_path):
    machine = MachineRoot(tmp_path)
    components, features, _ = collect_all(machine, ["pci", "usb", "net", "radio", "bmc", "tpm", "storage", "firmware", "mei", "video", "sound", "location"])
    assert components == [] and features == []
    assert not [note for note in machine.notes if note.message.startswith("collector failed")]
