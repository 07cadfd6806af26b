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

from trustledger.batch.retroactivity import retroactive_changes
from trustledger.batch.simulation import simulate
from trustledger.cli.explain import parse_day
from trustledger.cli.export import export_records, registry_for
from trustledger.cli.simulation_tables import print_tables
from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.texts import N_
from trustledger.i18n.catalogs import translator
from trustledger.i18n.negotiation import parse_language
from trustledger.rulebook import lint_rulebook, load_rulebook
from trustledger.web.report import ReportContext, render_report, summary, warning_text

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
        tr = translator(chosen)
        for change in changes:
            err.print(
                tr.gettext(N_("warning: %(text)s")) % {"text": warning_text(change, tr)},
                markup=False,
            )
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
        print_tables(out, result, current, proposed, translator(chosen))
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


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
