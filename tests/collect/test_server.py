"""The recorded server: BMC and IPMI, server NICs with Wake-on-LAN, RAID, TPM 1.2, two sockets."""

from __future__ import annotations


def test_two_sockets_are_two_cpus(server):
    cpus = sorted(server.kind("cpu"), key=lambda cpu: cpu.ref)
    assert [cpu.ref for cpu in cpus] == ["cpu:0", "cpu:1"]
    assert all(cpu.ids == {"cpu": "GenuineIntel"} and cpu.properties["threads"] == 8 for cpu in cpus)


def test_the_bmc_with_its_aspeed_chip_and_ipmi_interface(server):
    [bmc] = server.kind("bmc")
    assert bmc.ids["pci"] == "1a03:2000"
    assert bmc.ids["iana"] == "10876", "Supermicro's IANA enterprise number, from the BMC itself"
    assert bmc.properties["parent"] == "pci:0000:03:00.0"
    assert bmc.properties["firmware_revision"] == "1.73"
    assert bmc.properties["smbios_interface"] == "KCS"
    assert bmc.properties["smbios_base_address"] == "io:0xca2"
    [present] = server.features_of("bmc")
    paths = {item.path for item in present.evidence}
    assert {"/dev/ipmi0", "/sys/class/ipmi/ipmi0", "/sys/firmware/dmi/entries/38-0/raw"} <= paths
    [lan] = server.features_of("ipmi-over-lan")
    assert lan.state == "unknown"


def test_wake_on_lan_per_port(server):
    states = {feature.component: feature.state for feature in server.features_of("wake-on-lan")}
    assert states == {"net:eno1": "on", "net:ens2f0np0": "off", "net:ens3f0np0": "off"}


def test_server_nics_name_their_pci_devices(server):
    nics = {nic.ref: nic for nic in server.kind("nic")}
    assert nics["net:eno1"].ids["pci"] == "8086:1572" and nics["net:eno1"].properties["driver"] == "i40e"
    assert nics["net:ens2f0np0"].ids["pci"] == "14e4:16d8"
    assert nics["net:ens3f0np0"].ids["pci"] == "15b3:1017"
    assert nics["net:ens3f0np0"].ids["mac"] == "b8:59:9f:11:22:33"


def test_raid_volume_names_its_controller_without_borrowing_its_ids(server):
    [volume] = server.kind("storage")
    assert volume.name == "AVAGO MR9361-8i"
    assert volume.properties["controller"] == "pci:0000:3b:00.0"
    assert volume.ids == {}
    assert server.components["pci:0000:3b:00.0"].properties["driver"] == "megaraid_sas"


def test_tpm_one_two_names_its_maker(server):
    [tpm] = server.kind("tpm")
    assert tpm.properties["version"] == "1.2"
    assert tpm.properties["tcg_vendor"] == "IFX"
    assert tpm.ids == {"pnp": "IFX"}
    assert tpm.properties["firmware_version"] == "6.40"


def test_no_camera_microphone_or_radio(server):
    for kind in ("camera", "microphone", "radio", "location", "management-engine"):
        assert server.kind(kind) == [], kind
