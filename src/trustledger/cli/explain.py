"""`trustledger explain ID`: score, band, each record with its rule and legal basis, each restriction."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console

from trustledger.bootstrap import Registry, open_registry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.explanation import explain

out = Console(highlight=False, soft_wrap=True)
FILE_SOURCE = "records-file"


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_command)


def parse_day(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(field, f"{value!r} is not a date (YYYY-MM-DD)") from exc


def explain_command(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(metavar="ID", help="The subject's identity number.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")
    ] = None,
    records: Annotated[
        Path | None,
        typer.Option(
            "--records",
            help="Explain from a JSONL/CSV file of records instead of the database "
            "(each taken as submitted today, its notice issued at once).",
        ),
    ] = None,
    purpose: Annotated[
        str, typer.Option("--purpose", help="Why the file is read (audited).")
    ] = "explain",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Explain a subject's standing: what counts, under which rule and legal basis, from when, until when."""
    day = parse_day(as_of, "as_of")
    if records is not None:
        body = _explain_file(records, subject, day)
    else:
        registry = open_registry(ctx.obj["db"])
        try:
            body = explain(registry.files.read(subject, actor="cli", purpose=purpose, as_of=day))
        finally:
            registry.close()
    if as_json:
        out.print(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode(), markup=False)
    else:
        render(body)


def _explain_file(path: Path, subject: str, day: date | None) -> dict[str, Any]:
    if not path.is_file():
        raise InvalidInput("records", f"{path} is not a readable file")
    with tempfile.TemporaryDirectory() as tmp:
        registry: Registry = open_registry(f"sqlite:///{tmp}/explain.db")
        try:
            registry.migrate()
            registry.keys.create(role="source", name=FILE_SOURCE, types=["*"])
            grant = registry.keys.source(FILE_SOURCE)
            report = registry.imports.run(path, source=grant)
            if report.rejects_path is not None:
                raise InvalidInput(
                    "records",
                    f"{report.rejected} line(s) rejected, reasons in {report.rejects_path}",
                )
            return explain(registry.files.read(subject, actor="cli", purpose="explain", as_of=day))
        finally:
            registry.close()


def render(body: dict[str, Any]) -> None:
    """Plain text blocks rather than tables: legal bases are long and terminals are narrow."""
    out.print(
        f"[bold]{body['subject']}[/] as of {body['as_of']}: "
        f"score [bold]{body['score']}[/], band {body['band']}"
    )
    if body["review_due"]:
        out.print("A review by an officer is due: the score is below the rulebook's threshold.")
    out.print(f"\n[bold]Records[/] ({len(body['records'])})")
    for r in body["records"]:
        rule = r["rule"]
        out.print(f"- {r['type']}, case {r['case_ref']} from {r['source']}", markup=False)
        out.print(
            f"    occurred {r['occurred_on']}, decided {r['decided_on']}, recorded {r['recorded_on']}"
        )
        if rule:
            out.print(
                f"    rule: {rule['title']} (version from {rule['version_from']})", markup=False
            )
            out.print(f"    legal basis: {rule['legal_basis']}", markup=False)
        out.print(f"    {r['status_text']}; points {r['points']}; counts until {r['counts_until']}")
        for change in r["changes"]:
            out.print(f"    {change['on']}: {change['text']}", markup=False)
    out.print(f"\n[bold]Restrictions[/] ({len(body['restrictions'])})")
    for x in body["restrictions"]:
        cause = (
            f"record {x['cause']['record_id']}" if "record_id" in x["cause"] else "review decision"
        )
        out.print(
            f"- no {', '.join(x['scopes'])}: {x['status']} ({x['reason']}, {cause})", markup=False
        )
        out.print(f"    legal basis: {x['legal_basis']}", markup=False)
        out.print(
            f"    notice {x['noticed_on'] or 'not yet issued'}; from {x['starts_on'] or '-'} "
            f"until {x['ends_on'] or '-'}; appeal by {x['appeal_by'] or '-'}"
            + (f"; lifted {x['lifted_on']}" if x["lifted_on"] else "")
        )
    for a in body["appeals"]:
        out.print(f"appeal {a['appeal_id']} filed {a['filed_on']}: {a['outcome'] or 'pending'}")
    for c in body["erasure_requests"]:
        decided = f"{c['outcome']} on {c['decided_on']}" if c["outcome"] else "pending"
        out.print(
            f"erasure request {c['case_id']} for record {c['record_id']} filed {c['filed_on']}"
            f" (due {c['deadline']}): {decided}"
        )
        if c["reasons"]:
            out.print(f"    reasons: {c['reasons']}", markup=False)
    for e in body["erasures"]:
        why = f"retention ended {e['ended_on']}" if e["ended_on"] else f"decision {e['basis']}"
        out.print(f"{e['records']} record(s) erased on {e['on']} ({why})")
        if e["awaits_letters"]:
            waits = ", ".join(e["awaits_letters"])
            out.print(f"    the rest is erased once letter(s) {waits} are delivered")
