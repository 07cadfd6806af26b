"""`trustledger snapshot [--out DIR]`: the check index as a snapshot replicas start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from trustledger.api.index_start import save_index
from trustledger.bootstrap import Registry, open_registry
from trustledger.domain.errors import InvalidInput

out = Console(highlight=False, soft_wrap=True)
OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="The snapshot directory (default: TRUSTLEDGER_SNAPSHOT)."),
]


def register(app: typer.Typer) -> None:
    app.command("snapshot")(snapshot)


def snapshot(ctx: typer.Context, out_dir: OutOption = None) -> None:
    """Write the check index, stamped with its event seq, for `serve` to start from.

    Servers given TRUSTLEDGER_SNAPSHOT map it at start-up and follow the events after its seq.
    """
    registry = open_registry(ctx.obj["db"])
    try:
        path = out_dir or registry.settings.snapshot
        if path is None:
            raise InvalidInput("--out", "say where to write it (or set TRUSTLEDGER_SNAPSHOT)")
        write_from_database(registry, path)
    finally:
        registry.close()


def write_from_database(registry: Registry, path: Path) -> None:
    feed = registry.check_feed()
    feed.load()
    restrictions, seq = save_index(feed, path)
    out.print(f"snapshot: {restrictions} restrictions at event seq {seq} in {path}", markup=False)
