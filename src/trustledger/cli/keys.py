"""`trustledger keys create|list|revoke|rotate`: API keys, printed once and stored only as a hash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from trustledger.bootstrap import open_registry
from trustledger.domain.key_rules import parse_expiry
from trustledger.domain.keys import ApiKey
from trustledger.services.access.keys import CreatedKey

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
keys_app = typer.Typer(help="API keys for sources, checkers, officers, auditors and subjects.")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


def _codes(values: list[str] | None) -> list[str]:
    """Codes given as repeated options or comma-separated: '--regions 11,44'."""
    return [c.strip() for v in values or () for c in v.split(",") if c.strip()]


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
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="When the key stops working: a date (UTC) or date-time."),
    ] = None,
    regions: Annotated[
        list[str] | None,
        typer.Option("--regions", help="An officer's regions: province/prefecture codes, '11,44'."),
    ] = None,
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", help="An officer's sources: only files with their records."),
    ] = None,
) -> None:
    """Create a key and print it once; only its hash is kept."""
    registry = open_registry(ctx.obj["db"])
    try:
        until = parse_expiry(expires, registry.clock.now()) if expires is not None else None
        created = registry.keys.create(
            role=role,
            name=name,
            types=types or (),
            expires=until,
            regions=_codes(regions),
            sources=_codes(sources),
        )
    finally:
        registry.close()
    _print_secret(created, "")


def _print_secret(created: CreatedKey, what: str) -> None:
    who = created.principal
    scope = f" for types {' '.join(who.types)}" if who.types else ""
    fence = f" in regions {','.join(who.regions)}" if who.regions else ""
    err.print(
        f"{what}{who.role} key {who.key_id} for {who.name}{scope}{fence}; shown once:", markup=False
    )
    out.print(created.secret, markup=False, soft_wrap=True)


@keys_app.command("list")
def list_keys(
    ctx: typer.Context,
    role: Annotated[str | None, typer.Option("--role", help="Only keys of this role.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the keys as JSON.")] = False,
) -> None:
    """Every key: id, name, role, types, created, expires, last used, revoked (never a secret)."""
    registry = open_registry(ctx.obj["db"])
    try:
        keys = registry.keys.listed(role)
    finally:
        registry.close()
    rows = [_listed(k) for k in keys]
    if as_json:
        out.print(orjson.dumps(rows).decode(), markup=False, soft_wrap=True)
        return
    table = Table("id", "name", "role", "types", "created", "expires", "last used", "revoked")
    for r in rows:
        revoked = f"{r['revoked']} ({r['revoked_reason']})" if r["revoked"] else ""
        cells = [r["key_id"], r["name"], r["role"], " ".join(r["types"]), r["created"]]
        table.add_row(*cells, r["expires"] or "", r["last_used"] or "", revoked)
    out.print(table)


def _listed(key: ApiKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "name": key.name,
        "role": key.role,
        "types": list(key.types),
        "regions": list(key.regions),
        "sources": list(key.sources),
        "created": _time(key.created_at),
        "expires": _time(key.expires_at),
        "last_used": _time(key.last_used_at),
        "revoked": _time(key.revoked_at),
        "revoked_reason": key.revoked_reason,
    }


def _time(value: datetime | None) -> str | None:
    return f"{value:%Y-%m-%dT%H:%M:%S}Z" if value is not None else None


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key's id, as keys list shows it.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: kept in the audit log.")],
) -> None:
    """Revoke a key: every server refuses it (401) within a second, its page sessions end."""
    registry = open_registry(ctx.obj["db"])
    try:
        key = registry.keys.revoke(key_id, reason=reason)
    finally:
        registry.close()
    out.print(f"revoked {key.role} key {key.key_id} for {key.name}", markup=False)


@keys_app.command("rotate")
def rotate(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key's id, as keys list shows it.")],
    grace: Annotated[float, typer.Option("--grace", help="Hours the old key keeps working.")] = 0,
) -> None:
    """A new key with the same name, role, types and jurisdiction, printed once; the old key
    works until the grace ends."""
    registry = open_registry(ctx.obj["db"])
    try:
        created = registry.keys.rotate(key_id, grace_hours=grace)
    finally:
        registry.close()
    _print_secret(created, f"{key_id} ends in {grace:g} h; new ")
