"""The one shape of an installed package, whatever its package manager."""

from __future__ import annotations

from typing import Any

from doorwatch.model import Component


def installed_package(space: str, package: str, properties: dict[str, Any], *, name: str | None = None, ref: str | None = None) -> Component:
    """A `package` component with `ids[space] = package`; properties without a value are left out."""
    return Component(
        ref=ref or f"{space}:{package}",
        kind="package",
        category="software",
        name=name or package,
        ids={space: package},
        properties={key: value for key, value in properties.items() if value},
    )
