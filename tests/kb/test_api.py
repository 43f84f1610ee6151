"""The Python API the audit uses: names from the ids files, lookups, and component attribution."""

from __future__ import annotations

import pytest

from doorwatch.kb import Answer, KnowledgeBase
from doorwatch.model import Component


def hardware(ref: str, kind: str = "pci", name: str = "", **ids: str) -> Component:
    return Component(ref=ref, kind=kind, category="hardware", name=name or ref, ids=ids)


def package(name: str, space: str = "deb", **properties) -> Component:
    return Component(ref=f"{space}:{name}", kind="package", category="software", name=name, ids={space: name}, properties=properties)


def test_load_is_shared(kb):
    assert KnowledgeBase.load() is kb


def test_pci_names_any_case(kb):
    assert kb.pci_names("8086") == ("Intel Corporation", None)
    vendor, device = kb.pci_names("8086", "A0F0")
    assert vendor == "Intel Corporation" and "Wi-Fi 6" in device
    assert kb.pci_names("10DE", "ffff")[0] == "NVIDIA Corporation"
    assert kb.pci_names("zzzz") == (None, None)


def test_usb_names(kb):
    vendor, product = kb.usb_names("1d6b", "0003")
    assert vendor == "Linux Foundation" and product == "3.0 root hub"
    assert kb.usb_names("046D")[0] == "Logitech, Inc."


@pytest.mark.parametrize("code,name", [("0x030000", "VGA compatible controller"), ("030000", "VGA compatible controller"),
                                        ("0c0330", "USB controller"), ("0x0200", "Ethernet controller"), ("ff", "Unassigned class")])
def test_pci_class_name(kb, code, name):
    assert kb.pci_class_name(code) == name


def test_unknown_key_syntax_is_an_error(kb):
    for key in ("bogus:1", "pci:", "pci:12345", "oui:zz:zz:zz", "arm:0xzz", "pnp:12"):
        with pytest.raises(ValueError):
            kb.lookup(key)


def test_unknown_stays_null(kb):
    answer = kb.lookup("org:Qwxzv Nonexistent Trading")
    assert isinstance(answer, Answer)
    assert answer.country is None and answer.confidence is None and answer.parent_country is None


@pytest.mark.parametrize("key", ["pci:ffff", "pci:FFFF", "pci:0000", "pci:0001", "usb:0000", "usb:ffff"])
def test_invalid_vendor_ids_say_so_without_a_maker(kb, key):
    from doorwatch.kb.stats import level

    answer = kb.lookup(key)
    assert answer.vendor.startswith("invalid vendor id")
    assert answer.country is None and answer.parent_country is None and answer.confidence is None
    assert answer.note and answer.source
    assert level(answer) == "invalid ids"


def test_unregistered_id_stays_unknown_with_a_reason(kb):
    from doorwatch.kb.stats import level

    answer = kb.lookup("pci:1af2")  # seen in real machines, registered nowhere public
    assert answer.vendor is None and answer.country is None and answer.confidence is None
    assert "not in pci.ids" in answer.note
    assert level(answer) == "unknown"


@pytest.mark.parametrize("name,country", [("Qwzx Messtechnik GmbH", "DE"), ("Qwzx Elektronik Wien GmbH", "AT"),
                                          ("Qwzx Widgets Pvt. Ltd.", "IN"), ("Qwzx Systems AB", "SE"),
                                          ("Qwzx Componentes Ltda", "BR"), ("Qwzx Devices of America, Inc.", "US")])
def test_place_and_legal_form_cues_are_guesses(kb, name, country):
    answer = kb.lookup(f"org:{name}")
    assert (answer.country, answer.confidence) == (country, "guess")
    assert "place or legal form" in answer.source


def test_coin_flip_cues_are_not_used(kb):
    """'s.r.o.' is Czech and Slovak alike: no cue, so at most a wording guess, never the CZ place cue."""
    answer = kb.lookup("org:Qwzx s.r.o.")
    assert answer.confidence != "guess" or "place or legal form" not in (answer.source or "")


def test_full_mac_and_oui_forms_agree(kb):
    assert kb.lookup("oui:00-1B-21-12-34-56").vendor == kb.lookup("oui:001b21").vendor == "Intel Corporation"


def test_registry_answer_for_an_uncurated_registrant(kb):
    answer = kb.lookup("oui:10:E9:92")  # INGRAM MICRO SERVICES, Montauban, FR
    assert answer.confidence == "registry" and answer.country == "FR"


def test_ma_m_and_ma_s_blocks_answer_with_their_registrants_address(kb):
    medium = kb.lookup("oui:20:85:93:B1:22:33")  # MA-M 20-85-93-B: IOG Products LLC, Chatsworth, California
    small = kb.lookup("oui:70-B3-D5-00-1A-BC")  # MA-S 70-B3-D5-001: SOREDI touch systems GmbH, Germany
    assert (medium.vendor, medium.country, medium.confidence) == ("IOG Products LLC", "US", "registry")
    assert (small.vendor, small.country, small.confidence) == ("SOREDI touch systems GmbH", "DE", "registry")
    assert "MA-M 208593B" in medium.source and "MA-S 70B3D5001" in small.source
    # The rest of the shared OUI is the IEEE's own, not the block holder's.
    assert kb.lookup("oui:70:B3:D5:F0:00:01").vendor != "SOREDI touch systems GmbH"


def test_maintainer_and_vendor_fields_resolve_without_their_addresses(kb):
    """dpkg's Maintainer and rpm's Vendor carry a mail or web address in angle brackets."""
    assert kb.lookup("org:Microsoft Corporation <linux@microsoft.com>").vendor == "Microsoft"
    red_hat = kb.lookup("org:Red Hat, Inc. <http://bugzilla.redhat.com/bugzilla>")
    assert (red_hat.vendor, red_hat.country, red_hat.confidence) == ("Red Hat", "US", "curated")
    assert kb.lookup("org:Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>").vendor == "Canonical"


def test_community_distribution_is_not_matched_to_a_namesake_company(kb):
    centos = kb.lookup("org:CentOS")  # the IEEE registry lists an unrelated 'Centos, Inc.' in Taiwan
    assert centos.country is None and centos.origin == "community"


def test_guess_is_labelled(kb):
    answer = kb.lookup("org:Shenzhen Qwzx Widget Factory")
    assert answer.country == "CN" and answer.confidence == "guess"


def test_attribute_pci_fills_origin_and_placeholder_name(kb):
    component = hardware("pci0", name="8086:a0f0", pci="8086:a0f0", pci_subsystem="17aa:2292")
    result = kb.attribute(component)
    assert result is not component and component.vendor is None
    assert (result.vendor, result.country, result.parent_country) == ("Intel Corporation", "US", "US")
    assert result.attribution.confidence == "curated" and "pci.ids" in result.attribution.source
    assert "Wi-Fi 6" in result.name
    assert result.properties["subsystem_vendor"] == "Lenovo"


def test_attribute_keeps_a_real_name(kb):
    result = kb.attribute(hardware("gpu0", kind="gpu", name="My GPU", pci="10de:2204"))
    assert result.name == "My GPU" and result.vendor == "NVIDIA Corporation"


def test_acquired_maker_reports_owner(kb):
    result = kb.attribute(hardware("nic0", kind="nic", pci="15b3:1017"))
    assert (result.vendor, result.country, result.parent, result.parent_country) == ("Mellanox Technologies", "IL", "NVIDIA Corporation", "US")


def test_locally_administered_mac_has_no_maker(kb):
    result = kb.attribute(hardware("wlan0", kind="nic", mac="3a:11:22:33:44:55"))
    assert result.vendor is None and result.country is None
    assert "locally administered" in result.properties["origin_note"]


def test_zhaoxin_told_apart_from_centaur_by_model_name(kb):
    cpu = Component(ref="cpu0", kind="cpu", category="hardware", name="cpu", ids={"cpu": "CentaurHauls"},
                    properties={"model_name": "ZHAOXIN KaiXian KX-U6780A@2.7GHz"})
    assert kb.attribute(cpu).country == "CN"
    cpu.properties = {"model_name": "VIA Nano U2250"}
    assert kb.attribute(cpu).parent_country == "TW"


def test_dmi_vendor_string(kb):
    system = Component(ref="sys", kind="system", category="hardware", name="system", properties={"vendor_name": "LENOVO"})
    result = kb.attribute(system)
    assert result.country == "CN" and result.attribution.confidence == "curated"


def test_ids_are_stronger_than_strings(kb):
    component = Component(ref="x", kind="usb", category="hardware", name="x", ids={"usb": "046d:c52b"}, properties={"vendor_name": "Huawei"})
    assert kb.attribute(component).vendor == "Logitech"


@pytest.mark.parametrize("component,vendor,country", [
    (package("wps-office"), "Kingsoft Office Software", "CN"),
    (package("sogoupinyin"), "Sogou", "CN"),
    (package("com.alibabainc.dingtalk"), "Alibaba Group", "CN"),
    (package("google-chrome-stable", "rpm"), "Google", "US"),
    (package("anydesk"), "AnyDesk Software", "DE"),
    (package("kesl"), "Kaspersky", "RU"),
    (package("nvidia-driver-535"), "NVIDIA Corporation", "US"),
    (package("us.zoom.Zoom", "flatpak"), "Zoom Video Communications", "US"),
    (package("com.tencent.NewThing", "flatpak"), "Tencent", "CN"),
    (package("paddlepaddle", "pypi"), "Baidu", "CN"),
    (package("Azure_Storage_Blob", "pypi"), "Microsoft", "US"),
    (package("ukui-panel", distribution="Kylin"), "KylinSoft", "CN"),
    (package("dde-dock", distribution="uos"), "Wuhan Deepin Technology", "CN"),
    (package("weird-name", install_path="/opt/apps/com.qq.weixin/files/wechat"), "Tencent", "CN"),
])
def test_known_software_gets_its_publisher(kb, component, vendor, country):
    result = kb.attribute(component)
    assert (result.vendor, result.country, result.origin) == (vendor, country, "vendor")
    assert result.attribution.confidence == "curated"


def test_third_party_package_by_maintainer_address(kb):
    result = kb.attribute(package("some-new-tool", maintainer="Linux Team <linux@tencent.com>"))
    assert (result.vendor, result.country) == ("Tencent", "CN")


def test_distribution_package_with_community_upstream(kb):
    result = kb.attribute(package("curl", maintainer="Alessandro Ghedini <ghedo@debian.org>", homepage="https://curl.se"))
    assert result.origin == "community" and result.country is None and result.vendor is None
    assert result.properties["upstream"] == "https://curl.se"
    assert "Debian" in result.attribution.source


def test_rhel_package_is_community_not_red_hat(kb):
    result = kb.attribute(package("bash", "rpm", vendor_name="Red Hat, Inc."))
    assert result.origin == "community" and "Red Hat" in result.attribution.source


def test_python_package_without_corporate_publisher_is_community(kb):
    result = kb.attribute(package("requests", "pypi"))
    assert result.origin == "community" and result.country is None and result.attribution.confidence == "guess"


def test_unknown_package_stays_unknown(kb):
    result = kb.attribute(package("mystery-tool"))
    assert result.origin is None and result.country is None and result.attribution.confidence is None


@pytest.mark.parametrize("module,properties,origin,vendor", [
    ("nvidia", {}, "vendor", "NVIDIA Corporation"),
    ("vboxdrv", {}, "vendor", "Oracle"),
    ("e1000e", {"intree": "Y"}, "community", None),
    ("mystery", {"intree": "N"}, None, None),
])
def test_kernel_modules(kb, module, properties, origin, vendor):
    component = Component(ref=module, kind="kernel-module", category="software", name=module, ids={"module": module}, properties=properties)
    result = kb.attribute(component)
    assert (result.origin, result.vendor) == (origin, vendor)


def test_firmware_file_location(kb):
    component = Component(ref="fw", kind="firmware", category="firmware", name="fw", ids={"firmware": "rtl_nic/rtl8168h-2.fw"})
    assert kb.attribute(component).vendor == "Realtek Semiconductor"


def test_damaged_cache_is_rebuilt_not_fatal(kb, tmp_path):
    import shutil

    from doorwatch.kb.index import LazyIndex, load_index

    load_index()  # builds and saves the index into the cache in force when an earlier test loaded another
    built = load_index().directory
    copy = tmp_path / built.name
    shutil.copytree(built, copy)
    index = LazyIndex(copy)
    (copy / "pci_vendors.marshal").unlink()
    assert KnowledgeBase(index).lookup("pci:10de").vendor == "NVIDIA Corporation"


def test_an_id_given_to_a_known_maker_keeps_its_own_evidence(kb):
    answer = kb.lookup("pci:1fff")  # absent from pci.ids; MCST's record existed before the id was placed
    assert (answer.vendor, answer.country) == ("MCST", "RU")
    assert "PCI_VENDOR_ID_MCST_TMP" in answer.source and "Moscow" in answer.source
