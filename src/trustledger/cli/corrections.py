"""`trustledger records correct|withdraw`: the submitting source corrects or withdraws a record."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from trustledger.bootstrap import open_registry
from trustledger.domain.errors import InvalidInput
from trustledger.services.intake.corrections import Amendment, record_id_of

out = Console(highlight=False, soft_wrap=True)
records_app = typer.Typer(help="Correct or withdraw a record, as the source that submitted it.")

Record = Annotated[str | None, typer.Argument(help="The record_id (or give --case-ref).")]
CaseRef = Annotated[str | None, typer.Option("--case-ref", help="The source's own case number.")]
SourceName = Annotated[str, typer.Option("--source", help="The submitting source key's name.")]
Reason = Annotated[str, typer.Option("--reason", help="Why: the subject's letter quotes it.")]
Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]


def register(app: typer.Typer) -> None:
    app.add_typer(records_app, name="records")


@records_app.command("correct")
def correct(
    ctx: typer.Context,
    source: SourceName,
    reason: Reason,
    record: Record = None,
    case_ref: CaseRef = None,
    type_: Annotated[str | None, typer.Option("--type", help="The new record type.")] = None,
    occurred_on: Annotated[str | None, typer.Option("--occurred-on")] = None,
    decided_on: Annotated[str | None, typer.Option("--decided-on")] = None,
    evidence_ref: Annotated[str | None, typer.Option("--evidence-ref")] = None,
    attributes: Annotated[
        str | None, typer.Option("--attributes", help='The new attributes as JSON: {"fare": 30}')
    ] = None,
    as_json: Json = False,
) -> None:
    """Correct a record; a correction that restricts more waits for its own notice period."""
    changes: dict[str, Any] = {
        k: v
        for k, v in {
            "type": type_,
            "occurred_on": occurred_on,
            "decided_on": decided_on,
            "evidence_ref": evidence_ref,
        }.items()
        if v is not None
    }
    if attributes is not None:
        try:
            changes["attributes"] = orjson.loads(attributes)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput("--attributes", f"not JSON: {exc}") from exc
    if not changes:
        raise InvalidInput("changes", "name a field to change (--type, --decided-on, ...)")
    registry = open_registry(ctx.obj["db"])
    try:
        grant = registry.keys.source(source)
        rid = record_id_of({"record_id": record, "case_ref": case_ref}, grant)
        done = registry.corrections.correct(rid, source=grant, changes=changes, reason=reason)
    finally:
        registry.close()
    _print(done, as_json=as_json)


@records_app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    source: SourceName,
    reason: Reason,
    record: Record = None,
    case_ref: CaseRef = None,
    as_json: Json = False,
) -> None:
    """Withdraw a record: it no longer counts, and its restriction is lifted today."""
    registry = open_registry(ctx.obj["db"])
    try:
        grant = registry.keys.source(source)
        rid = record_id_of({"record_id": record, "case_ref": case_ref}, grant)
        done = registry.corrections.withdraw(rid, source=grant, reason=reason)
    finally:
        registry.close()
    _print(done, as_json=as_json)


def _print(done: Amendment, *, as_json: bool) -> None:
    if as_json:
        body = {
            "record_id": done.record_id,
            "action": done.action,
            "on": done.on.isoformat(),
            "created": done.created,
            "changes": dict(done.changes),
            "adverse": done.adverse,
            "notice_ids": list(done.notice_ids),
        }
        out.print(orjson.dumps(body).decode(), markup=False)
        return
    verb = "corrected" if done.action == "correct" else "withdrew"
    what = f"{verb} record {done.record_id} on {done.on}"
    if not done.created:
        what = f"already done: {what} (nothing written)"
    elif done.adverse:
        what += "; it restricts more: a new notice was sent and its notice period runs first"
    out.print(f"{what}; notices {', '.join(done.notice_ids) or 'none'}", markup=False)
