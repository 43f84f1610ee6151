"""`doorwatch scan` on a firmware image: every finding sits on the file inside the
image that it is about, and the MIPS program's magic trigger is reported."""

from __future__ import annotations

from firmware.firmwarekit import children_by_path, scan_json


def test_scan_reports_findings_on_the_files_inside_the_image(backdoored_firmware, mips_magic):
    code, report = scan_json(backdoored_firmware.image)
    assert code == 1  # high and critical findings fail the default threshold
    [image] = report["targets"]
    assert image["type"] == "firmware"
    children = children_by_path(image)
    expected = {
        "/etc/shadow": "weak-password-hash",
        "/etc/init.d/rcS": "unauthenticated-shell",
        "/etc/ssl/private/device.key": "private-key",
        "/etc/dropbear/vendor_ed25519": "private-key",
        "/root/.ssh/authorized_keys": "authorized-key",
        "/etc/passwd": "extra-uid0-account",
    }
    for inner, finding_id in expected.items():
        assert inner in children, f"{inner} is not a child of the image"
        assert finding_id in {f["id"] for f in children[inner]["findings"]}, inner
    program = children["/usr/sbin/webd"]
    assert program["type"] == "elf" and program["arch"]
    token, number = mips_magic
    magic = {token, f"{number:#x}", str(number)}
    triggers = [f for f in program["findings"]
                if f["id"] in ("magic-value-trigger", "auth-bypass", "hardcoded-credential")
                and f["severity"] in ("high", "critical")
                and any(m.lower() in e["value"].lower() for e in f["evidence"] for m in magic)]
    assert triggers, f"no magic trigger reported on the MIPS program: {program['findings']}"


def test_scan_of_the_clean_twin_passes(clean_firmware):
    code, report = scan_json(clean_firmware.image)
    assert code == 0
    serious = [(child["path"], f["id"]) for child in children_by_path(report["targets"][0]).values()
               for f in child["findings"] if f["severity"] in ("high", "critical")]
    assert serious == []
    assert "/usr/sbin/webd" in children_by_path(report["targets"][0])


def test_root_filesystem_under_a_top_folder_of_a_gzipped_tar(tmp_path):
    import crypt
    import tarfile

    top = tmp_path / "tree" / "rootfs"
    for folder in ("etc/init.d", "bin", "sbin", "usr", "lib"):
        (top / folder).mkdir(parents=True)
    (top / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (top / "etc/shadow").write_text(f"root:{crypt.crypt('admin', crypt.mksalt(crypt.METHOD_MD5))}:19000:0:99999:7:::\n")
    (top / "etc/init.d/rcS").write_text("#!/bin/sh\ntelnetd -l /bin/sh\n")
    image = tmp_path / "update.tar.gz"
    with tarfile.open(image, "w:gz") as archive:
        archive.add(top, arcname="rootfs")
    _, report = scan_json(image)
    children = children_by_path(report["targets"][0])
    assert "weak-password-hash" in {f["id"] for f in children["/rootfs/etc/shadow"]["findings"]}
    assert "unauthenticated-shell" in {f["id"] for f in children["/rootfs/etc/init.d/rcS"]["findings"]}
