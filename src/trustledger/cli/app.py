"""The Typer entry point: global options, command registration, and the one error-to-exit-code map."""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer
from rich.console import Console

from trustledger.domain.errors import TrustLedgerError

app = typer.Typer(
    name="trustledger",
    help="Adjudicated conduct records, a published rulebook, and an accountable travel check.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module defines `register(app)`; keep this list in the order of `--help`.
COMMAND_MODULES = (
    "server",
    "db",
    "sweep",
    "snapshot",
    "keys",
    "records",
    "corrections",
    "checks",
    "explain",
    "rulebook",
    "audit",
    "batch",
    "export",
    "simulate",
)

EXIT_BAD_INPUT = 2
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per error


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", envvar="TRUSTLEDGER_DB", help="Database URL (default sqlite:///trustledger.db)."
        ),
    ] = None,
) -> None:
    ctx.obj = {"db": db or "sqlite:///trustledger.db", "db_given": db is not None}


for _name in COMMAND_MODULES:
    importlib.import_module(f"trustledger.cli.{_name}").register(app)


def main() -> None:
    """Run the CLI; our errors become one line on stderr and exit code 2 (invariant 9)."""
    try:
        # Outside standalone mode click returns a typer.Exit's code instead of exiting with it.
        code = app(standalone_mode=False)
    except TrustLedgerError as exc:
        err.print(f"error: {exc.detail}", markup=False)
        sys.exit(EXIT_BAD_INPUT)
    except typer.Abort:
        sys.exit(130)
    except Exception as exc:  # click's usage errors carry their own exit code
        code = getattr(exc, "exit_code", None)
        if code is None:
            raise
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        sys.exit(code)
    if isinstance(code, int) and code != 0:
        sys.exit(code)
