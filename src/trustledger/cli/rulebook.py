"""`trustledger rulebook lint [PATH]`: every problem of a rulebook, or a one-line OK."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trustledger.rulebook import lint_rulebook, load_cases, load_rulebook

EXIT_PROBLEMS = 1

rulebook_app = typer.Typer(help="Check a rulebook before it is published.", no_args_is_help=True)


@rulebook_app.command("lint")
def lint(
    path: Annotated[
        Path | None,
        typer.Argument(help="A rulebook directory of *.yaml files or one file (default: shipped)."),
    ] = None,
) -> None:
    """Report every problem as `file:line: key: message` (exit 1), or print a summary (exit 0)."""
    problems = lint_rulebook(path)
    if problems:
        for problem in problems:
            typer.echo(str(problem))
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(EXIT_PROBLEMS)
    rulebook = load_rulebook(path)
    cases = load_cases(path)
    typer.echo(
        f"OK: rulebook {rulebook.version}: {len(rulebook.rules)} rules, "
        f"{len(rulebook.codes())} codes, {len(cases)} example cases hold"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(rulebook_app, name="rulebook")
