"""`doorwatch audit`: inventory, attribute, judge against a policy, report, and keep the result."""

from pathlib import Path
from typing import Annotated

import typer

from doorwatch.cli.common import FailOnOption, FormatOption, OutputFormat, OutputOption, choose_format, exit_code, render_rich, write_output
from doorwatch.cli.machine_options import ImportOption, RootOption, read_machine
from doorwatch.scales import Severity

FORMATS = [OutputFormat.TABLE, OutputFormat.JSON, OutputFormat.HTML, OutputFormat.SARIF, OutputFormat.CYCLONEDX]


def render_audit(report, fmt: OutputFormat) -> str:
    """The audit in the chosen format."""
    if fmt is OutputFormat.TABLE:
        from doorwatch.report.audit_table import audit_renderables

        return render_rich(audit_renderables(report))
    if fmt is OutputFormat.HTML:
        from doorwatch.report import audit_html

        return audit_html.render(report)
    if fmt is OutputFormat.SARIF:
        from doorwatch.report import audit_sarif

        return audit_sarif.render(report)
    if fmt is OutputFormat.CYCLONEDX:
        from doorwatch.report import cyclonedx

        return cyclonedx.render(report)
    from doorwatch.model import to_json

    return to_json(report)


def _open_store(path: Path | None):
    from doorwatch.store import Store  # SQLAlchemy is heavy to import: only when the audit is kept

    return Store(path)


def audit(
    root: RootOption = None,
    imports: ImportOption = None,
    policy: Annotated[str, typer.Option("--policy", "-p", help="A shipped policy (baseline, domestic-only, covered-list, sensors-off, allow-all) or a policy file.")] = "baseline",
    clearance: Annotated[str | None, typer.Option("--clearance", "-c", help="The clearance level of the person using this machine, as the policy names it (e.g. secret). Default: the policy's.")] = None,
    allow_origin: Annotated[list[str] | None, typer.Option("--allow-origin", help="Country allowed by policies that take it (domestic-only), ISO code such as CN. Repeatable.")] = None,
    store: Annotated[Path | None, typer.Option("--store", help="The local store of audits (SQLite). Default: under your data directory.", dir_okay=False)] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not keep this audit in the store.")] = False,
    fmt: FormatOption = None,
    output: OutputOption = None,
    fail_on: FailOnOption = Severity.HIGH,
) -> None:
    """Inventory this machine (or a recorded or imported one), attribute every component to a maker and
    country, judge it against a policy for a clearance level, report, and keep the result.

    Examples:

      doorwatch audit

      doorwatch audit --policy domestic-only --allow-origin CN --clearance secret

      doorwatch audit --import lspci.txt --import lsusb.txt --policy covered-list

      doorwatch audit --format html -o report.html
    """
    from doorwatch.audit import judge
    from doorwatch.policy.schema import load_policy

    chosen = choose_format(fmt, FORMATS, output)
    loaded = load_policy(policy)
    parameters = {"allow_origin": allow_origin} if allow_origin else {}
    opened_store = None if no_store else _open_store(store)  # open first: a bad store fails before the work
    inventory, _ = read_machine(root, imports)
    report = judge(inventory, loaded, clearance, parameters, fail_on)
    if opened_store is not None:
        opened_store.save(report)
    write_output(render_audit(report, chosen), output)
    raise typer.Exit(exit_code((f.severity for f in report.findings), fail_on))
