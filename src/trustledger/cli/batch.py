"""`trustledger generate`: a synthetic population's records, with a progress bar."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from trustledger.batch.population import DEFAULT_AS_OF, PopulationSpec
from trustledger.batch.population_files import FileFormat, write_population
from trustledger.domain.errors import InvalidInput


def _rates(pairs: list[str]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for pair in pairs:
        code, _sep, value = pair.partition("=")
        try:
            rates[code.strip()] = float(value)
        except ValueError as exc:
            raise InvalidInput("--rate", f"{pair!r} is not TYPE=RECORDS_PER_1000") from exc
    return rates


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("--as-of", f"{text!r} is not a date (YYYY-MM-DD)") from exc


def generate(
    people: Annotated[int, typer.Option("--people", help="How many people (most have no record).")],
    out: Annotated[Path, typer.Option("--out", help="The file to write.")],
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same file.")] = 0,
    file_format: Annotated[
        FileFormat | None,
        typer.Option(
            "--format",
            help="jsonl or csv: record bodies to import; parquet: flattened records with their "
            "notices and outcomes, for batch recompute. Default: from the extension.",
        ),
    ] = None,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Records arrive over the three years before this date.")
    ] = DEFAULT_AS_OF.isoformat(),
    rate: Annotated[
        list[str] | None,
        typer.Option("--rate", help="TYPE=RECORDS_PER_1000 to change a type's rate; repeatable."),
    ] = None,
    for_import: Annotated[
        bool,
        typer.Option(
            "--for-import",
            help="jsonl or csv bodies without their `source`, for `trustledger import FILE "
            "--source NAME` under a key of types '*' (intake takes the source from the key).",
        ),
    ] = False,
) -> None:
    """Generate a synthetic population's adjudicated records."""
    spec = PopulationSpec(people, seed=seed, as_of=_as_of(as_of), rates=_rates(rate or []))
    chosen = file_format or FileFormat.for_path(out)
    console = Console(stderr=True)
    columns = (TextColumn("people"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("generate", total=people)
        records = write_population(
            spec,
            out,
            chosen,
            progress=lambda n: progress.advance(task, n),
            for_import=for_import,
        )
    typer.echo(f"wrote {records} records of {people} people to {out} ({chosen.value})")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
