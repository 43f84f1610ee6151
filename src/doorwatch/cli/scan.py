"""`doorwatch scan`."""

from doorwatch.cli.common import not_built


def scan() -> None:
    """Not built yet."""
    not_built("scan")
