"""Kernel modules compressed with zstd (Ubuntu's default) or xz still tell which firmware they load."""

import lzma

import pytest
import zstandard

from doorwatch.collect import firmware
from doorwatch.collect.machine import MachineRoot
from machines import build_laptop

KERNEL_MODULES = "lib/modules"


@pytest.mark.parametrize("suffix, compress", [(".zst", lambda data: zstandard.ZstdCompressor().compress(data)), (".xz", lzma.compress)])
def test_compressed_module_declares_its_firmware(tmp_path, suffix, compress):
    root = build_laptop(tmp_path / "laptop")
    (module,) = root.glob(f"{KERNEL_MODULES}/*/kernel/drivers/gpu/drm/i915/i915.ko")
    compressed = module.with_name(module.name + suffix)
    compressed.write_bytes(compress(module.read_bytes()))
    module.unlink()
    dep = module.parents[5] / "modules.dep"
    dep.write_text(dep.read_text().replace("i915/i915.ko:", f"i915/i915.ko{suffix}:"))
    names = {c.name for c in firmware.collect(MachineRoot(root, live=False))}
    assert {"i915/tgl_dmc_ver2_12.bin", "i915/tgl_guc_70.bin"} <= names
