"""`doorwatch inventory`: what is in a machine and who made it, without judging."""

import typer

from doorwatch.cli.common import FormatOption, OutputFormat, OutputOption, choose_format, render_rich, write_output
from doorwatch.cli.machine_options import ImportOption, RootOption, read_machine

FORMATS = [OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.CYCLONEDX]


def inventory(root: RootOption = None, imports: ImportOption = None, fmt: FormatOption = None, output: OutputOption = None) -> None:
    """Inventory this machine, a recorded one (--root) or saved outputs of other tools (--import),
    with the maker and country of every component.

    Examples:

      doorwatch inventory

      doorwatch inventory --import lspci-vvnn.txt --format json

      doorwatch inventory --format cyclonedx -o sbom.json
    """
    chosen = choose_format(fmt, FORMATS, output)
    inv, _ = read_machine(root, imports)
    if chosen is OutputFormat.TABLE:
        from doorwatch.report.audit_table import inventory_renderables

        text = render_rich(inventory_renderables(inv))
    elif chosen is OutputFormat.CYCLONEDX:
        from doorwatch.report import cyclonedx

        text = cyclonedx.render(inv)
    else:
        from doorwatch.model import to_json

        text = to_json(inv)
    write_output(text, output)
    raise typer.Exit(0)
