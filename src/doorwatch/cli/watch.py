"""`doorwatch watch`."""

from doorwatch.cli.common import not_built


def watch() -> None:
    """Not built yet."""
    not_built("watch")
