"""`trustledger export --out FILE.parquet`, and `recompute --batch`: the stored records in DuckDB."""

from __future__ import annotations

import getpass
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

from trustledger.batch.recompute import recompute
from trustledger.bootstrap import Registry, open_registry
from trustledger.cli.progress import progress_bar
from trustledger.services.reading.export import ExportReport

out = Console(highlight=False, soft_wrap=True)
PURPOSE = "batch recompute and policy simulation"


def cli_actor() -> str:
    """Who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid, as in some containers
        return "cli"


@contextmanager
def registry_for(db: str) -> Iterator[Registry]:
    registry = open_registry(db)
    try:
        yield registry
    finally:
        registry.close()


def export_records(registry: Registry, path: Path, *, purpose: str = PURPOSE) -> ExportReport:
    """Export with a progress bar on stderr."""
    columns = (TextColumn("export"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with progress_bar(registry.exports.count(), *columns) as advance:
        return registry.exports.write(path, actor=cli_actor(), purpose=purpose, advance=advance)


def batch_recompute(db: str, as_of: date | None) -> None:
    """The DuckDB recompute over a fresh export: counts by band and by restriction status."""
    with registry_for(db) as registry, tempfile.TemporaryDirectory() as tmp:
        on = as_of or registry.clock.today()
        path = Path(tmp) / "records.parquet"
        report = export_records(registry, path)
        con = duckdb.connect()
        result = recompute(con, path, registry.rulebook, on)
        bands = result.scores.aggregate("band, count(*) AS n").order("band").fetchall()
        statuses = result.restrictions.aggregate("status, count(*) AS n").order("status").fetchall()
    out.print(f"batch recompute as of {on.isoformat()} over {report.records} records", markup=False)
    out.print(f"subjects with records: {sum(n for _b, n in bands)}", markup=False)
    for band, n in bands:
        out.print(f"  band {band}: {n}", markup=False)
    out.print(f"restrictions: {sum(n for _s, n in statuses)}", markup=False)
    for status, n in statuses:
        out.print(f"  {status}: {n}", markup=False)


def export(
    ctx: typer.Context,
    out_path: Annotated[Path, typer.Option("--out", help="The Parquet file to write.")],
    purpose: Annotated[
        str, typer.Option("--purpose", help="Why everyone's records are read (audited).")
    ] = PURPOSE,
) -> None:
    """Export every stored record with its notice, overturn and fulfilment dates to Parquet."""
    with registry_for(ctx.obj["db"]) as registry:
        report = export_records(registry, out_path, purpose=purpose)
    out.print(f"exported {report.records} records to {report.path}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("export")(export)
