"""`trustledger simulate --rulebook PATH`: what a proposed rulebook would change over the stored
records, against the rulebook in force; a table, a JSON summary, an HTML report."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from trustledger.batch.retroactivity import retroactive_changes
from trustledger.batch.simulation import MIN_GROUP, Simulation, simulate
from trustledger.cli.explain import parse_day
from trustledger.cli.export import export_records, registry_for
from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import Rulebook
from trustledger.i18n.negotiation import parse_language
from trustledger.rulebook import lint_rulebook, load_rulebook
from trustledger.web.report import MODE_NAMES, ReportContext, render_report, summary

EXIT_LINT = 2
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def simulate_command(
    ctx: typer.Context,
    rulebook_path: Annotated[
        Path,
        typer.Option("--rulebook", help="The proposed rulebook: a directory of *.yaml or a file."),
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date (YYYY-MM-DD); default today.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON summary.")] = False,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write a self-contained HTML report to this file."),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            "--language", help="The report's language (zh-Hans or en); default the deployment's."
        ),
    ] = None,
) -> None:
    """Compare a proposed rulebook with the one in force over the stored records (counts only)."""
    day = parse_day(as_of, "--as-of")
    if report is not None and not report.parent.is_dir():
        raise InvalidInput("--report", f"no such directory: {report.parent}")
    chosen = parse_language(language) if language else None
    if language and chosen is None:
        raise InvalidInput("--language", f"must be zh-Hans or en, not {language!r}")
    proposed = _proposed(rulebook_path)
    with registry_for(ctx.obj["db"]) as registry:
        current = registry.rulebook
        on = day or registry.clock.today()
        changes = tuple(retroactive_changes(current, proposed, on))
        warnings = tuple(str(w) for w in changes)
        chosen = chosen or registry.language
        for warning in warnings:
            err.print(f"warning: {warning}", markup=False)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "records.parquet"
            export_records(registry, path, purpose="policy simulation")
            result = simulate(duckdb.connect(), path, current, proposed, on)
    context = ReportContext(
        current.version, proposed.version, str(rulebook_path), warnings, changes=changes
    )
    if report is not None:
        report.write_text(render_report(result, context, language=chosen), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(summary(result, context), ensure_ascii=False, indent=2))
    else:
        _print_tables(result, current, proposed)
    if report is not None:
        err.print(f"report written to {report}", markup=False)


def _proposed(path: Path) -> Rulebook:
    """The proposed rulebook, or every lint problem as `file:line: key: message` and exit 2."""
    problems = lint_rulebook(path)
    if problems:
        for problem in problems:
            err.print(str(problem), markup=False)
        err.print(f"error: the proposed rulebook has {len(problems)} problem(s)", markup=False)
        raise typer.Exit(EXIT_LINT)
    return load_rulebook(path)


def _print_tables(result: Simulation, current: Rulebook, proposed: Rulebook) -> None:
    out.print(
        f"Rulebook {proposed.version} against {current.version} as of {result.on.isoformat()}: "
        f"{result.subjects:,} people with records",
        markup=False,
    )
    people = Table("restricted", "now", "proposed", "newly", "released", title="People restricted")
    rows = [("any mode", result.restricted)]
    rows += [(MODE_NAMES[m], p) for m, p in result.by_mode.items()]
    rows += [(code, p) for code, p in result.by_rule.items()]
    for name, p in rows:
        people.add_row(name, *(f"{n:,}" for n in (p.current, p.proposed, p.newly, p.released)))
    out.print(people)
    bands = Table("band", "now", "proposed", "change", title="Bands")
    for name, c in result.bands.items():
        bands.add_row(name, f"{c.current:,}", f"{c.proposed:,}", f"{c.change:+,}")
    out.print(bands)
    out.print(_provinces(result))
    before, after = result.mean_score()
    out.print(
        f"mean score {before:.1f} -> {after:.1f}; {result.lower:,} lower, {result.higher:,} "
        f"higher; review cases opened: {result.review_opened:,} "
        f"(below the threshold: {result.review_below.current:,} -> "
        f"{result.review_below.proposed:,})",
        markup=False,
    )


def _provinces(result: Simulation) -> Table:
    table = Table(
        "province",
        "people",
        "newly restricted",
        "released",
        "review cases",
        title=f"By province (counts 1-{MIN_GROUP - 1} withheld)",
    )
    for p in result.as_json()["provinces"]:
        counts = (p["subjects"], p["restricted"]["newly"], p["restricted"]["released"])
        shown = [f"<{MIN_GROUP}" if n is None else f"{n:,}" for n in (*counts, p["review_opened"])]
        table.add_row(f"{p['name']} {p['code']}".strip(), *shown)
    return table


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
