"""`doorwatch audit`."""

from doorwatch.cli.common import not_built


def audit() -> None:
    """Not built yet."""
    not_built("audit")
