"""The simulation report opened from disk with the network cut: every chart draws from the
inlined Chart.js, and no script fails."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from batch_factories import DEFAULT_RULES, batch_rulebook
from tests.browser.conftest import VIEWPORT, shoot
from trustledger.batch.population import KIND_CODES, PopulationSpec, record_tables
from trustledger.batch.simulation import simulate
from trustledger.web.report import ReportContext, render_report

pytestmark = pytest.mark.browser


def test_the_report_draws_its_five_charts_offline(browser: Any, tmp_path: Path) -> None:
    spec = PopulationSpec(5000, seed=3, rates=dict.fromkeys(KIND_CODES, 30.0))
    records = pa.concat_tables(t for _people, t in record_tables(spec))
    harsher = tuple(
        dataclasses.replace(r, points=r.points * 2) if r.code.startswith("rail.") else r
        for r in DEFAULT_RULES
    )
    result = simulate(
        duckdb.connect(), records, batch_rulebook(), batch_rulebook(*harsher), date(2026, 11, 1)
    )
    report = tmp_path / "report.html"
    context = ReportContext("batch-test", "harsher", "proposed/", ("rail.smoking: a warning",))
    report.write_text(render_report(result, context), encoding="utf-8")

    page_context = browser.new_context(viewport=VIEWPORT)
    requested: list[str] = []

    def only_the_file(route: Any) -> None:
        requested.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    page_context.route("**/*", only_the_file)
    page = page_context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(report.as_uri())
        drawn = page.eval_on_selector_all("canvas", "cs => cs.map(c => !!Chart.getChart(c))")
        assert drawn == [True] * 5
        assert page.get_by_role("heading", name="Retroactive changes").is_visible()
        shoot(page, "simulation-report")
    finally:
        page_context.close()
    assert problems == []
    assert requested == [report.as_uri()]
