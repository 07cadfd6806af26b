"""`trustledger rulebook lint [PATH]`: every problem of a rulebook, or a one-line OK."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from trustledger.rulebook import default_rulebook_path, lint_rulebook, load_cases, load_rulebook
from trustledger.rulebook.amendments import amendments_of

EXIT_PROBLEMS = 1

rulebook_app = typer.Typer(help="Check a rulebook before it is published.", no_args_is_help=True)


@rulebook_app.command("lint")
def lint(
    path: Annotated[
        Path | None,
        typer.Argument(help="A rulebook directory of *.yaml files or one file (default: shipped)."),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(help="The rulebook this one replaces: report what changed, refuse edits."),
    ] = None,
    today: Annotated[
        str | None, typer.Option(help="The day of adoption, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Report every problem as `file:line: key: message` (exit 1), or print a summary (exit 0)."""
    problems = lint_rulebook(path)
    if against is not None:
        found = amendments_of(path or default_rulebook_path(), against, today=_day(today))
        for change in found.changes:
            typer.echo(f"change: {change}")
        problems += found.problems
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


def _day(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"--today: {value!r} is not a date written YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    app.add_typer(rulebook_app, name="rulebook")
