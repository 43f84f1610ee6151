"""Package collectors on recorded trees: dpkg, rpm (SQLite database), Python, snap, flatpak, os-release."""

from __future__ import annotations

import gzip
import sqlite3
import struct

from doorwatch.collect import dpkg, flatpak, os_release, python_packages, rpm, snap


def refs(components):
    return {component.ref: component for component in components}


KYLIN_OS_RELEASE = 'NAME="Kylin Linux Desktop"\nVERSION="V10 (SP1)"\nID=kylin\nVERSION_ID="v10"\nPRETTY_NAME="Kylin V10 SP1"\nHOME_URL="https://www.kylinos.cn/"\n'

DPKG_STATUS = """\
Package: openssh-server
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 1923
Maintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>
Architecture: amd64
Multi-Arch: foreign
Source: openssh (1:8.9p1-3ubuntu0.10)
Version: 1:8.9p1-3ubuntu0.10
Depends: libc6 (>= 2.34)
Description: secure shell (SSH) server
 This is the portable version of OpenSSH.
Homepage: https://www.openssh.com/
Original-Maintainer: Debian OpenSSH Maintainers <debian-ssh@lists.debian.org>

Package: telnetd
Status: deinstall ok config-files
Maintainer: Debian QA Group <packages@qa.debian.org>
Architecture: amd64
Version: 0.17+2.4-2
Conffiles:
 /etc/inetd.conf 0123456789abcdef0123456789abcdef

Package: kylin-activation
Status: install ok installed
Maintainer: Kylin Team <kylin@kylinos.cn>
Architecture: arm64
Version: 1.3.11-0k1.0
Description: activation tool

Package: libc6
Status: install ok installed
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.35-0ubuntu3.8

Package: libc6
Status: install ok installed
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: i386
Multi-Arch: same
Source: glibc
Version: 2.35-0ubuntu3.8

Package: half-gone
Status: install ok half-configured
Maintainer: Someone <someone@example.org>
Architecture: all
Version: 1.0
"""


def test_dpkg_lists_installed_packages_only(tree):
    tree.write("/var/lib/dpkg/status", DPKG_STATUS)
    tree.write("/etc/os-release", KYLIN_OS_RELEASE)
    packages = refs(dpkg.collect(tree.machine()))
    assert set(packages) == {"deb:openssh-server", "deb:kylin-activation", "deb:libc6", "deb:libc6:i386"}
    ssh = packages["deb:openssh-server"]
    assert (ssh.kind, ssh.category, ssh.ids) == ("package", "software", {"deb": "openssh-server"})
    assert ssh.properties["version"] == "1:8.9p1-3ubuntu0.10"
    assert ssh.properties["source_package"] == "openssh"
    assert ssh.properties["original_maintainer"].startswith("Debian OpenSSH Maintainers")
    assert ssh.properties["homepage"] == "https://www.openssh.com/"
    assert ssh.properties["distribution"] == "Kylin"
    assert ssh.vendor is None and ssh.country is None
    assert packages["deb:kylin-activation"].properties["maintainer"] == "Kylin Team <kylin@kylinos.cn>"
    assert packages["deb:libc6:i386"].properties["architecture"] == "i386"


def test_dpkg_file_lists_name_the_owning_package_across_merged_usr(tree):
    tree.write("/var/lib/dpkg/info/openssh-server.list", "/.\n/usr\n/usr/sbin\n/usr/sbin/sshd\n/lib/systemd/system/ssh.service\n")
    tree.write("/var/lib/dpkg/info/bash.list", "/.\n/bin\n/bin/bash")  # no final newline
    owners = dpkg.owning_packages(tree.machine(), ["/usr/sbin/sshd", "/usr/bin/bash", "/usr/lib/systemd/system/ssh.service", "/usr/bin/absent"])
    assert owners == {"/usr/sbin/sshd": "openssh-server", "/usr/bin/bash": "bash", "/usr/lib/systemd/system/ssh.service": "openssh-server"}


def test_a_tree_without_dpkg_yields_nothing_and_notes_nothing(tree):
    tree.write("/etc/hostname", "box\n")
    machine = tree.machine()
    assert list(dpkg.collect(machine)) == [] and machine.notes == []


# Header tags and types from rpm's include/rpm/rpmtag.h.
RPM_STRING, RPM_INT32, RPM_BIN, RPM_I18NSTRING = 6, 4, 7, 9


def rpm_header(entries: list[tuple[int, int, object]]) -> bytes:
    """A header blob as rpm stores it in rpmdb.sqlite: counts, index entries, data store (all big-endian)."""
    store, index = b"", b""
    # Region tag first, as rpm writes it: HEADERIMMUTABLE (63), BIN, pointing at a 16-byte trailer.
    entries = [(63, RPM_BIN, None), *entries]
    for tag, kind, value in entries:
        if kind == RPM_INT32:
            store += b"\0" * (-len(store) % 4)
            offset, data, count = len(store), struct.pack(">i", value), 1
        elif kind == RPM_BIN:
            offset, data, count = len(store), struct.pack(">iiii", 63, RPM_BIN, -16 * len(entries), 16), 16
        else:
            offset, data, count = len(store), str(value).encode() + b"\0", 1
        store += data
        index += struct.pack(">iiii", tag, kind, offset, count)
    return struct.pack(">ii", len(entries), len(store)) + index + store


def rpmdb(path, headers: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
        connection.executemany("INSERT INTO Packages (blob) VALUES (?)", [(header,) for header in headers])
    connection.close()


def test_rpm_sqlite_database_is_read_without_the_rpm_command(tree):
    tree.write("/etc/os-release", 'NAME="openEuler"\nID="openEuler"\nVERSION_ID="22.03"\n')
    bash = rpm_header([
        (1000, RPM_STRING, "bash"), (1001, RPM_STRING, "5.1.8"), (1002, RPM_STRING, "6.oe2203"),
        (1004, RPM_I18NSTRING, "The GNU Bourne Again shell"), (1011, RPM_STRING, "openEuler"),
        (1014, RPM_STRING, "GPLv3+"), (1015, RPM_STRING, "http://openeuler.org"),
        (1020, RPM_STRING, "https://www.gnu.org/software/bash"), (1022, RPM_STRING, "aarch64"),
        (1044, RPM_STRING, "bash-5.1.8-6.oe2203.src.rpm"),
    ])
    kernel_old = rpm_header([(1000, RPM_STRING, "kernel"), (1003, RPM_INT32, 1), (1001, RPM_STRING, "5.10.0"), (1002, RPM_STRING, "60.18.0.50.oe2203"), (1022, RPM_STRING, "aarch64")])
    kernel_new = rpm_header([(1000, RPM_STRING, "kernel"), (1001, RPM_STRING, "5.10.0"), (1002, RPM_STRING, "153.12.0.92.oe2203"), (1022, RPM_STRING, "aarch64")])
    rpmdb(tree.root / "var/lib/rpm/rpmdb.sqlite", [bash, kernel_old, kernel_new, b"\x00\x01"])
    machine = tree.machine()
    packages = refs(rpm.collect(machine))
    assert set(packages) == {"rpm:bash", "rpm:kernel", "rpm:kernel-5.10.0-153.12.0.92.oe2203.aarch64"}
    bash_package = packages["rpm:bash"]
    assert bash_package.ids == {"rpm": "bash"}
    assert bash_package.properties == {
        "version": "5.1.8-6.oe2203",
        "architecture": "aarch64",
        "vendor_name": "openEuler",
        "maintainer": "http://openeuler.org",
        "homepage": "https://www.gnu.org/software/bash",
        "license": "GPLv3+",
        "summary": "The GNU Bourne Again shell",
        "source_package": "bash",
        "distribution": "openEuler",
    }
    assert packages["rpm:kernel"].properties["version"] == "1:5.10.0-60.18.0.50.oe2203"
    assert [note.message for note in machine.notes] == ["package header 4 unreadable: header too short"]
    # Read-only, immutable: nothing written beside a recorded tree's database.
    assert sorted(path.name for path in (tree.root / "var/lib/rpm").iterdir()) == ["rpmdb.sqlite"]


def test_old_berkeley_db_rpm_database_is_noted(tree):
    tree.write("/var/lib/rpm/Packages", b"\x00\x06\x15\x61" + b"\0" * 60)
    machine = tree.machine()
    assert list(rpm.collect(machine)) == []
    assert machine.notes[0].path == "/var/lib/rpm/Packages" and "Berkeley DB" in machine.notes[0].message


def test_corrupt_rpm_sqlite_is_a_note_not_a_crash(tree):
    tree.write("/usr/lib/sysimage/rpm/rpmdb.sqlite", b"this is not sqlite" * 100)
    machine = tree.machine()
    assert list(rpm.collect(machine)) == []
    assert "unreadable rpm database" in machine.notes[0].message


def test_python_distributions_in_system_site_and_dist_packages(tree):
    tree.write(
        "/usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.28.1\nSummary: Python HTTP for Humans.\nHome-page: https://requests.readthedocs.io\nAuthor: Kenneth Reitz\nLicense: Apache 2.0\n\nLong description.\n",
    )
    tree.write(
        "/usr/local/lib/python3.11/site-packages/Paddle_Lite-2.12.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: Paddle_Lite\nVersion: 2.12\nAuthor-email: PaddlePaddle <paddle-dev@baidu.com>\nProject-URL: Source, https://github.com/PaddlePaddle/Paddle-Lite\n",
    )
    tree.write("/usr/lib/python3/dist-packages/six-1.16.0.egg-info", "Metadata-Version: 1.1\nName: six\nVersion: 1.16.0\nAuthor: Benjamin Peterson\n")
    tree.write("/usr/lib/python3/dist-packages/requests/__init__.py", "")
    packages = refs(python_packages.collect(tree.machine()))
    assert set(packages) == {"pypi:requests", "pypi:paddle-lite", "pypi:six"}
    assert packages["pypi:requests"].properties["homepage"] == "https://requests.readthedocs.io"
    assert packages["pypi:requests"].properties["install_path"] == "/usr/lib/python3/dist-packages"
    paddle = packages["pypi:paddle-lite"]
    assert paddle.name == "Paddle_Lite" and paddle.ids == {"pypi": "paddle-lite"}
    assert paddle.properties["maintainer"] == "PaddlePaddle <paddle-dev@baidu.com>"
    assert paddle.properties["homepage"] == "https://github.com/PaddlePaddle/Paddle-Lite"
    assert packages["pypi:six"].properties["version"] == "1.16.0"


def test_snaps_mounted_and_not(tree):
    tree.write("/var/lib/snapd/snaps/firefox_4793.snap", b"hsqs")
    tree.write("/var/lib/snapd/snaps/wechat-uos_12.snap", b"hsqs")
    tree.write("/snap/firefox/4793/meta/snap.yaml", "name: firefox\nversion: 124.0.1-1\nsummary: Mozilla Firefox web browser\narchitectures:\n  - amd64\nconfinement: strict\ntype: app\n")
    tree.link("/snap/firefox/current", "4793")
    tree.write("/snap/bin/firefox", "")
    snaps = refs(snap.collect(tree.machine()))
    assert set(snaps) == {"snap:firefox", "snap:wechat-uos"}
    assert snaps["snap:firefox"].properties["version"] == "124.0.1-1"
    assert snaps["snap:firefox"].properties["revision"] == "4793"
    assert snaps["snap:firefox"].properties["install_path"] == "/snap/firefox/current"
    assert snaps["snap:wechat-uos"].ids == {"snap": "wechat-uos"} and snaps["snap:wechat-uos"].properties["revision"] == "12"


def test_flatpak_app_with_metainfo_developer(tree):
    base = "/var/lib/flatpak/app/com.qq.QQ"
    tree.link(f"{base}/current", "x86_64/stable")
    tree.link(f"{base}/x86_64/stable/active", "6f1e3c")
    tree.write(f"{base}/x86_64/stable/6f1e3c/metadata", "[Application]\nname=com.qq.QQ\nruntime=org.freedesktop.Platform/x86_64/23.08\ncommand=qq\n\n[Context]\nshared=network;ipc;\n")
    tree.write(
        f"{base}/x86_64/stable/6f1e3c/files/share/metainfo/com.qq.QQ.metainfo.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n<component type="desktop-application">\n  <id>com.qq.QQ</id>\n  <name>QQ</name>\n'
        '  <developer id="com.tencent"><name>Tencent</name></developer>\n  <url type="homepage">https://im.qq.com/</url>\n'
        '  <releases><release version="3.2.9" date="2024-06-01"/></releases>\n</component>\n',
    )
    apps = refs(flatpak.collect(tree.machine()))
    qq = apps["flatpak:com.qq.QQ"]
    assert qq.ids == {"flatpak": "com.qq.QQ"}
    assert qq.properties["publisher"] == "Tencent" and qq.properties["version"] == "3.2.9"
    assert qq.properties["architecture"] == "x86_64" and qq.properties["branch"] == "stable"
    assert qq.properties["runtime"] == "org.freedesktop.Platform/x86_64/23.08"


def test_os_release_names_the_distribution(tree):
    tree.write("/usr/lib/os-release", 'NAME="UOS"\nID=uos\nVERSION_ID="20"\nPRETTY_NAME="UnionTech OS Desktop 20 Pro"\n')
    machine = tree.machine()
    (system,) = os_release.collect(machine)
    assert system.ref == "os:uos" and system.name == "UnionTech OS Desktop 20 Pro"
    assert system.properties["distribution"] == "UOS" and system.properties["version"] == "20"
    assert os_release.distribution(machine) == "UOS"


def test_flatpak_developer_from_the_remotes_appstream_catalogue(tree):
    base = "/var/lib/flatpak/app/com.wps.Office"
    tree.link(f"{base}/current", "x86_64/stable")
    tree.link(f"{base}/x86_64/stable/active", "0a9d")
    tree.write(f"{base}/x86_64/stable/0a9d/metadata", "[Application]\nname=com.wps.Office\nruntime=org.freedesktop.Platform/x86_64/22.08\n")
    catalogue = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<components version="0.8" origin="flathub">\n'
        '  <component type="desktop"><id>org.gimp.GIMP</id><developer_name>The GIMP team</developer_name></component>\n'
        '  <component type="desktop"><id>com.wps.Office.desktop</id><name>WPS Office</name><developer_name>Kingsoft Office Software Corporation Limited</developer_name></component>\n'
        "</components>\n"
    )
    tree.link("/var/lib/flatpak/appstream/flathub/x86_64/active", "5be1")
    tree.write("/var/lib/flatpak/appstream/flathub/x86_64/5be1/appstream.xml.gz", gzip.compress(catalogue.encode()))
    (wps,) = flatpak.collect(tree.machine())
    assert wps.ref == "flatpak:com.wps.Office"
    assert wps.properties["publisher"] == "Kingsoft Office Software Corporation Limited"
