"""`trustledger check ID --mode rail|air`: exit 0 allowed, 10 denied, 2 bad input."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.console import Console

from trustledger.bootstrap import open_registry
from trustledger.cli.explain import parse_day

out = Console(highlight=False, soft_wrap=True)
EXIT_DENIED = 10


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(metavar="ID", help="The traveller's identity number.")],
    mode: Annotated[str, typer.Option("--mode", help="air or rail.")],
    seat_class: Annotated[
        str, typer.Option("--class", help="standard or premium (rail).")
    ] = "standard",
    on: Annotated[
        str | None, typer.Option("--on", help="Travel date (YYYY-MM-DD); default today.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """May this person travel? Answers allowed, or denied with the rule, the end date and where to appeal."""
    registry = open_registry(ctx.obj["db"])
    try:
        day = parse_day(on, "on") or registry.clock.today()
        answer = registry.stored_checks.check(subject, mode, seat_class, on=day, checker="cli")
    finally:
        registry.close()
    if as_json:
        out.print(orjson.dumps(answer.as_dict()).decode(), markup=False)
    elif answer.allowed:
        out.print(f"allowed: {mode} on {day.isoformat()}")
    else:
        out.print(
            f"denied: {mode} on {day.isoformat()} — {answer.reason}, until {answer.until}; "
            f"appeal at {answer.appeal}",
            markup=False,
        )
    if not answer.allowed:
        raise typer.Exit(EXIT_DENIED)
