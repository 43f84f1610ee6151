"""The recorded Intel laptop: what an auditor checks in its hardware inventory."""

from __future__ import annotations


def test_one_cpu_package_with_its_intel_vendor_id(laptop):
    cpus = laptop.kind("cpu")
    assert len(cpus) == 1, "eight threads of one package are one CPU"
    cpu = cpus[0]
    assert cpu.ids == {"cpu": "GenuineIntel"}
    assert cpu.name == "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz"
    assert cpu.properties["threads"] == 8 and cpu.properties["cores"] == 4


def test_system_board_and_bios_from_dmi(laptop):
    system, board, bios = (laptop.components[ref] for ref in ("dmi:system", "dmi:board", "dmi:bios"))
    assert system.properties["vendor_name"] == "LENOVO"
    assert system.properties["model"] == "ThinkPad T14 Gen 2i"
    assert system.properties["product_serial"] == "PF3ABCDE"
    assert board.name == "20W0005QGE"
    assert bios.category == "firmware" and bios.kind == "bios"
    assert bios.name == "N34ET58W (1.58 )" and bios.properties["bios_date"] == "06/20/2023"
    assert all(component.vendor is None and component.country is None for component in laptop.components.values())


def test_every_pci_function_with_ids_class_and_driver(laptop):
    pci = {component.ref: component for component in laptop.kind("pci")}
    assert len(pci) == 12
    wifi = pci["pci:0000:00:14.3"]
    assert wifi.ids == {"pci": "8086:a0f0", "pci_subsystem": "8086:0070"}
    assert wifi.properties["driver"] == "iwlwifi"
    assert wifi.properties["class"] == "0x028000"
    assert wifi.properties["revision"] == "0x20"
    assert "Wi-Fi 6 AX201" in wifi.name, "named from pci.ids"
    assert pci["pci:0000:00:14.0"].properties["module"] == "xhci_pci"
    nvme = pci["pci:0000:04:00.0"]
    assert nvme.ids["pci"] == "144d:a80a" and nvme.properties["parent"] == "pci:0000:00:1c.0"
    assert "driver" not in pci["pci:0000:00:1f.0"].properties, "an unbound function has no driver"


def test_every_usb_device_with_strings_and_interface_drivers(laptop):
    usb = {component.ref: component for component in laptop.kind("usb")}
    assert set(usb) == {"usb:usb1", "usb:usb2", "usb:1-3", "usb:1-4", "usb:1-10"}
    camera = usb["usb:1-4"]
    assert camera.ids == {"usb": "04f2:b6ea"}
    assert camera.properties["vendor_name"] == "Chicony Electronics Co.,Ltd."
    assert camera.properties["parent"] == "usb:usb1"
    assert [(i["class"], i["driver"]) for i in camera.properties["interfaces"]] == [("0e", "uvcvideo"), ("0e", "uvcvideo")]
    modem = usb["usb:1-3"]
    assert {i["driver"] for i in modem.properties["interfaces"]} == {"option", "qmi_wwan"}
    assert usb["usb:usb1"].properties["root_hub"] is True
    assert usb["usb:usb1"].properties["parent"] == "pci:0000:00:14.0"


def test_the_webcam_is_one_camera_on_its_usb_device(laptop):
    cameras = laptop.kind("camera")
    assert [camera.ref for camera in cameras] == ["camera:video0"]
    camera = cameras[0]
    assert camera.ids == {"usb": "04f2:b6ea"}
    assert camera.properties["parent"] == "usb:1-4"
    assert camera.properties["nodes"] == ["/dev/video0", "/dev/video1"]
    [feature] = laptop.features_of("camera")
    assert feature.component == "camera:video0" and feature.state == "present"
    assert feature.evidence[0].path == "/sys/class/video4linux/video0/name"


def test_the_internal_microphone_is_the_hda_capture_pcm(laptop):
    [mic] = laptop.kind("microphone")
    assert mic.ref == "mic:card0-pcm0c"
    assert mic.name == "ALC257 Analog on HDA Intel PCH"
    assert mic.properties["parent"] == "pci:0000:00:1f.3"
    assert mic.ids["pci"] == "8086:a0c8"
    [feature] = laptop.features_of("microphone")
    assert feature.component == mic.ref and "capture 1" in feature.evidence[0].value


def test_the_modem_gnss_port_is_location_hardware(laptop):
    [location] = laptop.kind("location")
    assert location.ref == "location:ttyUSB1"
    assert location.ids == {"usb": "2c7c:0125"}
    assert location.properties["parent"] == "usb:1-3"
    [feature] = laptop.features_of("gnss")
    assert feature.state == "present"
    assert feature.evidence[0].path == "/usr/lib/udev/rules.d/77-mm-quectel-port-types.rules"


def test_management_engine_and_its_firmware_version(laptop):
    [me] = laptop.kind("management-engine")
    assert me.category == "firmware"
    assert me.ids["pci"] == "8086:a0e0"
    assert me.properties["firmware_version"] == "15.0.22.1644"
    assert me.properties["amt_interface"] == "present"
    [present] = laptop.features_of("management-engine")
    assert present.state == "present" and present.evidence[0].path == "/sys/class/mei/mei0/fw_ver"
    [amt] = laptop.features_of("amt-provisioned")
    assert amt.state == "unknown" and amt.component == me.ref


def test_no_bmc_on_a_laptop(laptop):
    assert laptop.kind("bmc") == []
    assert laptop.features_of("bmc") == []


def test_wake_on_lan_on_the_ethernet_port_only(laptop):
    [wol] = laptop.features_of("wake-on-lan")
    assert wol.component == "net:enp0s31f6"
    assert wol.state == "on"
    assert wol.evidence[0].path == "/sys/class/net/enp0s31f6/device/power/wakeup"


def test_nics_carry_mac_and_the_device_behind(laptop):
    nics = {component.ref: component for component in laptop.kind("nic")}
    assert set(nics) == {"net:enp0s31f6", "net:wlp0s20f3", "net:wwan0"}
    assert nics["net:enp0s31f6"].ids["mac"] == "54:05:db:aa:bb:cc"
    assert nics["net:enp0s31f6"].ids["pci"] == "8086:15fc"
    assert nics["net:wlp0s20f3"].properties["link"] == "wifi"
    assert nics["net:wwan0"].properties["parent"] == "usb:1-3"
    assert "mac" not in nics["net:wwan0"].ids, "an all-zero address names no maker"


def test_radios_and_their_rfkill_state(laptop):
    states = {feature.id: feature.state for feature in laptop.features if feature.id in {"bluetooth", "wifi", "wwan", "nfc"}}
    assert states == {"bluetooth": "on", "wifi": "on", "wwan": "off", "nfc": "on"}
    [wwan] = laptop.features_of("wwan")
    assert wwan.component == "radio:usb:1-3"
    assert any(item.path == "/sys/class/rfkill/rfkill2" and "soft=1" in item.value for item in wwan.evidence)
    nfc = laptop.components["radio:nfc0"]
    assert nfc.ids == {"pnp": "NXP"}, "the NFC chip on I2C is not its I2C controller"


def test_tpm_two(laptop):
    [tpm] = laptop.kind("tpm")
    assert tpm.name == "TPM 2.0 Device"
    assert tpm.properties["version"] == "2.0" and tpm.properties["driver"] == "tpm_crb"
    assert laptop.features_of("tpm")[0].state == "present"


def test_nvme_model_serial_and_firmware(laptop):
    [disk] = laptop.kind("storage")
    assert disk.ref == "storage:nvme0"
    assert disk.name == "SAMSUNG MZVL2512HCJQ-00BL7"
    assert disk.properties["serial"] == "S64KNX0R812345"
    assert disk.properties["firmware_version"] == "GXA7401Q"
    assert disk.ids["pci"] == "144d:a80a"


def test_firmware_files_the_loaded_drivers_declare_and_the_machine_holds(laptop):
    firmware = {component.name: component for component in laptop.kind("firmware")}
    assert set(firmware) == {"iwlwifi-QuZ-a0-hr-b0-77.ucode", "i915/tgl_dmc_ver2_12.bin", "i915/tgl_guc_70.bin"}
    iwlwifi = firmware["iwlwifi-QuZ-a0-hr-b0-77.ucode"]
    assert iwlwifi.category == "firmware"
    assert iwlwifi.properties["referenced_by"] == ["iwlwifi"]
    assert iwlwifi.properties["devices"] == ["pci:0000:00:14.3"]
    assert iwlwifi.properties["path"] == "/lib/firmware/iwlwifi-QuZ-a0-hr-b0-77.ucode.zst"
    assert iwlwifi.properties["load_state"] == "available"


def test_refs_are_unique_and_parents_exist(laptop):
    for component in laptop.components.values():
        parent = component.properties.get("parent")
        assert parent is None or parent in laptop.components, f"{component.ref} names a missing parent {parent}"
    for feature in laptop.features:
        assert feature.component in laptop.components


def test_a_clean_machine_leaves_no_notes(laptop):
    assert [note for note in laptop.notes if note.source in {"pci", "usb", "cpu", "dmi", "net", "radio", "location", "mei", "tpm", "firmware"}] == []
