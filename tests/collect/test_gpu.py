"""GPUs: the display controllers of the PCI list, with what NVIDIA's driver adds."""

from __future__ import annotations

from doorwatch.collect import gpu
from doorwatch.collect.machine import MachineRoot
from machines import Tree

NVRM = "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.54.14  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Feb 22 01:25:25 UTC 2024\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n"
INFORMATION = """Model: \t\t NVIDIA GeForce RTX 3060
IRQ:   \t\t 186
GPU UUID: \t GPU-5c6f2c1e-8a1d-7e2b-3f4a-9b8c7d6e5f40
Video BIOS: \t 94.06.25.00.5e
Bus Type: \t PCIe
DMA Size: \t 47 bits
DMA Mask: \t 0x7fffffffffff
Bus Location: \t 0000:01:00.0
Device Minor: \t 0
GPU Excluded:\t No
"""


def test_nvidia_gpu_with_driver_and_vbios_versions(tmp_path):
    tree = Tree(tmp_path)
    port = tree.pci("0000:00:01.0", 0x8086, 0x4C01, 0x060400, driver="pcieport")
    tree.pci("0000:01:00.0", 0x10DE, 0x2504, 0x030000, subsystem=(0x1462, 0x397D), driver="nvidia", parent=port)
    tree.pci("0000:01:00.1", 0x10DE, 0x228E, 0x040300, driver="snd_hda_intel", parent=port)
    tree.write("/proc/driver/nvidia/version", NVRM)
    tree.write("/proc/driver/nvidia/gpus/0000:01:00.0/information", INFORMATION)
    [found] = gpu.collect(MachineRoot(tmp_path))
    assert found.ref == "gpu:0000:01:00.0" and found.name == "NVIDIA GeForce RTX 3060"
    assert found.ids == {"pci": "10de:2504", "pci_subsystem": "1462:397d"}
    assert found.properties["driver_version"] == "550.54.14"
    assert found.properties["vbios_version"] == "94.06.25.00.5e"
    assert found.properties["parent"] == "pci:0000:01:00.0"


def test_the_laptop_has_one_integrated_gpu(laptop):
    [found] = laptop.kind("gpu")
    assert found.ids["pci"] == "8086:9a49" and found.properties["driver"] == "i915"
