"""`doorwatch policy`: validate a policy file, list and show the shipped ones."""

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from doorwatch.cli.common import fail

app = typer.Typer(
    help="Validate a policy (errors name their line), list the shipped policies, or print one to start your own.",
    no_args_is_help=True,
)


@app.command("check")
def check(files: Annotated[list[Path], typer.Argument(help="Policy files (YAML) to validate.")]) -> None:
    """Validate policy files; each error names its file and line. Exit 2 if any is invalid."""
    from doorwatch.errors import PolicyError
    from doorwatch.policy.schema import load_policy

    failed = False
    for path in files:
        try:
            loaded = load_policy(str(path))
        except PolicyError as err:
            failed = True
            typer.echo(str(err), err=True)
            continue
        policy = loaded.policy
        typer.echo(f"{path}: ok: policy {policy.name}, {len(policy.rules)} rules, {len(policy.exceptions)} exceptions, levels {', '.join(policy.levels)}")
    if failed:
        raise typer.Exit(2)


@app.command("list")
def list_policies() -> None:
    """The shipped policies, with what each is for."""
    from doorwatch.policy.schema import load_policy, shipped_policies

    for name in shipped_policies():
        typer.echo(f"{name:14} {' '.join(load_policy(name).policy.description.split())}")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="A shipped policy's name.")]) -> None:
    """Print a shipped policy, to copy and adapt: doorwatch policy show domestic-only > mine.yaml"""
    from doorwatch.policy.schema import shipped_policies

    item = resources.files("doorwatch.policy").joinpath("policies", f"{name}.yaml")
    if not item.is_file():
        fail(f"no shipped policy '{name}'; shipped: {', '.join(shipped_policies())}")
    typer.echo(item.read_text(encoding="utf-8"), nl=False)
