"""`trustledger keys create`: a new API key, printed once and stored only as a hash."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from trustledger.bootstrap import open_registry

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
keys_app = typer.Typer(help="API keys for sources, checkers, officers, auditors and subjects.")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[
        str, typer.Option("--role", help="source, checker, officer, auditor or subject")
    ],
    name: Annotated[str, typer.Option("--name", help="Who holds the key, e.g. a source's name.")],
    types: Annotated[
        list[str] | None,
        typer.Option("--types", help="Record types a source may submit (fnmatch, e.g. 'rail.*')."),
    ] = None,
) -> None:
    """Create a key and print it once; only its hash is kept."""
    registry = open_registry(ctx.obj["db"])
    try:
        created = registry.keys.create(role=role, name=name, types=types or ())
    finally:
        registry.close()
    who = created.principal
    scope = f" for types {' '.join(who.types)}" if who.types else ""
    err.print(f"{who.role} key {who.key_id} for {who.name}{scope}; shown once:", markup=False)
    out.print(created.secret, markup=False, soft_wrap=True)
