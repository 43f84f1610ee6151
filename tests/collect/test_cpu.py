"""CPU identification across architectures, from /proc/cpuinfo texts in each kernel's own format."""

from __future__ import annotations

from doorwatch.collect import cpu
from doorwatch.collect.machine import MachineRoot
from machines import Tree

AARCH64_BIG_LITTLE = "".join(
    f"processor\t: {n}\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\n"
    f"CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: {variant}\nCPU part\t: {part}\nCPU revision\t: 0\n\n"
    for n, (variant, part) in enumerate([("0x2", "0xd05")] * 4 + [("0x4", "0xd0b")] * 4)
)
PHYTIUM = "".join(
    f"processor\t: {n}\nBogoMIPS\t: 96.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\n"
    "CPU implementer\t: 0x70\nCPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0x662\nCPU revision\t: 3\n\n"
    for n in range(4)
)
LOONGARCH = "system type\t\t: generic-loongson-machine\n\n" + "".join(
    f"processor\t\t: {n}\npackage\t\t\t: 0\ncore\t\t\t: {n}\nglobal_id\t\t: {n}\nCPU Family\t\t: Loongson-64bit\n"
    "Model Name\t\t: Loongson-3A5000\nCPU Revision\t\t: 0x11\nFPU Revision\t\t: 0x00\nCPU MHz\t\t\t: 2500.00\n"
    "ISA\t\t\t: loongarch32 loongarch64\nFeatures\t\t: cpucfg lam ual fpu lsx lasx crc32 complex crypto lvz\n\n"
    for n in range(4)
)
MIPS = "".join(
    f"system type\t\t: generic-loongson-machine\nmachine\t\t\t: loongson,generic\nprocessor\t\t: {n}\n"
    "cpu model\t\t: ICT Loongson-3 V0.1  FPU V0.1\nmodel name\t\t: Loongson-3A R4 (Loongson-3A4000) @ 1800MHz\n"
    f"BogoMIPS\t\t: 3594.64\nisa\t\t\t: mips1 mips2 mips3 mips4 mips5 mips32r1 mips32r2 mips64r1 mips64r2\npackage\t\t\t: 0\ncore\t\t\t: {n}\n\n"
    for n in range(4)
)


def cpus_of(tmp_path, cpuinfo: str, **files: str) -> list:
    tree = Tree(tmp_path)
    tree.write("/proc/cpuinfo", cpuinfo)
    for path, text in files.items():
        tree.write(path, text)
    return list(cpu.collect(MachineRoot(tmp_path)))


def test_hygon_is_its_own_vendor_id(tmp_path):
    tree = Tree(tmp_path)
    tree.cpuinfo_x86("HygonGenuine", "Hygon C86 7285 32-core Processor", family=24, model=1, sockets=1, cores=4, threads=2)
    [found] = cpu.collect(MachineRoot(tmp_path))
    assert found.ids == {"cpu": "HygonGenuine"} and found.properties["cpu_family"] == "24"


def test_centaur_vendor_id(tmp_path):
    tree = Tree(tmp_path)
    tree.cpuinfo_x86("CentaurHauls", "ZHAOXIN KaiXian KX-6640MA@2.2+GHz", family=6, model=15, sockets=1, cores=4, threads=1)
    [found] = cpu.collect(MachineRoot(tmp_path))
    assert found.ids == {"cpu": "CentaurHauls"}


def test_big_little_arm_is_one_component_per_core_type(tmp_path):
    found = cpus_of(tmp_path, AARCH64_BIG_LITTLE, **{"/sys/firmware/devicetree/base/compatible": "rockchip,rk3588-evb1-v10\x00rockchip,rk3588\x00"})
    assert [(c.ref, c.ids["arm"], c.properties["part"], c.properties["threads"]) for c in found] == [
        ("cpu:0.0", "0x41", "0xd05", 4),
        ("cpu:0.1", "0x41", "0xd0b", 4),
    ]
    assert found[0].properties["soc_compatible"] == "rockchip,rk3588-evb1-v10, rockchip,rk3588"


def test_phytium_implementer(tmp_path):
    [found] = cpus_of(tmp_path, PHYTIUM)
    assert found.ids == {"arm": "0x70"} and found.properties["part"] == "0x662"
    assert "0x70" in found.name


def test_loongarch_model_name(tmp_path):
    [found] = cpus_of(tmp_path, LOONGARCH)
    assert found.name == "Loongson-3A5000"
    assert found.properties["threads"] == 4 and found.properties["platform_system_type"] == "generic-loongson-machine"


def test_mips_loongson_model_name(tmp_path):
    [found] = cpus_of(tmp_path, MIPS)
    assert found.name == "Loongson-3A R4 (Loongson-3A4000) @ 1800MHz"
    assert found.properties["cores"] == 4


def test_no_cpuinfo_is_a_note_not_a_crash(tmp_path):
    machine = MachineRoot(tmp_path)
    assert list(cpu.collect(machine)) == []
    assert [(note.source, note.path, note.message) for note in machine.notes] == [("cpu", "/proc/cpuinfo", "missing")]
