"""`doorwatch policy`."""

import typer

from doorwatch.cli.common import not_built

app = typer.Typer(help="Validate and list policies.", no_args_is_help=True)


@app.command("check")
def check() -> None:
    """Not built yet."""
    not_built("policy check")
