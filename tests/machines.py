"""Recorded machines: trees in the kernel's and the distribution's own layout, read with `--root`.

Each `build_*` function writes one machine under a directory and returns that
directory. Device directories live under /sys/devices like on real hardware;
/sys/bus/*/devices, /sys/class/* and the `driver`, `device` and `subsystem`
entries are relative symlinks to them, so code that follows links the way it
must on a live machine is exercised here too.
"""

from __future__ import annotations

import functools
import os
import stat
import subprocess
import tempfile
from pathlib import Path

# ---------------------------------------------------------------------------
# The tree writer


class Tree:
    """Writes a machine tree; every path argument is a machine path such as `/sys/class/net`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def real(self, machine_path: str) -> Path:
        return self.root / machine_path.lstrip("/")

    def write(self, machine_path: str, text: str | bytes) -> str:
        target = self.real(machine_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")
        return machine_path

    def attrs(self, directory: str, /, **values: object) -> str:
        """One sysfs attribute file per keyword, each value followed by a newline as the kernel prints it."""
        for name, value in values.items():
            if value is not None:
                self.write(f"{directory}/{name}", f"{value}\n")
        self.real(directory).mkdir(parents=True, exist_ok=True)
        return directory

    def link(self, machine_path: str, target: str) -> None:
        """A relative symlink at `machine_path` to the machine path `target`, like sysfs makes."""
        where = self.real(machine_path)
        where.parent.mkdir(parents=True, exist_ok=True)
        relative = os.path.relpath(self.real(target), where.parent)
        if where.is_symlink():
            where.unlink()
        where.symlink_to(relative)

    # -- buses -------------------------------------------------------------

    def driver(self, bus: str, name: str, device: str, module: str | None = None) -> None:
        """Bind `device` to driver `name` on `bus`, with the driver's `module` link."""
        driver_dir = f"/sys/bus/{bus}/drivers/{name}"
        self.real(driver_dir).mkdir(parents=True, exist_ok=True)
        module = module or name
        self.real(f"/sys/module/{module}").mkdir(parents=True, exist_ok=True)
        self.link(f"{driver_dir}/module", f"/sys/module/{module}")
        self.link(f"{driver_dir}/{os.path.basename(device)}", device)
        self.link(f"{device}/driver", driver_dir)

    def pci(
        self,
        address: str,
        vendor: int,
        device: int,
        pci_class: int,
        *,
        subsystem: tuple[int, int] = (0, 0),
        revision: int = 0,
        driver: str | None = None,
        module: str | None = None,
        parent: str | None = None,
        wakeup: str | None = None,
    ) -> str:
        """A PCI function at `address`, below the host bridge or below the bridge device `parent`."""
        domain_bus = address[:7]
        base = parent or f"/sys/devices/pci{domain_bus}"
        path = f"{base}/{address}"
        self.attrs(
            path,
            vendor=f"0x{vendor:04x}",
            device=f"0x{device:04x}",
            subsystem_vendor=f"0x{subsystem[0]:04x}",
            subsystem_device=f"0x{subsystem[1]:04x}",
            revision=f"0x{revision:02x}",
            modalias=f"pci:v{vendor:08X}d{device:08X}sv{subsystem[0]:08X}sd{subsystem[1]:08X}"
            f"bc{pci_class >> 16:02X}sc{(pci_class >> 8) & 0xFF:02X}i{pci_class & 0xFF:02X}",
            enable=1,
            numa_node=-1,
        )
        self.write(f"{path}/class", f"0x{pci_class:06x}\n")
        self.attrs(f"{path}/power", wakeup=wakeup, control="auto")
        self.link(f"{path}/subsystem", "/sys/bus/pci")
        self.link(f"/sys/bus/pci/devices/{address}", path)
        if driver:
            self.driver("pci", driver, path, module)
        return path

    def usb_device(
        self,
        parent: str,
        name: str,
        vendor: int,
        product: int,
        *,
        manufacturer: str | None = None,
        product_name: str | None = None,
        serial: str | None = None,
        device_class: int = 0,
        bcd_device: str = "0001",
        speed: int = 480,
        removable: str = "fixed",
        driver: str = "usb",
    ) -> str:
        """A USB device (`usb1` for a root hub, `1-4` for a port) below `parent`."""
        path = f"{parent}/{name}"
        busnum = name[3:] if name.startswith("usb") else name.split("-")[0]
        self.attrs(
            path,
            idVendor=f"{vendor:04x}",
            idProduct=f"{product:04x}",
            manufacturer=manufacturer,
            product=product_name,
            serial=serial,
            bDeviceClass=f"{device_class:02x}",
            bDeviceSubClass="00",
            bDeviceProtocol="00",
            bcdDevice=bcd_device,
            bNumConfigurations=1,
            bConfigurationValue=1,
            speed=speed,
            busnum=busnum,
            version=" 2.00" if speed <= 480 else " 3.20",
            removable=removable,
        )
        self.link(f"{path}/subsystem", "/sys/bus/usb")
        self.link(f"/sys/bus/usb/devices/{name}", path)
        self.driver("usb", driver, path, "usbcore")
        return path

    def usb_interface(
        self,
        device: str,
        number: int,
        interface_class: int,
        subclass: int = 0,
        protocol: int = 0,
        *,
        driver: str | None = None,
        module: str | None = None,
        interface: str | None = None,
    ) -> str:
        """Interface `number` of configuration 1 of the USB `device`."""
        name = f"{os.path.basename(device)}:1.{number}"
        path = f"{device}/{name}"
        self.attrs(
            path,
            bInterfaceNumber=f"{number:02x}",
            bAlternateSetting=" 0",
            bInterfaceClass=f"{interface_class:02x}",
            bInterfaceSubClass=f"{subclass:02x}",
            bInterfaceProtocol=f"{protocol:02x}",
            interface=interface,
        )
        self.link(f"{path}/subsystem", "/sys/bus/usb")
        self.link(f"/sys/bus/usb/devices/{name}", path)
        if driver:
            self.driver("usb", driver, path, module)
        return path

    def class_device(self, cls: str, name: str, parent: str, /, *, subdir: str | None = None, **values: object) -> str:
        """A class device (net, sound, video4linux...) below `parent` with its /sys/class link."""
        path = f"{parent}/{subdir or cls}/{name}"
        self.attrs(path, **values)
        if not parent.startswith("/sys/devices/virtual"):
            self.link(f"{path}/device", parent)
        self.link(f"{path}/subsystem", f"/sys/class/{cls}")
        self.link(f"/sys/class/{cls}/{name}", path)
        return path

    def net(self, parent: str, name: str, mac: str, *, devtype: str | None = None, arp_type: int = 1, wireless: str | None = None, assign_type: int = 0) -> str:
        """A network interface below its device; `wireless` names its ieee80211 phy."""
        uevent = f"INTERFACE={name}\n" + (f"DEVTYPE={devtype}\n" if devtype else "")
        path = self.class_device("net", name, parent, address=mac, type=arp_type, operstate="up", addr_assign_type=assign_type)
        self.write(f"{path}/uevent", uevent)
        if wireless:
            self.real(f"{path}/wireless").mkdir(parents=True, exist_ok=True)
            self.link(f"{path}/phy80211", f"{parent}/ieee80211/{wireless}")
        return path

    def rfkill(self, parent: str, index: int, kind: str, name: str, *, soft: int = 0, hard: int = 0) -> str:
        state = 0 if (soft or hard) else 1
        return self.class_device("rfkill", f"rfkill{index}", parent, type=kind, name=name, soft=soft, hard=hard, state=state)

    def tty(self, parent: str, name: str, major: int = 188) -> str:
        """A usb-serial port with its tty class device, as the option driver makes them."""
        port = self.attrs(f"{parent}/{name}", port_number=0)
        minor = int("".join(ch for ch in name if ch.isdigit()) or 0)
        return self.class_device("tty", name, port, dev=f"{major}:{minor}")

    def chardev(self, machine_path: str, major: int, minor: int) -> None:
        """A character device node; a plain file where the test cannot create device nodes."""
        target = self.real(machine_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(major, minor))
        except OSError:
            target.write_bytes(b"")

    # -- procfs and distribution files --------------------------------------

    def cpuinfo_x86(self, vendor_id: str, model_name: str, *, family: int, model: int, sockets: int, cores: int, threads: int, flags: str = "") -> None:
        """/proc/cpuinfo of `sockets` packages with `cores` cores of `threads` threads each."""
        stanzas = []
        processor = 0
        for socket in range(sockets):
            for thread in range(threads):
                for core in range(cores):
                    stanzas.append(
                        f"processor\t: {processor}\nvendor_id\t: {vendor_id}\ncpu family\t: {family}\n"
                        f"model\t\t: {model}\nmodel name\t: {model_name}\nstepping\t: 1\n"
                        f"microcode\t: 0xa6\ncpu MHz\t\t: 2800.000\ncache size\t: 12288 KB\n"
                        f"physical id\t: {socket}\nsiblings\t: {cores * threads}\ncore id\t\t: {core}\n"
                        f"cpu cores\t: {cores}\napicid\t\t: {socket * 64 + core * 2 + thread}\n"
                        f"fpu\t\t: yes\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep {flags}\n"
                        f"bogomips\t: 5599.85\naddress sizes\t: 39 bits physical, 48 bits virtual\n"
                        "power management:\n"
                    )
                    processor += 1
        self.write("/proc/cpuinfo", "\n".join(stanzas) + "\n")

    def dmi(self, **values: str) -> None:
        self.attrs("/sys/devices/virtual/dmi/id", **values)
        self.link("/sys/class/dmi/id", "/sys/devices/virtual/dmi/id")

    def modules(self, *names: str) -> None:
        """/proc/modules listing `names` as loaded."""
        lines = [f"{name} 65536 1 - Live 0x0000000000000000" for name in names]
        self.write("/proc/modules", "\n".join(lines) + "\n")

    def kernel_module(self, release: str, relative: str, firmware: list[str]) -> None:
        """A kernel module file whose .modinfo section names the firmware files it may request."""
        self.write(f"/lib/modules/{release}/{relative}", _module_object(tuple(firmware)))
        dep = self.real(f"/lib/modules/{release}/modules.dep")
        previous = dep.read_text() if dep.exists() else ""
        dep.write_text(previous + f"{relative}:\n")

    def dpkg(self, stanzas: list[dict[str, str]]) -> None:
        """/var/lib/dpkg/status with one installed package per stanza."""
        blocks = []
        for stanza in stanzas:
            fields = {"Package": stanza["Package"], "Status": "install ok installed", "Priority": "optional"}
            fields.update(stanza)
            blocks.append("\n".join(f"{key}: {value}" for key, value in fields.items()))
        self.write("/var/lib/dpkg/status", "\n\n".join(blocks) + "\n")


@functools.lru_cache(maxsize=None)
def _module_object(firmware: tuple[str, ...]) -> bytes:
    """An ELF relocatable object with a .modinfo section, compiled by gcc like a real module's."""
    entries = ["license=GPL", *(f"firmware={name}" for name in firmware)]
    body = "".join(f'__attribute__((section(".modinfo"), used, aligned(1))) static const char modinfo_{index}[] = "{entry}";\n' for index, entry in enumerate(entries))
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "module.c")
        source.write_text(body)
        subprocess.run(["gcc", "-c", "-o", str(Path(work, "module.o")), str(source)], check=True)
        return Path(work, "module.o").read_bytes()


def _package(name: str, version: str, maintainer: str, *, section: str = "misc", homepage: str | None = None, arch: str = "amd64", description: str = "") -> dict[str, str]:
    stanza = {
        "Package": name,
        "Section": section,
        "Installed-Size": "1024",
        "Maintainer": maintainer,
        "Architecture": arch,
        "Version": version,
        "Description": description or f"{name} package",
    }
    if homepage:
        stanza["Homepage"] = homepage
    return stanza


# ---------------------------------------------------------------------------
# Bad input


def make_unreadable(root: Path | str, machine_path: str) -> None:
    """Make a file unreadable even to root: replace it by a symlink to itself (open fails with ELOOP)."""
    target = Path(root) / machine_path.lstrip("/")
    if target.is_symlink() or target.is_file():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(target.name)


def break_sysfs_dir(root: Path | str, machine_path: str) -> None:
    """Empty a sysfs device directory the way a device unplugged mid-read leaves it: no attributes, dangling links."""
    target = Path(root) / machine_path.lstrip("/")
    resolved = target.resolve()
    for entry in list(resolved.iterdir()):
        if entry.is_symlink() or entry.is_file():
            entry.unlink()
    (resolved / "driver").symlink_to("../../../bus/pci/drivers/gone")


# ---------------------------------------------------------------------------
# Shared pieces

KERNEL = "6.8.0-49-generic"
_OS_UBUNTU = """PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION="24.04.1 LTS (Noble Numbat)"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
SUPPORT_URL="https://help.ubuntu.com/"
BUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"
UBUNTU_CODENAME=noble
"""
_OS_DEBIAN = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"""
_OS_KYLIN = """NAME="Kylin"
VERSION="银河麒麟桌面操作系统V10 (SP1)"
VERSION_US="Kylin Linux Desktop V10 (SP1)"
ID=kylin
ID_LIKE=debian
PRETTY_NAME="Kylin V10 SP1"
VERSION_ID="v10"
HOME_URL="http://www.kylinos.cn/"
SUPPORT_URL="http://www.kylinos.cn/support/technology.html"
BUG_REPORT_URL="http://www.kylinos.cn/"
PRIVACY_POLICY_URL="http://www.kylinos.cn"
VERSION_CODENAME=kylin
UBUNTU_CODENAME=kylin
PROJECT_CODENAME=V10SP1
KYLIN_RELEASE_ID="2303"
"""

UBUNTU = "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>"
DEBIAN_KERNEL = "Debian Kernel Team <debian-kernel@lists.debian.org>"

# ModemManager's own port-type hints (77-mm-quectel-port-types.rules), as shipped by the modemmanager package.
_MM_QUECTEL_RULES = """# do not edit this file, it will be overwritten on update
ACTION!="add|change|move|bind", GOTO="mm_quectel_port_types_end"
SUBSYSTEMS=="usb", ATTRS{idVendor}=="2c7c", GOTO="mm_quectel_port_types"
GOTO="mm_quectel_port_types_end"

LABEL="mm_quectel_port_types"
SUBSYSTEMS=="usb", ATTRS{bInterfaceNumber}=="?*", ENV{.MM_USBIFNUM}="$attr{bInterfaceNumber}"

# Quectel EC25/EM05
#  ttyUSB0 (if #0): QCDM/DIAG port
#  ttyUSB1 (if #1): GPS data port
#  ttyUSB2 (if #2): AT primary port
#  ttyUSB3 (if #3): AT secondary port
ATTRS{idVendor}=="2c7c", ATTRS{idProduct}=="0125", ENV{.MM_USBIFNUM}=="00", SUBSYSTEM=="tty", ENV{ID_MM_PORT_TYPE_QCDM}="1"
ATTRS{idVendor}=="2c7c", ATTRS{idProduct}=="0125", ENV{.MM_USBIFNUM}=="01", SUBSYSTEM=="tty", ENV{ID_MM_PORT_TYPE_GPS}="1"
ATTRS{idVendor}=="2c7c", ATTRS{idProduct}=="0125", ENV{.MM_USBIFNUM}=="02", SUBSYSTEM=="tty", ENV{ID_MM_PORT_TYPE_AT_PRIMARY}="1"
ATTRS{idVendor}=="2c7c", ATTRS{idProduct}=="0125", ENV{.MM_USBIFNUM}=="03", SUBSYSTEM=="tty", ENV{ID_MM_PORT_TYPE_AT_SECONDARY}="1"

LABEL="mm_quectel_port_types_end"
"""


def _common(tree: Tree, *, hostname: str, os_release: str, machine_id: str) -> None:
    tree.write("/etc/hostname", hostname + "\n")
    tree.write("/etc/machine-id", machine_id + "\n")
    tree.write("/etc/os-release", os_release)
    tree.write("/proc/sys/kernel/osrelease", KERNEL + "\n")
    tree.write("/proc/sys/kernel/hostname", hostname + "\n")
    tree.write("/proc/version", f"Linux version {KERNEL} (buildd@lcy02-amd64-100) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0) #49-Ubuntu SMP PREEMPT_DYNAMIC\n")
    for bus in ("pci", "usb", "platform"):
        tree.real(f"/sys/bus/{bus}/devices").mkdir(parents=True, exist_ok=True)
    tree.real("/dev").mkdir(exist_ok=True)


def _usb_host(tree: Tree, xhci: str, high_speed_bus: int, super_speed_bus: int) -> tuple[str, str]:
    """The two root hubs an xHCI controller registers."""
    usb2 = tree.usb_device(xhci, f"usb{high_speed_bus}", 0x1D6B, 0x0002, manufacturer=f"Linux {KERNEL} xhci-hcd", product_name="xHCI Host Controller", device_class=9, bcd_device="0608")
    tree.usb_interface(usb2, 0, 0x09, driver="hub", module="usbcore")
    usb3 = tree.usb_device(xhci, f"usb{super_speed_bus}", 0x1D6B, 0x0003, manufacturer=f"Linux {KERNEL} xhci-hcd", product_name="xHCI Host Controller", device_class=9, bcd_device="0608", speed=10000)
    tree.usb_interface(usb3, 0, 0x09, driver="hub", module="usbcore")
    return usb2, usb3


def _hda_sound(tree: Tree, pci_device: str, card: int, card_id: str, long_name: str, codec: str, *, capture: bool = True) -> None:
    """An HDA sound card with an analog PCM (playback, and capture when `capture`) and an HDMI output."""
    card_dir = tree.class_device("sound", f"card{card}", pci_device, id=card_id, number=card)
    tree.class_device("sound", f"controlC{card}", card_dir, subdir=".")
    tree.class_device("sound", f"pcmC{card}D0p", card_dir, subdir=".", pcm_class="generic")
    if capture:
        tree.class_device("sound", f"pcmC{card}D0c", card_dir, subdir=".", pcm_class="generic")
    tree.class_device("sound", f"pcmC{card}D3p", card_dir, subdir=".", pcm_class="hdmi")
    tree.write(
        "/proc/asound/cards",
        f"{card:2d} [{card_id:<15s}]: HDA-Intel - {long_name}\n                      {long_name} at 0x6001118000 irq 147\n",
    )
    pcm = f"{card:02d}-00: {codec} Analog : {codec} Analog : playback 1" + (" : capture 1\n" if capture else "\n")
    pcm += f"{card:02d}-03: HDMI 0 : HDMI 0 : playback 1\n"
    tree.write("/proc/asound/pcm", pcm)
    if capture:
        tree.write(
            f"/proc/asound/card{card}/pcm0c/info",
            f"card: {card}\ndevice: 0\nsubdevice: 0\nstream: CAPTURE\nid: {codec} Analog\nname: {codec} Analog\nsubname: subdevice #0\nclass: 0\nsubclass: 0\nsubdevices_count: 1\nsubdevices_avail: 1\n",
        )
    tree.link(f"/proc/asound/{card_id}", f"/proc/asound/card{card}")


# ---------------------------------------------------------------------------
# Machines


def build_laptop(tmp: Path | str) -> Path:
    """A Lenovo ThinkPad T14 Gen 2i on Ubuntu: Intel CPU, ME, Wi-Fi, Bluetooth, NFC, webcam, LTE modem with GNSS, NVMe, TPM 2.0."""
    tree = Tree(tmp)
    _common(tree, hostname="t14-alice", os_release=_OS_UBUNTU, machine_id="4f1c2a9e3b7d4c0e8a6b5d3c2e1f0a9b")
    tree.cpuinfo_x86("GenuineIntel", "11th Gen Intel(R) Core(TM) i7-1165G7 @ 2.80GHz", family=6, model=140, sockets=1, cores=4, threads=2, flags="vmx smx est tm2 ssse3 aes avx2")
    tree.dmi(
        sys_vendor="LENOVO",
        product_name="20W0005QGE",
        product_version="ThinkPad T14 Gen 2i",
        product_family="ThinkPad T14 Gen 2i",
        product_sku="LENOVO_MT_20W0_BU_Think_FM_ThinkPad T14 Gen 2i",
        board_vendor="LENOVO",
        board_name="20W0005QGE",
        board_version="SDK0J40697 WIN",
        chassis_vendor="LENOVO",
        chassis_type="10",
        bios_vendor="LENOVO",
        bios_version="N34ET58W (1.58 )",
        bios_date="06/20/2023",
        bios_release="1.58",
        ec_firmware_release="1.30",
    )
    tree.write("/sys/devices/virtual/dmi/id/product_serial", "PF3ABCDE\n")
    os.chmod(tree.real("/sys/devices/virtual/dmi/id/product_serial"), 0o400)

    lenovo = (0x17AA, 0x22D8)
    tree.pci("0000:00:00.0", 0x8086, 0x9A14, 0x060000, subsystem=lenovo, revision=0x01, driver="igen6_edac")
    tree.pci("0000:00:02.0", 0x8086, 0x9A49, 0x030000, subsystem=lenovo, revision=0x01, driver="i915")
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA0ED, 0x0C0330, subsystem=lenovo, revision=0x20, driver="xhci_hcd", module="xhci_pci", wakeup="enabled")
    wifi = tree.pci("0000:00:14.3", 0x8086, 0xA0F0, 0x028000, subsystem=(0x8086, 0x0070), revision=0x20, driver="iwlwifi", wakeup="disabled")
    i2c = tree.pci("0000:00:15.1", 0x8086, 0xA0E9, 0x0C8000, subsystem=lenovo, revision=0x20, driver="intel-lpss", module="intel_lpss_pci")
    mei = tree.pci("0000:00:16.0", 0x8086, 0xA0E0, 0x078000, subsystem=lenovo, revision=0x20, driver="mei_me")
    root_port = tree.pci("0000:00:1c.0", 0x8086, 0xA0BC, 0x060400, subsystem=lenovo, revision=0x20, driver="pcieport", module="pcieportdrv")
    tree.pci("0000:00:1f.0", 0x8086, 0xA082, 0x060100, subsystem=lenovo, revision=0x20)
    audio = tree.pci("0000:00:1f.3", 0x8086, 0xA0C8, 0x040380, subsystem=lenovo, revision=0x20, driver="snd_hda_intel")
    tree.pci("0000:00:1f.4", 0x8086, 0xA0A3, 0x0C0500, subsystem=lenovo, revision=0x20, driver="i801_smbus", module="i2c_i801")
    ethernet = tree.pci("0000:00:1f.6", 0x8086, 0x15FC, 0x020000, subsystem=lenovo, revision=0x20, driver="e1000e", wakeup="enabled")
    nvme = tree.pci("0000:04:00.0", 0x144D, 0xA80A, 0x010802, subsystem=(0x144D, 0xA801), revision=0x00, driver="nvme", parent=root_port)

    # Wi-Fi (Intel AX201) with its phy and rfkill switch.
    phy = tree.class_device("ieee80211", "phy0", wifi, index=0, name="phy0", macaddress="a0:e7:0b:12:34:56")
    tree.rfkill(phy, 1, "wlan", "phy0")
    tree.net(wifi, "wlp0s20f3", "a0:e7:0b:12:34:56", devtype="wlan", wireless="phy0")
    tree.net(ethernet, "enp0s31f6", "54:05:db:aa:bb:cc")

    # USB: webcam, Bluetooth, LTE modem with a GNSS (NMEA) port.
    usb1, _usb2 = _usb_host(tree, xhci, 1, 2)
    camera = tree.usb_device(usb1, "1-4", 0x04F2, 0xB6EA, manufacturer="Chicony Electronics Co.,Ltd.", product_name="Integrated Camera", serial="0001", device_class=0xEF, bcd_device="0017")
    video_if = tree.usb_interface(camera, 0, 0x0E, 0x01, 0x00, driver="uvcvideo", interface="Integrated Camera")
    tree.usb_interface(camera, 1, 0x0E, 0x02, 0x00, driver="uvcvideo")
    tree.class_device("video4linux", "video0", video_if, name="Integrated Camera: Integrated C", index=0, dev="81:0")
    tree.class_device("video4linux", "video1", video_if, name="Integrated Camera: Integrated C", index=1, dev="81:1")

    bluetooth = tree.usb_device(usb1, "1-10", 0x8087, 0x0026, device_class=0xE0, bcd_device="0002", speed=12)
    bt_if = tree.usb_interface(bluetooth, 0, 0xE0, 0x01, 0x01, driver="btusb")
    tree.usb_interface(bluetooth, 1, 0xE0, 0x01, 0x01, driver="btusb")
    hci = tree.class_device("bluetooth", "hci0", bt_if, address="a0:e7:0b:12:34:5a", name="hci0")
    tree.rfkill(hci, 0, "bluetooth", "hci0")

    modem = tree.usb_device(usb1, "1-3", 0x2C7C, 0x0125, manufacturer="Quectel", product_name="EM05", serial="a1b2c3d4", device_class=0xEF, bcd_device="0318")
    for number, protocol in ((0, 0xFF), (1, 0x00), (2, 0x00), (3, 0x00)):
        port = tree.usb_interface(modem, number, 0xFF, 0xFF if number == 0 else 0x00, protocol, driver="option", module="option")
        tree.tty(port, f"ttyUSB{number}")
    qmi_if = tree.usb_interface(modem, 4, 0xFF, 0xFF, 0xFF, driver="qmi_wwan")
    tree.net(qmi_if, "wwan0", "00:00:00:00:00:00", devtype="wwan", arp_type=65534)
    tree.class_device("usbmisc", "cdc-wdm0", qmi_if, dev="180:0")
    wwan_dev = tree.class_device("wwan", "wwan0", qmi_if)
    tree.class_device("wwan", "wwan0qmi0", wwan_dev, subdir=".", type="QMI")
    tree.write("/usr/lib/udev/rules.d/77-mm-quectel-port-types.rules", _MM_QUECTEL_RULES)
    # The platform's WWAN kill switch (thinkpad_acpi) is on: the modem radio is blocked.
    tree.attrs("/sys/devices/platform/thinkpad_acpi", modalias="platform:thinkpad_acpi")
    tree.rfkill("/sys/devices/platform/thinkpad_acpi", 2, "wwan", "tpacpi_wwan_sw", soft=1)

    # NFC (NXP NPC100 on I2C).
    designware = tree.attrs(f"{i2c}/i2c_designware.1", modalias="platform:i2c_designware")
    tree.link(f"{designware}/subsystem", "/sys/bus/platform")
    nfc_parent = tree.attrs(f"{designware}/i2c-1/i2c-NXP1001:00", name="NXP1001:00", modalias="acpi:NXP1001:NXP1001:")
    tree.link(f"{nfc_parent}/subsystem", "/sys/bus/i2c")
    tree.driver("i2c", "nxp-nci_i2c", nfc_parent, "nxp_nci_i2c")
    nfc = tree.class_device("nfc", "nfc0", nfc_parent, name="nfc0")
    tree.rfkill(nfc, 3, "nfc", "nfc0")

    # Sound: HDA with an analog capture PCM (the internal microphone).
    _hda_sound(tree, audio, 0, "PCH", "HDA Intel PCH", "ALC257")

    # Intel CSME with its MEI bus clients (MKHI, AMTHI).
    tree.class_device(
        "mei",
        "mei0",
        mei,
        fw_ver="0:15.0.22.1644\n0:15.0.22.1644\n0:15.0.22.1644",
        fw_status="94000245\n09F10506\n00000020\n00004000\n00041F03\nC7E003CB",
        hbm_ver="2.2",
        hbm_ver_drv="2.2",
        dev_state="ENABLED",
        kind="mei",
        trc="00000889",
        dev="238:0",
    )
    for uuid in ("8e6a6715-9abc-4043-88ef-9e39c6f63e0f", "12f80028-b4b7-4b2d-aca8-46e0ff65814c", "05b79a6f-4628-4d7f-899d-a91514cb32ab"):
        client = tree.attrs(f"{mei}/0000:00:16.0-{uuid}", uuid=uuid, version=1, modalias=f"mei::{uuid}:01:")
        tree.link(f"/sys/bus/mei/devices/0000:00:16.0-{uuid}", client)
    tree.chardev("/dev/mei0", 238, 0)

    # NVMe SSD (Samsung PM9A1) with a namespace behind the multipath subsystem.
    ctrl = tree.class_device("nvme", "nvme0", nvme, model="SAMSUNG MZVL2512HCJQ-00BL7", serial="S64KNX0R812345", firmware_rev="GXA7401Q", transport="pcie", address="0000:04:00.0", state="live")
    namespace = tree.attrs("/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1", size=1000215216, wwid="eui.002538b911b2a7f1")
    tree.link(f"{namespace}/device", "/sys/devices/virtual/nvme-subsystem/nvme-subsys0")
    tree.link("/sys/block/nvme0n1", namespace)
    tree.link(f"{ctrl}/nvme0n1", namespace)

    # TPM 2.0 (firmware TPM, CRB interface).
    acpi_tpm = tree.attrs("/sys/devices/LNXSYSTM:00/LNXSYBUS:00/MSFT0101:00", hid="MSFT0101", path="\\_SB_.TPM_", description="TPM 2.0 Device")
    tree.driver("platform", "tpm_crb", acpi_tpm)
    tree.class_device("tpm", "tpm0", acpi_tpm, tpm_version_major=2, dev="10:224")
    tree.chardev("/dev/tpm0", 10, 224)

    # Firmware the loaded drivers may request, and what /lib/firmware holds of it.
    tree.modules("iwlmvm", "iwlwifi", "btusb", "btintel", "e1000e", "i915", "mei_me", "snd_hda_intel", "qmi_wwan", "option", "uvcvideo", "nvme", "tpm_crb", "nxp_nci_i2c")
    tree.kernel_module(KERNEL, "kernel/drivers/net/wireless/intel/iwlwifi/iwlwifi.ko", ["iwlwifi-QuZ-a0-hr-b0-77.ucode", "iwlwifi-so-a0-gf-a0-86.ucode", "iwlwifi-ty-a0-gf-a0.pnvm"])
    tree.kernel_module(KERNEL, "kernel/drivers/gpu/drm/i915/i915.ko", ["i915/tgl_dmc_ver2_12.bin", "i915/tgl_guc_70.bin", "i915/tgl_huc.bin"])
    tree.kernel_module(KERNEL, "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko", [])
    for name in ("iwlwifi-QuZ-a0-hr-b0-77.ucode.zst", "i915/tgl_dmc_ver2_12.bin.zst", "i915/tgl_guc_70.bin.zst"):
        tree.write(f"/lib/firmware/{name}", b"\x28\xb5\x2f\xfd" + bytes(60))

    tree.dpkg(
        [
            _package("base-files", "13ubuntu10.1", UBUNTU, section="admin", description="Debian base system miscellaneous files"),
            _package("openssh-server", "1:9.6p1-3ubuntu13.5", UBUNTU, section="net", homepage="https://www.openssh.com/"),
            _package("modemmanager", "1.23.4-0ubuntu2", UBUNTU, section="net", homepage="https://www.freedesktop.org/wiki/Software/ModemManager/"),
            _package("linux-firmware", "20240318.git3b128b60-0ubuntu2.5", UBUNTU, section="misc", arch="all"),
            _package("intel-microcode", "3.20240910.0ubuntu0.24.04.1", UBUNTU, section="non-free/admin"),
            _package("fwupd", "1.9.24-1~24.04.1", UBUNTU, section="admin", homepage="https://fwupd.org"),
            _package("cheese", "44.1-1build1", UBUNTU, section="gnome", homepage="https://wiki.gnome.org/Apps/Cheese"),
            _package("zoom", "6.2.5.2440", "Zoom Video Communications, Inc. <linux@zoom.us>", section="default", homepage="https://www.zoom.us"),
        ]
    )
    return tree.root


def build_server(tmp: Path | str) -> Path:
    """A Supermicro 2-socket server on Debian: ASPEED BMC with IPMI, Intel/Broadcom/Mellanox NICs, LSI MegaRAID, TPM 1.2."""
    tree = Tree(tmp)
    _common(tree, hostname="db-07", os_release=_OS_DEBIAN, machine_id="9a8b7c6d5e4f30211203f4e5d6c7b8a9")
    tree.cpuinfo_x86("GenuineIntel", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", family=6, model=106, sockets=2, cores=4, threads=2, flags="vmx smx avx512f")
    tree.dmi(
        sys_vendor="Supermicro",
        product_name="SYS-120U-TNR",
        product_version="0123456789",
        board_vendor="Supermicro",
        board_name="X12DPU-6",
        board_version="1.01",
        chassis_vendor="Supermicro",
        chassis_type="23",
        bios_vendor="American Megatrends International, LLC.",
        bios_version="1.4b",
        bios_date="05/18/2023",
        bios_release="5.22",
    )
    smc = (0x15D9, 0x1B64)
    tree.pci("0000:00:00.0", 0x8086, 0x09A2, 0x088000, subsystem=smc, revision=0x04)
    xhci = tree.pci("0000:00:14.0", 0x8086, 0xA1AF, 0x0C0330, subsystem=smc, revision=0x09, driver="xhci_hcd", module="xhci_pci")
    tree.pci("0000:00:16.0", 0x8086, 0xA1BA, 0x078000, subsystem=smc, revision=0x09)
    tree.pci("0000:00:1f.0", 0x8086, 0xA1CB, 0x060100, subsystem=smc, revision=0x09)
    lpc_port = tree.pci("0000:00:1c.0", 0x8086, 0xA190, 0x060400, subsystem=smc, revision=0xF9, driver="pcieport", module="pcieportdrv")
    aspeed_bridge = tree.pci("0000:02:00.0", 0x1A03, 0x1150, 0x060400, subsystem=(0x1A03, 0x1150), revision=0x04, parent=lpc_port)
    tree.pci("0000:03:00.0", 0x1A03, 0x2000, 0x030000, subsystem=smc, revision=0x41, driver="ast", parent=aspeed_bridge)
    x710 = tree.pci("0000:18:00.0", 0x8086, 0x1572, 0x020000, subsystem=(0x8086, 0x0006), revision=0x02, driver="i40e", wakeup="enabled")
    bcm = tree.pci("0000:19:00.0", 0x14E4, 0x16D8, 0x020000, subsystem=(0x14E4, 0x4163), revision=0x01, driver="bnxt_en", wakeup="disabled")
    mlx = tree.pci("0000:5e:00.0", 0x15B3, 0x1017, 0x020000, subsystem=(0x15B3, 0x0007), revision=0x00, driver="mlx5_core", wakeup="disabled")
    raid = tree.pci("0000:3b:00.0", 0x1000, 0x005D, 0x010400, subsystem=(0x1000, 0x9361), revision=0x02, driver="megaraid_sas")
    tree.net(x710, "eno1", "3c:ec:ef:01:02:03")
    tree.net(bcm, "ens2f0np0", "00:0a:f7:aa:bb:01")
    tree.net(mlx, "ens3f0np0", "b8:59:9f:11:22:33")
    usb1, _ = _usb_host(tree, xhci, 1, 2)
    # The BMC's virtual keyboard and mouse for the remote console.
    kvm = tree.usb_device(usb1, "1-5", 0x0557, 0x2419, manufacturer="no manufacturer", product_name="Virtual Keyboard and Mouse", device_class=0, speed=12)
    tree.usb_interface(kvm, 0, 0x03, 0x01, 0x01, driver="usbhid")

    # The RAID volume.
    host = tree.attrs(f"{raid}/host0/target0:2:0/0:2:0:0", vendor="AVAGO   ", model="MR9361-8i       ", rev="4.68", wwid="naa.600605b00e1f22c02a4c37d01f9a4c2e", type=0)
    disk = tree.class_device("block", "sda", host, size=7812939776)
    tree.link("/sys/block/sda", disk)

    # IPMI: KCS interface from ACPI (IPI0001), its BMC device, the device node and SMBIOS type 38.
    si = tree.attrs("/sys/devices/platform/IPI0001:00", modalias="acpi:IPI0001:", type="kcs")
    tree.driver("platform", "ipmi_si", si)
    tree.link("/sys/bus/platform/devices/IPI0001:00", si)
    bmc = tree.attrs(
        "/sys/devices/platform/ipmi_bmc.0",
        device_id="0x20",
        revision="1",
        firmware_revision="1.73",
        ipmi_version="2.0",
        manufacturer_id="0x002a7c",
        product_id="0x1b64",
        aux_firmware_revision="0x00 0x00 0x00 0x00",
        guid="4c4c4544-0037-3310-8052-c4c04f4a4d33",
    )
    tree.link("/sys/bus/platform/devices/ipmi_bmc.0", bmc)
    tree.link(f"{si}/bmc", bmc)
    tree.class_device("ipmi", "ipmi0", si, dev="239:0")
    tree.chardev("/dev/ipmi0", 239, 0)
    # SMBIOS type 38: KCS, IPMI 2.0, slave 0x20, I/O base 0xca2.
    tree.write("/sys/firmware/dmi/entries/38-0/raw", bytes([38, 0x12, 0x26, 0x00, 0x01, 0x20, 0x20, 0xFF, 0xA3, 0x0C, 0, 0, 0, 0, 0, 0, 0x00, 0x00]) + b"\x00\x00")
    tree.write("/sys/firmware/dmi/entries/38-0/type", "38\n")

    # TPM 1.2 (Infineon) on LPC.
    pnp = tree.attrs("/sys/devices/pnp0/00:0a", id="IFX0102\nPNP0c31", options="")
    tree.driver("pnp", "tpm_tis", pnp)
    tree.write(f"{pnp}/caps", "Manufacturer: 0x49465800\nTCG version: 1.2\nFirmware version: 6.40\n")
    tree.class_device("tpm", "tpm0", pnp, dev="10:224")

    tree.modules("i40e", "bnxt_en", "mlx5_core", "megaraid_sas", "ast", "ipmi_si", "ipmi_devintf", "ipmi_msghandler", "tpm_tis")
    tree.kernel_module(KERNEL, "kernel/drivers/net/ethernet/broadcom/bnxt/bnxt_en.ko", [])
    tree.kernel_module(KERNEL, "kernel/drivers/net/ethernet/intel/i40e/i40e.ko", [])
    tree.dpkg(
        [
            _package("base-files", "12.4+deb12u7", "Santiago Vila <sanvila@debian.org>", section="admin"),
            _package("openssh-server", "1:9.2p1-2+deb12u3", "Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>", section="net", homepage="https://www.openssh.com/"),
            _package("ipmitool", "1.8.19-4+deb12u2", "Jörg Frings-Fürst <debian@jff.email>", section="utils", homepage="https://github.com/ipmitool/ipmitool"),
            _package("freeipmi-tools", "1.6.10-1", "Debian FreeIPMI Maintainers <pkg-freeipmi-devel@lists.alioth.debian.org>", section="admin", homepage="https://www.gnu.org/software/freeipmi/"),
            _package("postgresql-15", "15.8-0+deb12u1", "Debian PostgreSQL Maintainers <team+postgresql@tracker.debian.org>", section="database", homepage="http://www.postgresql.org/"),
            _package("firmware-bnx2x", "20230210-5", DEBIAN_KERNEL, section="non-free-firmware/kernel", arch="all"),
        ]
    )
    return tree.root


def build_chinese_platform(tmp: Path | str) -> Path:
    """A Lenovo KaiTian desktop on Kylin V10: Zhaoxin CPU, Motorcomm and Wangxun NICs, YMTC SSD, Quectel 5G modem with NMEA."""
    tree = Tree(tmp)
    _common(tree, hostname="kylin-pc", os_release=_OS_KYLIN, machine_id="0c1d2e3f405162738495a6b7c8d9eaf0")
    tree.cpuinfo_x86("  Shanghai  ", "ZHAOXIN KaiXian KX-U6780A@2.7GHz", family=7, model=59, sockets=1, cores=8, threads=1, flags="sm2 sm3 sm4 rng rng_en ace ace_en")
    tree.dmi(
        sys_vendor="Lenovo",
        product_name="KaiTian M740Z",
        product_version="KaiTian M740Z-D095",
        board_vendor="LENOVO",
        board_name="KX-U6780A-ZHAOXIN",
        board_version="SDK0J40700 WIN",
        chassis_vendor="Lenovo",
        chassis_type="3",
        bios_vendor="Byosoft",
        bios_version="M3EKT25A",
        bios_date="08/12/2022",
    )
    zx = (0x1D17, 0x3001)
    tree.pci("0000:00:00.0", 0x1D17, 0x1003, 0x060000, subsystem=zx, revision=0x00)
    tree.pci("0000:00:01.0", 0x1D17, 0x3A03, 0x030000, subsystem=zx, revision=0x03, driver="zx", module="zx")
    xhci = tree.pci("0000:00:12.0", 0x1D17, 0x9202, 0x0C0330, subsystem=zx, revision=0x01, driver="xhci_hcd", module="xhci_pci")
    audio = tree.pci("0000:00:14.0", 0x1D17, 0x3288, 0x040300, subsystem=zx, revision=0x10, driver="snd_hda_intel")
    port1 = tree.pci("0000:00:03.0", 0x1D17, 0x071F, 0x060400, subsystem=zx, revision=0x00, driver="pcieport", module="pcieportdrv")
    port2 = tree.pci("0000:00:04.0", 0x1D17, 0x0720, 0x060400, subsystem=zx, revision=0x00, driver="pcieport", module="pcieportdrv")
    port3 = tree.pci("0000:00:05.0", 0x1D17, 0x0721, 0x060400, subsystem=zx, revision=0x00, driver="pcieport", module="pcieportdrv")
    port4 = tree.pci("0000:00:06.0", 0x1D17, 0x0722, 0x060400, subsystem=zx, revision=0x00, driver="pcieport", module="pcieportdrv")
    ssd = tree.pci("0000:01:00.0", 0x1E49, 0x0071, 0x010802, subsystem=(0x1E49, 0x0071), revision=0x01, driver="nvme", parent=port1)
    motorcomm = tree.pci("0000:02:00.0", 0x1F0A, 0x6801, 0x020000, subsystem=(0x17AA, 0x3A24), revision=0x01, driver="yt6801", parent=port2, wakeup="enabled")
    wangxun = tree.pci("0000:03:00.0", 0x8088, 0x0103, 0x020000, subsystem=(0x8088, 0x0103), revision=0x01, driver="ngbe", parent=port3, wakeup="disabled")
    modem = tree.pci("0000:04:00.0", 0x1EAC, 0x1001, 0x0D4000, subsystem=(0x1EAC, 0x2000), revision=0x00, driver="mhi-pci-generic", module="mhi_pci_generic", parent=port4)
    tree.net(motorcomm, "enp2s0", "d4:6a:91:01:02:03")
    tree.net(wangxun, "enp3s0", "00:e0:4c:aa:bb:cc")

    # Quectel EM120R-GL on MHI: the wwan framework exposes its ports, one of them NMEA.
    mhi = tree.attrs(f"{modem}/mhi0", serial_number="Serial Number: 0", oem_pk_hash="")
    wwan = tree.class_device("wwan", "wwan0", mhi)
    for port, kind in (("wwan0at0", "AT"), ("wwan0mbim0", "MBIM"), ("wwan0qcdm0", "QCDM"), ("wwan0nmea0", "NMEA")):
        tree.class_device("wwan", port, wwan, subdir=".", type=kind)
    tree.net(f"{mhi}/mhi0_IP_HW0", "wwan0mhi0", "00:00:00:00:00:00", devtype="wwan", arp_type=65534)

    usb1, _ = _usb_host(tree, xhci, 1, 2)
    keyboard = tree.usb_device(usb1, "1-2", 0x17EF, 0x608D, manufacturer="Lenovo", product_name="Lenovo Calliope USB Keyboard", speed=12)
    tree.usb_interface(keyboard, 0, 0x03, 0x01, 0x01, driver="usbhid")
    # An external webcam with a microphone (USB audio class).
    cam = tree.usb_device(usb1, "1-3", 0x1BCF, 0x2284, manufacturer="Sunplus IT Co ", product_name="HD Webcam", device_class=0xEF)
    cam_video = tree.usb_interface(cam, 0, 0x0E, 0x01, 0x00, driver="uvcvideo")
    tree.usb_interface(cam, 1, 0x0E, 0x02, 0x00, driver="uvcvideo")
    cam_audio = tree.usb_interface(cam, 2, 0x01, 0x01, 0x00, driver="snd-usb-audio", module="snd_usb_audio")
    tree.usb_interface(cam, 3, 0x01, 0x02, 0x00, driver="snd-usb-audio", module="snd_usb_audio")
    tree.class_device("video4linux", "video0", cam_video, name="HD Webcam: HD Webcam", index=0)

    # Sound: the chipset's HDA without capture, and the webcam's USB microphone.
    _hda_sound(tree, audio, 0, "Generic", "HD-Audio Generic", "ALC897", capture=False)
    usb_card = tree.class_device("sound", "card1", cam_audio, id="Webcam", number=1)
    tree.class_device("sound", "pcmC1D0c", usb_card, subdir=".", pcm_class="generic")
    with open(tree.real("/proc/asound/cards"), "a", encoding="utf-8") as cards:
        cards.write(" 1 [Webcam         ]: USB-Audio - HD Webcam\n                      Sunplus IT Co HD Webcam at usb-0000:00:12.0-3, high speed\n")
    with open(tree.real("/proc/asound/pcm"), "a", encoding="utf-8") as pcm:
        pcm.write("01-00: USB Audio : USB Audio : capture 1\n")

    ctrl = tree.class_device("nvme", "nvme0", ssd, model="ZHITAI TiPro7000 1TB", serial="ZTA21T0KA2313007HC", firmware_rev="ZTA32F3Y", transport="pcie", state="live")
    namespace = tree.attrs(f"{ctrl}/nvme0n1", size=2000409264, wwid="eui.6479a776a0c00041")
    tree.link(f"{namespace}/device", ctrl)
    tree.link("/sys/block/nvme0n1", namespace)

    tree.modules("yt6801", "ngbe", "mhi_pci_generic", "mhi_wwan_ctrl", "mhi_wwan_mbim", "zx", "nvme", "uvcvideo", "snd_usb_audio")
    tree.dpkg(
        [
            _package("base-files", "11ubuntu5.6kylin4", "Kylin Team <team+kylin@tracker.debian.org>", section="admin"),
            _package("kylin-os-installer", "1.2.1.3-0k0.32", "Kylin Team <team+kylin@tracker.debian.org>", section="admin", homepage="http://www.kylinos.cn/"),
            _package("kylin-software-center", "2.0.1.1-0k1.5", "Kylin Team <team+kylin@tracker.debian.org>", section="utils", homepage="http://www.kylinos.cn/"),
            _package("ukui-control-center", "3.1.1.1-0k9.4", "Kylin Team <team+kylin@tracker.debian.org>", section="x11", homepage="https://github.com/ukui/ukui-control-center"),
            _package("ukui-panel", "3.1.4.1-0k3.6", "Kylin Team <team+kylin@tracker.debian.org>", section="x11", homepage="https://github.com/ukui/ukui-panel"),
            _package("wps-office", "11.1.0.11720", "Kingsoft Office Corporation <wps_linux@kingsoft.com>", section="office", homepage="https://linux.wps.cn"),
            _package("sogoupinyin", "4.2.1.145", "Sogou Technology Inc. <ime-linux@sogou-inc.com>", section="utils", homepage="https://shurufa.sogou.com/linux"),
            _package("openssh-server", "1:8.2p1-4kylin2.14", "Kylin Team <team+kylin@tracker.debian.org>", section="net", homepage="https://www.openssh.com/"),
        ]
    )
    return tree.root
