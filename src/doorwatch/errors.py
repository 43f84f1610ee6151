"""Errors the user can act on: the command line prints them in one line and exits 2."""


class DoorwatchError(Exception):
    """Bad usage or unreadable input. The message says what is wrong and what to do."""


class PolicyError(DoorwatchError):
    """A policy file that does not validate; the message names the line."""


class StoreError(DoorwatchError):
    """The local store cannot be opened or is not a doorwatch store."""
