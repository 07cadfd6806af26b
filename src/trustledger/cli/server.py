"""`trustledger serve` and `trustledger demo` (a synthetic population on SQLite, then the server)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from trustledger.bootstrap import open_registry
from trustledger.cli.demo import DemoKeys, build_demo
from trustledger.domain.errors import InvalidInput

out = Console(highlight=False, soft_wrap=True)
DEMO_DIR = Path("demo-data")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("demo")(demo)


def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    replica: Annotated[
        bool,
        typer.Option(
            "--replica", help="A check replica: --db is a read-only standby; writes get 503."
        ),
    ] = False,
    primary: Annotated[
        str | None,
        typer.Option("--primary", help="A replica's primary URL, where its denials are audited."),
    ] = None,
    tls_cert: Annotated[
        Path | None,
        typer.Option("--tls-cert", help="Serve HTTPS with this PEM certificate (with --tls-key)."),
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="The certificate's PEM private key.")
    ] = None,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            "--forwarded-allow-ips",
            help="Proxies whose X-Forwarded-Proto/-For are trusted (comma-separated, or *).",
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the HTTP API and the pages (run `trustledger init` first)."""
    os.environ["TRUSTLEDGER_DB"] = ctx.obj["db"]
    if replica:
        os.environ["TRUSTLEDGER_REPLICA"] = "true"
        if primary:
            os.environ["TRUSTLEDGER_PRIMARY"] = primary
    if (tls_cert is None) != (tls_key is None):
        raise InvalidInput("--tls-cert", "give both --tls-cert and --tls-key, or neither")
    for option, path in (("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        if path is not None and not path.is_file():
            raise InvalidInput(option, f"no such file: {path}")
    role = "check replica " if replica else ""
    scheme = "https" if tls_cert else "http"
    out.print(
        f"trustledger {role}serving {ctx.obj['db']} at {scheme}://{host}:{port}/", markup=False
    )
    # Session cookies are Secure when the request came over TLS: directly (--tls-cert), or through
    # a proxy in --forwarded-allow-ips that says so with X-Forwarded-Proto.
    uvicorn.run(
        "trustledger.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
    )


def demo(
    ctx: typer.Context,
    people: Annotated[int, typer.Option("--people", min=100, help="Synthetic people.")] = 100_000,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve after building.")
    ] = True,
) -> None:
    """Build a fresh demo database with a synthetic population, print the keys, and serve."""
    if ctx.obj["db_given"]:
        db = ctx.obj["db"]
    else:
        shutil.rmtree(DEMO_DIR, ignore_errors=True)
        DEMO_DIR.mkdir()
        db = f"sqlite:///{DEMO_DIR}/demo.db"
    registry = open_registry(db)
    try:
        keys = build_demo(registry, people=people, seed=seed, workdir=DEMO_DIR, console=out)
    finally:
        registry.close()
    print_welcome(keys, f"http://{host}:{port}", db)
    if serve_after:
        ctx.obj["db"] = db
        serve(ctx, port=port, host=host, workers=1)


def print_welcome(keys: DemoKeys, url: str, db: str) -> None:
    out.print(f"\n[bold]trustledger demo[/] — {db}")
    out.print(f"  officer console   {url}/        (sign in with the officer key)")
    out.print(f"  subject portal    {url}/portal")
    out.print(f"  statistics        {url}/stats")
    out.print(f"  API docs          {url}/docs\n")
    out.print("Demo keys (shown once; send as 'Authorization: Bearer <key>'):")
    for role, (name, secret) in keys.by_role.items():
        out.print(f"  {role:<8} {secret}  ({name})", markup=False)
    if keys.restricted_subject:
        out.print(f"\nA restricted subject: {keys.restricted_subject}", markup=False)
        if keys.access_code:
            out.print(
                f"  portal sign-in: {url}/portal with {keys.restricted_subject} "
                f"and access code {keys.access_code}",
                markup=False,
            )
        out.print(
            f"  curl -H 'Authorization: Bearer {keys.by_role['checker'][1]}' "
            f"'{url}/v1/check?subject={keys.restricted_subject}&mode=air'",
            markup=False,
        )
