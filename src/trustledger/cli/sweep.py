"""`trustledger sweep [--on DATE]`: start and end the restrictions whose day has come, and erase
the records whose retention has ended."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

from trustledger.bootstrap import open_registry
from trustledger.cli.progress import progress_bar
from trustledger.cli.snapshot import write_from_database
from trustledger.domain.errors import InvalidInput

out = Console(highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("--on", f"{value!r} is not a date written YYYY-MM-DD") from exc


def sweep(
    ctx: typer.Context,
    on: Annotated[
        str | None, typer.Option("--on", help="Sweep as of this day (YYYY-MM-DD, not after today).")
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", help="Then write the check index's snapshot here."),
    ] = None,
) -> None:
    """Append the day's restriction starts and expiries, send the expiry notices, lapse points,
    erase the records whose retention has ended (destroying their keys); then write the check
    index's snapshot to --snapshot (or TRUSTLEDGER_SNAPSHOT) if given.

    The server runs it hourly; running it twice on a day changes nothing more.
    """
    day = _day(on)
    registry = open_registry(ctx.obj["db"])
    try:
        columns = (TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with progress_bar(registry.sweep.due(day), *columns) as advance:
            report = registry.sweep.advance(day, progress=advance)
        out.print(
            f"swept {report.on.isoformat()}: {report.subjects} subjects, {report.started} "
            f"started, {report.lifted} lifted, {report.expired} expired, {report.notices} "
            f"notices; erased {report.erased_records} records of {report.erased_subjects} "
            "subjects",
            markup=False,
        )
        path = snapshot or registry.settings.snapshot
        if path is not None:
            write_from_database(registry, path)
    finally:
        registry.close()
