"""`doorwatch inventory`."""

from doorwatch.cli.common import not_built


def inventory() -> None:
    """Not built yet."""
    not_built("inventory")
