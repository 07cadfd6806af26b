"""`trustledger init` (create or upgrade the schema) and `recompute` (rebuild derived state)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from sqlalchemy.engine import make_url

from trustledger.bootstrap import open_registry
from trustledger.cli.explain import parse_day
from trustledger.cli.export import batch_recompute
from trustledger.cli.progress import phase_bars, progress_bar
from trustledger.domain.errors import InvalidInput

out = Console(highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("migrate")(init)
    app.command("recompute")(recompute)


def init(ctx: typer.Context) -> None:
    """Create the database schema, or upgrade it to this version's (runs the migrations).

    A long migration (0010 seals every row of personal data in place) shows a bar per phase;
    stopped, it resumes where it stopped when run again."""
    registry = open_registry(ctx.obj["db"])
    try:
        with phase_bars() as progress:
            revision = registry.migrate(progress=progress)
    finally:
        registry.close()
    url = make_url(registry.db_url).render_as_string(hide_password=True)
    out.print(f"database ready: {url} (schema revision {revision})", markup=False)


def recompute(
    ctx: typer.Context,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Recompute in DuckDB over an export instead and print counts; store nothing.",
        ),
    ] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="With --batch: the date (default today).")
    ] = None,
) -> None:
    """Rebuild scores, restrictions and review cases from the events, as of today."""
    if batch:
        batch_recompute(ctx.obj["db"], parse_day(as_of, "--as-of"))
        return
    if as_of is not None:
        raise InvalidInput("--as-of", "only with --batch: the stored state is always today's")
    registry = open_registry(ctx.obj["db"])
    try:
        total = registry.recompute.count_subjects()
        columns = (
            TextColumn("recompute"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with progress_bar(total, *columns) as advance:
            report = registry.recompute.run(advance=advance)
    finally:
        registry.close()
    out.print(f"recomputed {report.subjects} subjects, {report.restrictions} restrictions")
