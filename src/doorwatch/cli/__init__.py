"""The `doorwatch` command line: one Typer app; each sub-command lives in its own module."""

import os
import sys

import typer

from doorwatch import __version__
from doorwatch.cli import audit, history, inventory, kb, pcap, policy, scan, watch
from doorwatch.errors import DoorwatchError

app = typer.Typer(
    name="doorwatch",
    help=(
        "Find what may spy on you: inventory a machine and the origin of every part, check it "
        "against a policy, find backdoors in executables and firmware, and watch cameras, "
        "microphones and the network for the special signals that wake them.\n\n"
        "Exit status: 0 nothing at or above --fail-on, 1 a finding at or above it, 2 bad usage or unreadable input."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"doorwatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """doorwatch."""


app.command("audit")(audit.audit)
app.command("inventory")(inventory.inventory)
app.add_typer(kb.app, name="kb")
app.add_typer(policy.app, name="policy")
app.command("history")(history.history)
app.command("diff")(history.diff)
app.command("scan")(scan.scan)
app.command("watch")(watch.watch)
app.command("pcap")(pcap.pcap)


def main() -> None:
    """Entry point: user errors become one line and exit 2, never a traceback."""
    try:
        app()
    except DoorwatchError as err:
        print(f"doorwatch: error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("doorwatch: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as err:  # last resort: the contract forbids tracebacks
        if os.environ.get("DOORWATCH_DEBUG"):
            raise
        print(f"doorwatch: internal error: {type(err).__name__}: {err} (set DOORWATCH_DEBUG=1 for details)", file=sys.stderr)
        sys.exit(2)
