"""The recorded Kylin desktop: Zhaoxin CPU, Chinese NICs and SSD, a Quectel 5G modem with NMEA."""

from __future__ import annotations


def test_zhaoxin_vendor_id_is_kept_verbatim(chinese_platform):
    [cpu] = chinese_platform.kind("cpu")
    assert cpu.ids == {"cpu": "  Shanghai  "}
    assert cpu.name == "ZHAOXIN KaiXian KX-U6780A@2.7GHz"
    assert cpu.properties["threads"] == 8


def test_dmi_names_lenovo_kaitian_and_byosoft_bios(chinese_platform):
    assert chinese_platform.components["dmi:system"].name == "KaiTian M740Z"
    assert chinese_platform.components["dmi:bios"].properties["vendor_name"] == "Byosoft"


def test_chinese_pci_devices_by_id(chinese_platform):
    pci_ids = {component.ids.get("pci") for component in chinese_platform.kind("pci")}
    assert {"1e49:0071", "1f0a:6801", "8088:0103", "1eac:1001", "1d17:3a03"} <= pci_ids
    nics = {nic.ids["pci"]: nic for nic in chinese_platform.kind("nic") if "pci" in nic.ids}
    assert nics["1f0a:6801"].properties["driver"] == "yt6801"
    assert nics["8088:0103"].properties["driver"] == "ngbe"


def test_ymtc_ssd(chinese_platform):
    [ssd] = chinese_platform.kind("storage")
    assert ssd.ids["pci"] == "1e49:0071"
    assert ssd.name == "ZHITAI TiPro7000 1TB"


def test_the_pci_modem_and_its_nmea_port(chinese_platform):
    [modem] = chinese_platform.kind("radio")
    assert modem.ids["pci"] == "1eac:1001" and modem.properties["radio"] == "wwan"
    [location] = chinese_platform.kind("location")
    assert location.ref == "location:wwan0nmea0" and location.properties["parent"] == "pci:0000:04:00.0"
    assert chinese_platform.features_of("gnss")[0].evidence[0].value == "NMEA"


def test_webcam_microphone_on_usb_and_no_hda_capture(chinese_platform):
    [mic] = chinese_platform.kind("microphone")
    assert mic.ref == "mic:card1-pcm0c" and mic.ids == {"usb": "1bcf:2284"}
    [camera] = chinese_platform.kind("camera")
    assert camera.properties["parent"] == mic.properties["parent"] == "usb:1-3"


def test_wake_on_lan_states(chinese_platform):
    states = {feature.component: feature.state for feature in chinese_platform.features_of("wake-on-lan")}
    assert states == {"net:enp2s0": "on", "net:enp3s0": "off"}
