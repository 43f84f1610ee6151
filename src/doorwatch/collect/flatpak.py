"""Flatpak applications installed system-wide (/var/lib/flatpak/app).

Each app's deployed `metadata` (an ini file) names it and its runtime; its
AppStream metainfo names the developer and the release. For apps whose own
metainfo names no developer, the remotes' AppStream catalogues
(/var/lib/flatpak/appstream/REMOTE/ARCH/active/appstream.xml[.gz]) are read.
"""

from __future__ import annotations

import configparser
import gzip
import io
import os
import xml.etree.ElementTree as ElementTree
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.packaging import installed_package
from doorwatch.model import Component
from doorwatch.collect.os_release import distribution

SOURCE = "flatpak"
ORDER = 64

APPS_DIR = "/var/lib/flatpak/app"
APPSTREAM_DIR = "/var/lib/flatpak/appstream"
_METAINFO_DIRS = ("files/share/metainfo", "files/share/appdata")


def _metadata(machine: MachineRoot, path: str) -> dict[str, str]:
    text = machine.read_text(path, SOURCE)
    if text is None:
        return {}
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error as err:
        machine.note(SOURCE, path, f"unreadable flatpak metadata: {err}")
        return {}
    return dict(parser["Application"]) if parser.has_section("Application") else {}


def _metainfo(machine: MachineRoot, active: str, app_id: str) -> dict[str, str]:
    """Developer, version, name and homepage from the app's AppStream metainfo."""
    for directory in _METAINFO_DIRS:
        for path in machine.glob(f"{active}/{directory}", f"{app_id}*.xml", SOURCE):
            text = machine.read_text(path, SOURCE)
            try:
                root = ElementTree.fromstring(text or "")
            except ElementTree.ParseError as err:
                machine.note(SOURCE, path, f"unreadable metainfo: {err}")
                continue
            release = root.find("releases/release")
            homepage = root.find("url[@type='homepage']")
            return {
                "publisher": _text(root.find("developer/name")) or _text(root.find("developer_name")),
                "version": release.get("version") if release is not None else None,
                "homepage": _text(homepage),
                "title": _text(root.find("name")),
            }
    return {}


def appstream_developers(machine: MachineRoot, app_ids: set[str]) -> dict[str, str]:
    """App id -> developer name from the remotes' AppStream catalogues, for the ids asked only."""
    found: dict[str, str] = {}
    for remote in machine.listdir(APPSTREAM_DIR, SOURCE):
        for arch in machine.listdir(f"{APPSTREAM_DIR}/{remote}", SOURCE):
            catalogue = _catalogue(machine, f"{APPSTREAM_DIR}/{remote}/{arch}/active")
            if catalogue is None:
                continue
            try:
                for _, element in ElementTree.iterparse(catalogue):
                    if element.tag != "component":
                        continue
                    app_id = _text(element.find("id")) or ""
                    app_id = app_id.removesuffix(".desktop")
                    developer = _text(element.find("developer/name")) or _text(element.find("developer_name"))
                    if app_id in app_ids and developer:
                        found.setdefault(app_id, developer)
                    element.clear()  # catalogues hold thousands of apps: keep memory flat
            except ElementTree.ParseError as err:
                machine.note(SOURCE, f"{APPSTREAM_DIR}/{remote}/{arch}/active", f"unreadable AppStream catalogue: {err}")
    return found


def _catalogue(machine: MachineRoot, directory: str) -> io.BytesIO | None:
    data = machine.read_bytes(f"{directory}/appstream.xml.gz", SOURCE)
    if data is not None:
        try:
            return io.BytesIO(gzip.decompress(data))
        except (OSError, EOFError) as err:
            machine.note(SOURCE, f"{directory}/appstream.xml.gz", f"unreadable: {err}")
            return None
    data = machine.read_bytes(f"{directory}/appstream.xml", SOURCE)
    return io.BytesIO(data) if data is not None else None


def _text(element: ElementTree.Element | None) -> str | None:
    return element.text.strip() if element is not None and element.text else None


def collect(machine: MachineRoot) -> Iterator[Component]:
    distro = distribution(machine)
    apps = []
    for app_id in machine.listdir(APPS_DIR, SOURCE):
        try:  # "current" -> "x86_64/stable", relative to the app's directory
            target = os.readlink(machine.path(f"{APPS_DIR}/{app_id}/current"))
        except OSError:
            continue
        active = f"{APPS_DIR}/{app_id}/{target}/active"
        apps.append((app_id, target, active, _metadata(machine, f"{active}/metadata"), _metainfo(machine, active, app_id)))
    unnamed = {app_id for app_id, *_, info in apps if not info.get("publisher")}
    developers = appstream_developers(machine, unnamed) if unnamed else {}
    for app_id, target, active, metadata, info in apps:
        arch, _, branch = target.partition("/")
        properties = {
            "version": info.get("version"),
            "branch": branch or None,
            "architecture": arch or None,
            "publisher": info.get("publisher") or developers.get(app_id),
            "homepage": info.get("homepage"),
            "title": info.get("title"),
            "runtime": metadata.get("runtime"),
            "install_path": active,
            "distribution": distro,
        }
        yield installed_package("flatpak", app_id, properties, name=metadata.get("name"))
