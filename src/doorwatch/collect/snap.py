"""Snaps: the mounted snaps' `meta/snap.yaml`, and the `.snap` files snapd keeps.

A snap whose squashfs is not mounted (a recorded tree) is still listed from its
file name, `NAME_REVISION.snap`, with what the name alone tells.
"""

from __future__ import annotations

from typing import Iterator

import yaml

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.packaging import installed_package
from doorwatch.model import Component
from doorwatch.collect.os_release import distribution

SOURCE = "snap"
ORDER = 63

SNAPS_DIR = "/var/lib/snapd/snaps"
# Debian and Ubuntu mount snaps under /snap, Fedora and Arch under /var/lib/snapd/snap.
MOUNT_DIRS = ("/snap", "/var/lib/snapd/snap")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _snap_yaml(machine: MachineRoot, name: str) -> tuple[dict, str | None]:
    """The parsed snap.yaml of a mounted snap and the directory it was read from."""
    for mount_dir in MOUNT_DIRS:
        path = f"{mount_dir}/{name}/current/meta/snap.yaml"
        text = machine.read_text(path, SOURCE)
        if text is None:
            continue
        try:
            meta = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError as err:
            machine.note(SOURCE, path, f"unreadable snap.yaml: {err}")
            return {}, None
        return (meta if isinstance(meta, dict) else {}), f"{mount_dir}/{name}/current"
    return {}, None


def _installed_names(machine: MachineRoot) -> dict[str, str | None]:
    """Snap name -> revision, from snapd's files and from the mount directories."""
    names: dict[str, str | None] = {}
    for path in machine.glob(SNAPS_DIR, "*.snap", SOURCE):
        stem = path.rsplit("/", 1)[-1][: -len(".snap")]
        name, _, revision = stem.rpartition("_")
        names[name or stem] = revision or None
    for mount_dir in MOUNT_DIRS:
        for name in machine.listdir(mount_dir, SOURCE):
            if machine.exists(f"{mount_dir}/{name}/current"):
                names.setdefault(name, None)
    return names


def collect(machine: MachineRoot) -> Iterator[Component]:
    distro = distribution(machine)
    for name, revision in sorted(_installed_names(machine).items()):
        meta, install_path = _snap_yaml(machine, name)
        properties = {
            "version": meta.get("version"),
            "revision": revision,
            "publisher": meta.get("publisher"),
            "summary": meta.get("summary"),
            "architecture": ",".join(meta["architectures"]) if isinstance(meta.get("architectures"), list) else None,
            "homepage": meta.get("website"),
            "snap_type": meta.get("type"),
            "install_path": install_path,
            "distribution": distro,
        }
        yield installed_package("snap", name, {key: str(value) for key, value in properties.items() if value}, name=str(meta.get("name") or name))
