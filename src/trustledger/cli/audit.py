"""`trustledger audit verify`: check the audit chain end to end (exit 0 intact, 1 broken)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from trustledger.bootstrap import open_registry
from trustledger.cli.witness import read_state, witness
from trustledger.domain.errors import InvalidInput
from trustledger.services.audit.log_verify import LogVerdict

out = Console(highlight=False, soft_wrap=True)
audit_app = typer.Typer(help="The audit chain of every write and every read of a subject's file.")
EXIT_BROKEN = 1


def register(app: typer.Typer) -> None:
    audit_app.command("witness")(witness)
    app.add_typer(audit_app, name="audit")


@audit_app.command("key")
def key(ctx: typer.Context) -> None:
    """Print the transparency log's public key (made with the key file on first use)."""
    registry = open_registry(ctx.obj["db"])
    try:
        out.print(registry.log.key.text(), markup=False)
    finally:
        registry.close()


@audit_app.command("checkpoint")
def checkpoint(ctx: typer.Context) -> None:
    """Log every entry written so far and print a freshly signed checkpoint (a signed note)."""
    registry = open_registry(ctx.obj["db"])
    try:
        note = registry.log.checkpoint(fresh=True).note
    finally:
        registry.close()
    out.print(note, markup=False, end="")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            help="A witness's state file: check the transparency log against each checkpoint.",
        ),
    ] = None,
) -> None:
    """Recompute every entry's hash and link; name the first entry that does not verify.

    With --checkpoints, also rebuild the transparency log from the rows as stored and check it
    against every checkpoint the witness kept: name the first bad leaf and checkpoint."""
    if checkpoints is not None:
        verify_log_against(ctx.obj["db"], checkpoints, as_json=as_json)
        return
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


def verify_log_against(db: str, path: Path, *, as_json: bool) -> None:
    state = read_state(path)
    if state.key is None:
        raise InvalidInput("--checkpoints", f"{path} holds no checkpoints")
    registry = open_registry(db)
    try:
        if registry.log.key != state.key:
            out.print(f"note: {path} was kept for key {state.key.text()}", markup=False)
        verdict = registry.log.verify(state.checkpoints())
    finally:
        registry.close()
    if as_json:
        out.print(orjson.dumps(asdict(verdict)).decode(), markup=False, soft_wrap=True)
    elif verdict.intact:
        out.print(
            f"transparency log intact: {verdict.leaves} leaves, consistent with all "
            f"{verdict.checkpoints} checkpoints in {path}",
            markup=False,
        )
    else:
        out.print(f"transparency log broken: {_where(verdict)}: {verdict.reason}", markup=False)
    if not verdict.intact:
        raise typer.Exit(EXIT_BROKEN)


def _where(v: LogVerdict) -> str:
    if v.first_bad_leaf is None:
        return "an entry outside the log"
    leaf = f"first bad leaf {v.first_bad_leaf}"
    if v.last_bad_leaf is not None and v.last_bad_leaf != v.first_bad_leaf:
        leaf = f"first bad leaf in {v.first_bad_leaf}..{v.last_bad_leaf}"
    return leaf if v.checkpoint is None else f"{leaf}, against checkpoint {v.checkpoint}"
