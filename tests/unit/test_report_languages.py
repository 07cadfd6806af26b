"""The simulation report in the reader's language: Chinese with no English left, English as before."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from batch_factories import DEFAULT_RULES, batch_rulebook
from tests.language_scan import english_on_page
from trustledger.batch.population import KIND_CODES, PopulationSpec, record_tables
from trustledger.batch.retroactivity import RetroactiveChange
from trustledger.batch.simulation import Simulation, simulate
from trustledger.domain.texts import Language
from trustledger.i18n.catalogs import translator
from trustledger.web.report import ReportContext, render_report, warning_text

CHANGE = RetroactiveChange(
    "rail.smoking", date(2018, 5, 1), date(2026, 11, 1), ("appeal_days 15 -> 20",)
)
CONTEXT = ReportContext("2018.2", "2027.1", "rulebooks/2027/", (str(CHANGE),), changes=(CHANGE,))


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    spec = PopulationSpec(2000, seed=5, rates=dict.fromkeys(KIND_CODES, 30.0))
    records = pa.concat_tables(t for _people, t in record_tables(spec))
    harsher = tuple(
        dataclasses.replace(r, points=r.points * 2) if r.code.startswith("rail.") else r
        for r in DEFAULT_RULES
    )
    return simulate(
        duckdb.connect(), records, batch_rulebook(), batch_rulebook(*harsher), date(2026, 11, 1)
    )


def test_the_chinese_report_has_no_english_left(simulation: Simulation) -> None:
    html = render_report(simulation, CONTEXT, language=Language.ZH_HANS)
    assert '<html lang="zh-Hans">' in html
    assert "<h1>政策模拟</h1>" in html
    assert "溯及既往的变更" in html
    assert "rail.smoking：2018年5月1日至2026年11月1日期间发生的行为将被重新评定" in html
    assert english_on_page(html) == []


def test_the_charts_legends_are_in_the_reports_language(simulation: Simulation) -> None:
    def words(html: str) -> dict[str, str]:
        found = re.search(r"var words = (\{.*?\});", html)
        assert found is not None
        return dict(json.loads(found.group(1)))

    zh = words(render_report(simulation, CONTEXT, language=Language.ZH_HANS))
    assert (zh["newly"], zh["released"], zh["now"]) == ("新增限制", "解除限制", "现行")
    assert words(render_report(simulation, CONTEXT))["newly"] == "Newly restricted"


def test_the_summary_inside_the_report_is_the_same_in_both_languages(
    simulation: Simulation,
) -> None:
    def data(html: str) -> str:
        found = re.search(r'id="simulation-data">(.*?)</script>', html)
        assert found is not None
        return found.group(1)

    zh = render_report(simulation, CONTEXT, language=Language.ZH_HANS)
    assert data(zh) == data(render_report(simulation, CONTEXT))


def test_a_warning_reads_as_its_english_text_in_english() -> None:
    assert warning_text(CHANGE, translator(Language.EN)) == str(CHANGE)
    header = RetroactiveChange("rulebook", None, None, ("base score 1000 -> 900",))
    assert warning_text(header, translator(Language.EN)) == str(header)
