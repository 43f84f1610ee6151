"""Python distributions installed system-wide (site-packages and dist-packages).

The machine's own directories are scanned (`/usr/lib/python3*/`,
`/usr/local/lib/python3*/`), not the interpreter running doorwatch, so the live
machine and a recorded tree (`--root`) give the same answer.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageMetadata, distributions
from typing import Iterator

from doorwatch.collect.machine import MachineRoot
from doorwatch.collect.packaging import installed_package
from doorwatch.model import Component
from doorwatch.collect.os_release import distribution

SOURCE = "python"
ORDER = 62

_LIB_DIRS = ("/usr/lib", "/usr/local/lib", "/usr/lib64", "/usr/local/lib64")
_PACKAGE_DIRS = ("site-packages", "dist-packages")
_HOMEPAGE_LABELS = ("homepage", "home", "source", "repository", "source code")


def package_dirs(machine: MachineRoot) -> list[str]:
    """Machine paths of every system site-packages and dist-packages directory."""
    found = []
    for lib_dir in _LIB_DIRS:
        for python_dir in machine.glob(lib_dir, "python3*", SOURCE):
            found.extend(f"{python_dir}/{name}" for name in _PACKAGE_DIRS if machine.is_dir(f"{python_dir}/{name}"))
    return found


def normalized_name(name: str) -> str:
    """PEP 503 normalisation: `Foo_Bar.baz` and `foo-bar-baz` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _homepage(metadata: PackageMetadata) -> str | None:
    if metadata.get("Home-page"):
        return metadata["Home-page"]
    urls = {}
    for entry in metadata.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return next((urls[label] for label in _HOMEPAGE_LABELS if label in urls), next(iter(urls.values()), None))


def _maintainer(metadata: PackageMetadata) -> str | None:
    return (
        metadata.get("Maintainer")
        or metadata.get("Author")
        or metadata.get("Maintainer-email")
        or metadata.get("Author-email")
    )


def collect(machine: MachineRoot) -> Iterator[Component]:
    distro = distribution(machine)
    seen: set[str] = set()
    for machine_dir in package_dirs(machine):
        for dist in distributions(path=[str(machine.path(machine_dir))]):
            metadata = dist.metadata  # parsed anew on each access: read it once
            name = metadata.get("Name") if metadata else None
            if not name:
                continue
            key = normalized_name(name)
            if key in seen:
                continue
            seen.add(key)
            properties = {
                "version": metadata.get("Version"),
                "maintainer": _maintainer(metadata),
                "homepage": _homepage(metadata),
                "license": metadata.get("License"),
                "install_path": machine_dir,
                "distribution": distro,
            }
            yield installed_package("pypi", key, {k: v for k, v in properties.items() if v != "UNKNOWN"}, name=name)
