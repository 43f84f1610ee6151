"""`doorwatch history` and `doorwatch diff`."""

from doorwatch.cli.common import not_built


def history() -> None:
    """Not built yet."""
    not_built("history")


def diff() -> None:
    """Not built yet."""
    not_built("diff")
