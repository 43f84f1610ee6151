"""`doorwatch pcap`."""

from doorwatch.cli.common import not_built


def pcap() -> None:
    """Not built yet."""
    not_built("pcap")
