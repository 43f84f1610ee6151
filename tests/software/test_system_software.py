"""Kernel modules, enabled systemd units and listening sockets of recorded trees."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from doorwatch.collect import kernel_modules, listening, systemd

PROC_MODULES = """\
nvidia_uvm 1531904 0 - Live 0xffffffffc1a00000 (POE)
nvidia 56512512 1 nvidia_uvm, Live 0xffffffffc0a00000 (POE)
hid_logitech 16384 0 - Live 0x0000000000000000
e1000e 335872 0 - Live 0xffffffffc0180000
snd_hda_intel 57344 3 - Live 0xffffffffc0150000
"""
MODULES_DEP = """\
kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.zst:
kernel/sound/pci/hda/snd-hda-intel.ko.zst: kernel/sound/pci/hda/snd-hda-codec.ko.zst
updates/dkms/nvidia.ko:
updates/dkms/nvidia-uvm.ko: updates/dkms/nvidia.ko
"""


def refs(components):
    return {component.ref: component for component in components}


def test_loaded_modules_with_out_of_tree_and_proprietary_ones(tree):
    tree.write("/proc/modules", PROC_MODULES)
    tree.write("/proc/sys/kernel/osrelease", "6.1.0-18-amd64\n")
    tree.write("/lib/modules/6.1.0-18-amd64/modules.dep", MODULES_DEP)
    tree.write("/sys/module/nvidia/version", "550.54.14\n")
    tree.write("/sys/module/nvidia/taint", "POE\n")
    # An older kernel: no flags in /proc/modules, the taint only in sysfs.
    tree.write("/sys/module/hid_logitech/taint", "OE\n")
    tree.write("/sys/module/e1000e/taint", "\n")
    modules = refs(kernel_modules.collect(tree.machine()))
    assert set(modules) == {"module:nvidia_uvm", "module:nvidia", "module:hid_logitech", "module:e1000e", "module:snd_hda_intel"}
    nvidia = modules["module:nvidia"]
    assert (nvidia.kind, nvidia.category, nvidia.ids) == ("kernel-module", "software", {"module": "nvidia"})
    assert nvidia.properties["in_tree"] is False and nvidia.properties["proprietary"] is True
    assert nvidia.properties["version"] == "550.54.14"
    assert nvidia.properties["install_path"] == "/lib/modules/6.1.0-18-amd64/updates/dkms/nvidia.ko"
    assert modules["module:nvidia_uvm"].properties["install_path"].endswith("/nvidia-uvm.ko")  # dashes and underscores are one name
    assert modules["module:nvidia"].properties["used_by"] == ["nvidia_uvm"]
    assert modules["module:hid_logitech"].properties["in_tree"] is False
    assert modules["module:hid_logitech"].properties["taint"] == "OE"
    e1000e = modules["module:e1000e"]
    assert e1000e.properties["in_tree"] is True and "taint" not in e1000e.properties
    assert e1000e.properties["install_path"] == "/lib/modules/6.1.0-18-amd64/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.zst"
    assert modules["module:snd_hda_intel"].properties["install_path"].endswith("snd-hda-intel.ko.zst")


def test_a_tree_without_proc_modules_is_silent(tree):
    tree.write("/etc/hostname", "box\n")
    machine = tree.machine()
    assert list(kernel_modules.collect(machine)) == [] and machine.notes == []


def test_enabled_units_by_admin_and_vendor_with_their_package(tree):
    tree.link("/lib", "usr/lib")  # merged /usr, as on current Debian and Ubuntu
    tree.write("/usr/lib/systemd/system/ssh.service", "[Unit]\nDescription=OpenBSD Secure Shell server\n\n[Service]\nExecStartPre=/usr/sbin/sshd -t\nExecStart=/usr/sbin/sshd -D $SSHD_OPTS\n")
    tree.write("/usr/lib/systemd/system/getty@.service", "[Unit]\nDescription=Getty on %I\n[Service]\nExecStart=-/sbin/agetty -o '-p -- \\\\u' --noclear - $TERM\n")
    tree.write("/usr/lib/systemd/system/systemd-timesyncd.service", "[Unit]\nDescription=Network Time Synchronization\n[Service]\nExecStart=!!/lib/systemd/systemd-timesyncd\n")
    tree.write("/usr/lib/systemd/system/logrotate.timer", "[Unit]\nDescription=Daily rotation of log files\n[Timer]\nOnCalendar=daily\n")
    tree.write("/etc/systemd/system/sunlogin.service", "[Unit]\nDescription=Remote control service\n[Service]\nExecStart=/usr/local/sunlogin/bin/sunloginclient --mod=service\n")
    tree.link("/etc/systemd/system/multi-user.target.wants/ssh.service", "/lib/systemd/system/ssh.service")
    tree.link("/etc/systemd/system/multi-user.target.wants/sunlogin.service", "../sunlogin.service")
    tree.link("/etc/systemd/system/getty.target.wants/getty@tty1.service", "/lib/systemd/system/getty@.service")
    tree.link("/etc/systemd/system/timers.target.wants/logrotate.timer", "/lib/systemd/system/logrotate.timer")
    tree.link("/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service", "/lib/systemd/system/systemd-timesyncd.service")
    tree.link("/usr/lib/systemd/system/multi-user.target.wants/systemd-timesyncd.service", "../systemd-timesyncd.service")
    tree.link("/etc/systemd/system/multi-user.target.wants/gone.service", "/lib/systemd/system/gone.service")
    # An alias whose absolute target must be read inside the tree, never on the machine running the tests.
    tree.link("/etc/systemd/system/sshd.service", "/lib/systemd/system/ssh.service")
    tree.link("/etc/systemd/system/multi-user.target.wants/sshd.service", "/etc/systemd/system/sshd.service")
    tree.link("/etc/systemd/system/multi-user.target.wants/remote-fs.target", "/lib/systemd/system/remote-fs.target")
    tree.write("/var/lib/dpkg/info/openssh-server.list", "/.\n/lib/systemd/system/ssh.service\n/usr/sbin/sshd\n")
    tree.write("/var/lib/dpkg/info/systemd-timesyncd.list", "/.\n/lib/systemd/system/systemd-timesyncd.service\n")
    machine = tree.machine()
    units = refs(systemd.collect(machine))
    assert set(units) == {"service:ssh.service", "service:sshd.service", "service:sunlogin.service", "service:getty@tty1.service", "service:logrotate.timer", "service:systemd-timesyncd.service", "service:gone.service"}
    assert units["service:sshd.service"].properties["install_path"] == "/lib/systemd/system/ssh.service"
    assert units["service:sshd.service"].properties["package"] == "openssh-server"
    ssh = units["service:ssh.service"]
    assert (ssh.kind, ssh.ids) == ("service", {"service": "ssh.service"})
    assert ssh.properties["state"] == "enabled" and ssh.properties["enabled_by"] == "admin"
    assert ssh.properties["executable"] == "/usr/sbin/sshd"
    assert ssh.properties["description"] == "OpenBSD Secure Shell server"
    assert ssh.properties["package"] == "openssh-server"
    sunlogin = units["service:sunlogin.service"]
    assert sunlogin.properties["executable"] == "/usr/local/sunlogin/bin/sunloginclient"
    assert sunlogin.properties["install_path"] == "/etc/systemd/system/sunlogin.service" and "package" not in sunlogin.properties
    assert units["service:getty@tty1.service"].properties["executable"] == "/sbin/agetty"
    timesyncd = units["service:systemd-timesyncd.service"]
    assert timesyncd.properties["executable"] == "/lib/systemd/systemd-timesyncd"
    assert timesyncd.properties["wanted_by"] == ["multi-user.target", "sysinit.target"]
    assert timesyncd.properties["package"] == "systemd-timesyncd"
    assert units["service:logrotate.timer"].properties["schedule"] == "daily"
    assert [note.message for note in machine.notes] == ["unit file of enabled gone.service not found"]


PROC_NET_UDP = """\
   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  254: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 20431 2 0000000000000000 0
  511: 0100007F:A9C2 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 88211 2 0000000000000000 0
"""
PROC_NET_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21407 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 25022 1 0000000000000000 100 0 0 10 0
"""


def test_listeners_of_a_recorded_tree_from_proc_net(tree):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        # The kernel's own table, as a recording tool would copy it.
        tree.write("/proc/net/tcp", Path("/proc/net/tcp").read_text())
    tree.write("/proc/net/udp", PROC_NET_UDP)
    tree.write("/proc/net/tcp6", PROC_NET_TCP6)
    found = refs(listening.collect(tree.machine()))
    assert f"listen:tcp:127.0.0.1:{port}" in found
    ours = found[f"listen:tcp:127.0.0.1:{port}"]
    assert (ours.kind, ours.properties["protocol"], ours.properties["port"]) == ("service", "tcp", port)
    assert "pid" not in ours.properties and "package" not in ours.properties  # no owner in a recorded tree
    assert found["listen:udp:127.0.0.53:53"].properties["address"] == "127.0.0.53"
    assert "listen:udp:127.0.0.1:43458" not in found  # a connected client socket is not a listener
    assert {"listen:tcp:[::]:22", "listen:tcp:[::1]:631"} <= set(found)


@pytest.mark.parametrize(
    ("text", "family", "expected"),
    [("0100007F:0016", socket.AF_INET, ("127.0.0.1", 22)), ("00000000000000000000000001000000:0035", socket.AF_INET6, ("::1", 53)), ("0000000000000000FFFF00000A00A8C0:1F90", socket.AF_INET6, ("::ffff:192.168.0.10", 8080))],
)
def test_proc_net_addresses_decode(text, family, expected):
    assert listening.decode_address(text, family) == expected
