"""Options shared by `audit` and `inventory`: which machine to read."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from doorwatch.cli.common import fail

if TYPE_CHECKING:
    from doorwatch.model import Inventory

RootOption = Annotated[
    Path | None,
    typer.Option("--root", help="Read a recorded machine: DIR is taken as '/' (DIR/sys, DIR/proc, DIR/etc, DIR/var/lib/dpkg ...).", file_okay=False),
]
ImportOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--import",
        help="Read saved output of another tool instead of this machine: lspci -nn / -vvnn, lsusb / lsusb -v, dmidecode, CycloneDX JSON or osquery JSON (recognised by content). Repeat for several files of one machine.",
        dir_okay=False,
    ),
]


# What a recorded machine has at least one of.
MACHINE_TOP_FOLDERS = ("sys", "proc", "etc", "usr", "var")


def read_machine(root: Path | None, imports: list[Path] | None) -> tuple["Inventory", dict[str, float]]:
    """The attributed inventory of the live machine, a recorded root, or imported files."""
    from doorwatch import audit as pipeline

    if root is not None and imports:
        fail("give --root or --import, not both")
    if imports:
        for path in imports:
            if not path.is_file():
                fail(f"cannot read {path}: no such file")
        return pipeline.attribute(pipeline.inventory_from_imports(imports)), {}
    if root is not None and not root.is_dir():
        fail(f"--root {root}: no such directory")
    if root is not None and not any((root / part).is_dir() for part in MACHINE_TOP_FOLDERS):
        # An audit of a wrong folder would otherwise pass with nothing in it.
        fail(f"--root {root}: no recorded machine there (none of {', '.join(f'{part}/' for part in MACHINE_TOP_FOLDERS)})")
    return pipeline.inventory(root or "/")
