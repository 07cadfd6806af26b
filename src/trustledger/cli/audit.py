"""`trustledger audit verify`: check the audit chain end to end (exit 0 intact, 1 broken)."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.console import Console

from trustledger.bootstrap import open_registry

out = Console(highlight=False, soft_wrap=True)
audit_app = typer.Typer(help="The audit chain of every write and every read of a subject's file.")
EXIT_BROKEN = 1


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Recompute every entry's hash and link; name the first entry that does not verify."""
    registry = open_registry(ctx.obj["db"])
    try:
        verdict = registry.audit.verify()
    finally:
        registry.close()
    if as_json:
        body = {
            "intact": verdict.intact,
            "entries": verdict.entries,
            "first_broken": verdict.first_broken,
            "reason": verdict.reason,
        }
        out.print(orjson.dumps(body).decode(), markup=False, soft_wrap=True)
    elif verdict.intact:
        out.print(f"audit chain intact: {verdict.entries} entries")
    else:
        out.print(
            f"audit chain broken at entry {verdict.first_broken}: {verdict.reason} "
            f"({verdict.entries} entries before it verify)",
            markup=False,
        )
    if not verdict.intact:
        raise typer.Exit(EXIT_BROKEN)
