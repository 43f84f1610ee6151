"""The machine the tests run on: the inventory completes, quickly, and finds the CPU."""

from __future__ import annotations

import os
import platform
import time

from doorwatch.collect import collect_all
from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.net import WakeOnLanReader
from doorwatch.collect.util import pci_devices

HARDWARE_SOURCES = ("system", "dmi", "cpu", "pci", "usb", "gpu", "net", "video", "sound", "radio", "location", "mei", "bmc", "tpm", "storage", "firmware")


def test_live_inventory_finds_the_cpu_and_fails_no_source():
    machine = MachineRoot("/")
    started = time.perf_counter()
    components, features, timings = collect_all(machine, HARDWARE_SOURCES)
    elapsed = time.perf_counter() - started
    cpus = [component for component in components if component.kind == "cpu"]
    assert cpus, "every Linux machine has /proc/cpuinfo"
    assert any(cpu.ids.get("cpu") or cpu.ids.get("arm") or cpu.name for cpu in cpus)
    assert not [note for note in machine.notes if note.message.startswith("collector failed")]
    assert elapsed < 5, f"hardware inventory took {elapsed:.2f} s"
    assert set(timings) == set(HARDWARE_SOURCES)


def test_live_pci_list_matches_sysfs():
    listed = sorted(os.listdir("/sys/bus/pci/devices")) if os.path.isdir("/sys/bus/pci/devices") else []
    assert [device.properties["address"] for device in pci_devices(MachineRoot("/"))] == listed


def test_live_wake_on_lan_query_of_a_device_without_wol_falls_back():
    reader = WakeOnLanReader(MachineRoot("/"))
    try:
        assert reader.read("lo") is None, "loopback has no Wake-on-LAN: the sysfs fallback answers"
    finally:
        reader.close()


def test_live_kernel_release_is_read_from_procfs():
    machine = MachineRoot("/")
    components, _, _ = collect_all(machine, ["system"])
    [kernel] = components
    assert kernel.properties["release"] == platform.release()
    assert machine.notes == [], "sysctl files must be read in chunks the kernel can allocate"
