"""`doorwatch kb`: ask the provenance knowledge base."""

import typer

from doorwatch.cli.common import not_built

app = typer.Typer(help="Ask the provenance knowledge base who made a chip, device or program, and where.", no_args_is_help=True)


@app.command("lookup")
def lookup() -> None:
    """Not built yet."""
    not_built("kb lookup")
