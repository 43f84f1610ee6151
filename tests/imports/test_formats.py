"""Importing dmidecode, CycloneDX and osquery outputs, live lspci output, and refusing what is not an inventory."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorwatch.collect.imports import import_file
from doorwatch.errors import DoorwatchError

DATA = Path(__file__).parent / "data"


def by_ref(imported):
    return {component.ref: component for component in imported.components}


def test_dmidecode_server_with_ipmi_bmc():
    imported = import_file(DATA / "dmidecode-server.txt")
    assert imported.format == "dmidecode"
    components = by_ref(imported)
    bios = components["dmi:bios"]
    assert (bios.kind, bios.category, bios.properties["vendor_name"], bios.properties["bios_version"]) == ("bios", "firmware", "American Megatrends Inc.", "3.4")
    system = components["dmi:system"]
    assert (system.name, system.properties["vendor_name"]) == ("SYS-5019C-M", "Supermicro")
    assert "product_sku" not in system.properties  # "To be filled by O.E.M." is no value
    assert components["dmi:board"].properties["board_name"] == "X11SCM-F"
    cpu = components["cpu:0"]
    assert cpu.kind == "cpu" and cpu.ids == {"cpu": "GenuineIntel"} and cpu.properties["cores"] == "6"
    memory = [component for component in imported.components if component.kind == "memory"]
    assert sorted(module.properties["vendor_name"] for module in memory) == ["SK Hynix", "Samsung"]  # the empty slot is skipped
    bmc = components["bmc:0"]
    assert bmc.kind == "bmc" and bmc.properties["interface"].startswith("KCS") and bmc.properties["ipmi_version"] == "2.0"
    assert [(feature.id, feature.component, feature.state) for feature in imported.features] == [("bmc", "bmc:0", "present"), ("ipmi-over-lan", "bmc:0", "unknown")]
    assert imported.features[0].evidence[0].value == "DMI type 38: IPMI Device Information"


def test_cyclonedx_keeps_declared_makers_and_countries_and_maps_purls():
    imported = import_file(DATA / "cyclonedx-host.json")
    assert imported.format == "cyclonedx"
    assert imported.machine.hostname == "ws042.example.org"
    components = by_ref(imported)
    assert set(components) == {"deb:openssl", "pypi:requests", "rpm:kylin-activation", "cdx:dev-nic0", "cdx:fw-iwlwifi", "cdx:dev-cam0"}
    kylin = components["rpm:kylin-activation"]
    assert kylin.ids["rpm"] == "kylin-activation"
    assert kylin.properties["manufacturer"] == "KylinSoft Co., Ltd." and kylin.properties["manufacturer_country"] == "CN"
    assert kylin.vendor is None and kylin.country is None  # attribution is a later stage
    assert components["deb:openssl"].properties["supplier_country"] == "US"
    assert components["pypi:requests"].properties["homepage"] == "https://requests.readthedocs.io"
    assert components["cdx:fw-iwlwifi"].category == "firmware"  # nested inside the Wi-Fi device
    assert {(feature.id, feature.component) for feature in imported.features} == {("wifi", "cdx:dev-nic0"), ("camera", "cdx:dev-cam0")}


def test_osquery_tables_recognised_by_their_columns():
    imported = import_file(DATA / "osquery-host.json")
    assert imported.format == "osquery"
    assert imported.machine.hostname == "ws17"
    components = by_ref(imported)
    wifi = components["pci:0000:00:14.3"]
    assert wifi.ids == {"pci": "8086:a0f0", "pci_subsystem": "8086:0074"} and wifi.properties["driver"] == "iwlwifi"
    assert components["pci:0000:00:16.0"].kind == "management-engine"
    assert components["pci:0000:00:02.0"].kind == "gpu"
    assert components["usb:001:003"].kind == "camera"
    assert components["usb:001:007"].ids["usb"] == "8087:0026"
    assert components["deb:openssl"].properties["maintainer"].startswith("Debian OpenSSL Team")
    assert "deb:xserver-xorg-core" not in components  # removed, only its configuration files remain
    assert components["rpm:bash"].properties["vendor_name"] == "KylinSoft"
    assert components["rpm:bash"].properties["version"] == "5.0-1.ky10"
    assert {feature.id for feature in imported.features if feature.state == "present"} == {"wifi", "management-engine", "camera", "bluetooth"}
    assert components["dmi:system"].properties == {"vendor_name": "HUAWEI", "product_name": "MateBook D 15", "product_version": "M1010"}
    assert imported.machine.os == "Ubuntu 22.04.4 LTS (Jammy Jellyfish)"
    assert components["module:nvidia"].properties["used_by"] == "nvidia_uvm,nvidia_modeset"
    assert components["listen:tcp:0.0.0.0:22"].properties["pid"] == 812
    assert components["listen:udp:127.0.0.53:53"].properties["pid"] == 605
    assert not any(ref.startswith("listen:") and ref.endswith(":0") for ref in components)  # UNIX sockets are not network listeners
    assert components["service:ssh.service"].properties["install_path"] == "/lib/systemd/system/ssh.service"
    assert "service:getty@tty2.service" not in components  # started by hand, not enabled


def test_format_is_recognised_by_content_not_by_file_name(tmp_path):
    misleading = tmp_path / "inventory.json"
    shutil.copy(DATA / "dmidecode-server.txt", misleading)
    assert import_file(misleading).format == "dmidecode"


@pytest.mark.parametrize(
    "content",
    [
        os.urandom(4096),
        b"",
        b"Hello,\nthis is a letter, not an inventory.\n",
        b'{"name": "a JSON document", "items": [1, 2, 3]}',
        b'[{"a": 1}, {"b": 2}]',
    ],
    ids=["random-bytes", "empty", "prose", "json-object", "json-rows-of-no-table"],
)
def test_garbage_is_refused_with_the_accepted_formats(tmp_path, content):
    path = tmp_path / "garbage.txt"
    path.write_bytes(content)
    with pytest.raises(DoorwatchError) as error:
        import_file(path)
    assert str(path) in str(error.value)
    assert "lspci" in str(error.value) and "CycloneDX" in str(error.value)


def test_missing_and_directory_paths_are_errors_not_tracebacks(tmp_path):
    with pytest.raises(DoorwatchError, match="cannot read"):
        import_file(tmp_path / "absent.txt")
    with pytest.raises(DoorwatchError, match="cannot read"):
        import_file(tmp_path)


def test_broken_cyclonedx_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "bom.json"
    path.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [')
    with pytest.raises(DoorwatchError, match="bom.json"):
        import_file(path)


def test_plain_lspci_nn_and_lsusb(tmp_path):
    lspci = tmp_path / "lspci"
    lspci.write_text(
        "00:00.0 Host bridge [0600]: Intel Corporation 11th Gen Core Processor Host Bridge/DRAM Registers [8086:9a14] (rev 01)\n"
        "00:14.3 Network controller [0280]: Intel Corporation Wi-Fi 6 AX201 [8086:a0f0] (rev 20)\n"
        "00:16.0 Communication controller [0780]: Intel Corporation Tiger Lake-LP Management Engine Interface [8086:a0e0] (rev 20)\n"
        "0000:3b:00.0 Ethernet controller [0200]: Huawei Technologies Co., Ltd. Hi1822 Family (2*25GE) [19e5:0200] (rev 45)\n"
    )
    imported = import_file(lspci)
    assert imported.format == "lspci"
    assert [component.ids["pci"] for component in imported.components] == ["8086:9a14", "8086:a0f0", "8086:a0e0", "19e5:0200"]
    assert by_ref(imported)["pci:0000:3b:00.0"].kind == "nic"
    lsusb = tmp_path / "lsusb"
    lsusb.write_text(
        "Bus 002 Device 001: ID 1d6b:0003 Linux Foundation 3.0 root hub\n"
        "Bus 001 Device 004: ID 04f2:b6dd Chicony Electronics Co., Ltd Integrated Camera\n"
        "Bus 001 Device 003: ID 8087:0026 Intel Corp. AX201 Bluetooth\n"
        "Bus 001 Device 005: ID 1546:01a8 U-Blox AG [u-blox 8]\n"
        "Bus 003 Device 002: ID 072f:2200 Advanced Card Systems, Ltd ACR122U NFC Reader\n"
        "Bus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub\n"
    )
    imported = import_file(lsusb)
    assert imported.format == "lsusb"
    assert len(imported.components) == 6
    kinds = {component.ref: component.kind for component in imported.components}
    assert kinds == {"usb:002:001": "usb", "usb:001:004": "camera", "usb:001:003": "radio", "usb:001:005": "location", "usb:003:002": "radio", "usb:001:001": "usb"}
    assert {feature.id for feature in imported.features} == {"camera", "bluetooth", "gnss", "nfc"}


def test_lspci_nnk_kernel_driver_lines(tmp_path):
    path = tmp_path / "lspci-k"
    path.write_text(
        "00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:9a49] (rev 01)\n"
        "\tSubsystem: Quanta Computer Inc Device [152d:2094]\n"
        "\tKernel driver in use: i915\n"
        "\tKernel modules: i915\n"
        "00:16.0 Communication controller [0780]: Intel Corporation Device [8086:a0e0] (rev 20)\n"
        "\tSubsystem: Quanta Computer Inc Device [152d:2094]\n"
        "\tKernel driver in use: mei_me\n"
        "\tKernel modules: mei_me\n"
    )
    imported = import_file(path)
    assert imported.format == "lspci"
    gpu, engine = imported.components
    assert (gpu.kind, gpu.properties["driver"], gpu.ids["pci_subsystem"]) == ("gpu", "i915", "152d:2094")
    # The name is only "Device": the driver is what tells it is the ME interface.
    assert (engine.kind, engine.properties["driver"]) == ("management-engine", "mei_me")


@pytest.mark.skipif(shutil.which("lspci") is None, reason="pciutils not installed")
def test_this_machines_own_lspci_output(tmp_path):
    sysfs = Path("/sys/bus/pci/devices")
    if not sysfs.is_dir() or not any(sysfs.iterdir()):
        pytest.skip("no PCI bus on this machine")
    for flags in ("-nn", "-vvnnk"):
        path = tmp_path / f"lspci{flags}"
        path.write_text(subprocess.run(["lspci", flags], capture_output=True, text=True, check=True).stdout)
        imported = import_file(path)
        assert len(imported.components) == len(list(sysfs.iterdir()))
        for device in sysfs.iterdir():
            vendor = (device / "vendor").read_text().strip()[2:]
            product = (device / "device").read_text().strip()[2:]
            assert by_ref(imported)[f"pci:{device.name}"].ids["pci"] == f"{vendor}:{product}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            [
                "00:14.3 Network controller [0280]: Intel Corporation Wi-Fi 6 AX201 [8086:a0f0] (rev 20)",
                "\tKernel driver in use: iwlwifi",
                "\tSubsystem: Intel Corporation Device [8086:0074",
                "Bus 001 Device 003: ID 0408:1040 Quanta",
                "Device Descriptor:",
                "      bInterfaceClass        0e Video",
                "      bDeviceSubClass        09",
                "        wTerminalType      0xzz Microphone",
                "      AudioControl Interface Descriptor:",
                "        bDescriptorSubtype      2 (INPUT_TERMINAL)",
                "Handle 0x0040, DMI type 38, 18 bytes",
                "\tInterface Type: KCS",
                '[{"pci_slot": "x", "vendor_id": "zz", "model_id": null}]',
                '{"bomFormat": "CycloneDX", "components": [{"type": "device"}]}',
                "",
            ]
        )
        | st.text(),
        max_size=12,
    )
)
def test_any_input_is_imported_or_refused_in_one_clear_error(tmp_path, lines):
    """Damaged and odd files (truncated lines, wrong numbers) never end in a traceback."""
    path = tmp_path / "saved.txt"
    path.write_bytes("\n".join(lines).encode("utf-8", "replace"))
    try:
        imported = import_file(path)
    except DoorwatchError as error:
        assert str(path) in str(error)
    else:
        assert imported.format in {"lspci", "lspci-vvnn", "lsusb", "lsusb-v", "dmidecode", "cyclonedx", "osquery"}
