"""`trustledger import FILE --source NAME`: bulk intake of JSONL or CSV, resumable after a crash."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from trustledger.bootstrap import open_registry
from trustledger.cli.progress import progress_bar
from trustledger.services.intake.imports import CHUNK

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
EXIT_SOME_REJECTED = 1


def register(app: typer.Typer) -> None:
    app.command("import")(import_file)


def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .jsonl or .csv file of record bodies.")],
    source: Annotated[str, typer.Option("--source", help="The registered source key's name.")],
    chunk: Annotated[
        int,
        typer.Option("--chunk", min=1, help="Records committed per transaction.", hidden=True),
    ] = int(os.environ.get("TRUSTLEDGER_IMPORT_CHUNK", CHUNK)),
) -> None:
    """Import records; bad lines go to FILE.rejects.jsonl with reasons, good lines go in.

    Exit 0 when every line was imported (or already was), 1 when some were rejected.
    """
    registry = open_registry(ctx.obj["db"])
    try:
        grant = registry.keys.source(source)
        size = file.stat().st_size if file.is_file() else 0
        columns = (
            TextColumn(file.name),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
        with progress_bar(size, *columns) as advance:
            report = registry.imports.run(file, source=grant, chunk=chunk, advance=advance)
    finally:
        registry.close()
    out.print(
        f"{report.lines} lines: {report.imported} imported, {report.already} already present, "
        f"{report.rejected} rejected, {report.notices} notices issued",
        markup=False,
    )
    if report.rejects_path is not None:
        err.print(f"rejected lines and reasons: {report.rejects_path}", markup=False)
        raise typer.Exit(EXIT_SOME_REJECTED)
