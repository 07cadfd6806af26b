"""`trustledger simulate` over a stored population: no change against itself, a stricter rulebook
counted as the domain core counts it, lint errors stop it, retroactive changes warned, a report."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from rulebook_edits import Proposal, stricter
from simulation_oracle import expected, people
from store_population import load, population, stored_events
from tests.factories import SettableClock
from tests.language_scan import english_words
from trustledger.batch.simulation_sql import MODES
from trustledger.bootstrap import Registry, open_registry
from trustledger.cli.app import main
from trustledger.domain.identity import scheme_named
from trustledger.rulebook import default_rulebook_path, load_rulebook

ON = date(2026, 11, 1)
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def registry(db_url: str, clock: SettableClock) -> Iterator[Registry]:
    """A store under the default rulebook, holding a generated population's history."""
    reg = open_registry(
        db_url, rulebook=load_rulebook(), scheme=scheme_named("cn-ric"), clock=clock
    )
    reg.migrate()
    load(reg, population(1500, seed=13, as_of=ON))
    try:
        yield reg
    finally:
        reg.close()


@pytest.fixture
def run(
    registry: Registry,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    def simulate(*args: str | Path) -> tuple[int, str, str]:
        argv = [
            "trustledger",
            "--db",
            db_url,
            "simulate",
            "--as-of",
            ON.isoformat(),
            *map(str, args),
        ]
        monkeypatch.setattr(sys, "argv", argv)
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return simulate


def summary(run: Run, rulebook: Path, *extra: str | Path) -> tuple[dict[str, Any], str]:
    code, out, err = run("--rulebook", rulebook, "--json", *extra)
    assert code == 0, err
    return json.loads(out), err


def changes(summary: dict[str, Any]) -> list[int]:
    """Every delta the summary reports."""
    found = [c["change"] for c in summary["bands"].values()]
    found += [s["subjects"] for s in summary["shifts"]]
    for p in (summary["restricted"], *summary["by_mode"].values(), *summary["by_rule"].values()):
        found += [p["newly"], p["released"]]
    found += [summary["review"]["opened"], summary["scores"]["lower"], summary["scores"]["higher"]]
    return found


def test_the_default_rulebook_against_itself_changes_nothing(run: Run) -> None:
    result, err = summary(run, default_rulebook_path())
    assert result["warnings"] == []
    assert "warning" not in err
    assert result["subjects"] > 300
    assert result["restricted"]["current"] > 0
    assert set(changes(result)) == {0}
    code, out, _ = run("--rulebook", default_rulebook_path())
    assert code == 0
    assert f"{result['subjects']:,} people with records" in out
    for title in ("People restricted", "Bands", "By province (counts 1-9 withheld)"):
        assert title in out


def test_a_stricter_rulebook_restricts_more_as_the_domain_core_counts_it(
    run: Run, registry: Registry, tmp_path: Path
) -> None:
    path = stricter(tmp_path / "stricter", starts=date(2025, 6, 1))
    result, _err = summary(run, path)
    want = expected(stored_events(registry), registry.rulebook, load_rulebook(path), ON)
    assert result["by_mode"] == {m: people(want.by_mode[m]).as_json() for m in MODES}
    by_rule = {rule: people(pairs).as_json() for rule, pairs in want.by_rule.items()}
    assert result["by_rule"] == by_rule
    assert result["restricted"] == people(want.restricted).as_json()
    assert result["review"]["opened"] == want.below[(False, True)]
    assert result["restricted"]["proposed"] > result["restricted"]["current"]
    assert result["by_mode"]["rail_standard"]["newly"] > 0
    assert result["by_rule"]["rail.smoking"]["newly"] > 0
    assert all(p["released"] == 0 for p in result["by_rule"].values())


def test_lint_errors_stop_it_with_exit_2_and_name_file_and_line(run: Run, tmp_path: Path) -> None:
    path = Proposal().edit("rail.smoking", legal_basis=" ").write(tmp_path / "bad")
    code, out, err = run("--rulebook", path, "--json")
    assert code == 2
    assert out == ""
    assert re.search(r"bad/rail\.yaml:\d+: rail\.smoking\.legal_basis: must not be empty", err)
    assert "error: the proposed rulebook has" in err
    code, _, err = run("--rulebook", default_rulebook_path(), "--report", tmp_path / "no/r.html")
    assert (code, err.strip()) == (2, f"error: --report: no such directory: {tmp_path / 'no'}")


def test_a_retroactive_change_is_warned_and_a_prospective_one_is_not(
    run: Run, tmp_path: Path
) -> None:
    # From 2027-06-01: after the registry's date, and after the default 2027 versions' cases.
    later = stricter(tmp_path / "later", starts=date(2027, 6, 1))
    result, err = summary(run, later)
    assert result["warnings"] == []
    assert "warning:" not in err
    assert set(changes(result)) == {0}
    edited = Proposal().edit("rail.smoking", appeal_days=20).write(tmp_path / "edited")
    result, err = summary(run, edited)
    (warning,) = result["warnings"]
    assert warning.startswith("rail.smoking: conduct from 2018-05-01 to 2026-11-01")
    assert "appeal_days 15 -> 20" in warning
    assert f"warning: {warning}" in err


def test_the_report_holds_the_charts_data_and_no_identity_numbers(
    run: Run, registry: Registry, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    result, _err = summary(
        run, stricter(tmp_path / "s", starts=date(2025, 6, 1)), "--report", report
    )
    html = report.read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="simulation-data">(.*?)</script>', html)
    assert found is not None
    assert json.loads(found.group(1)) == result
    assert html.count("<canvas") == 5
    assert "Chart.js v4.6.1" in html  # inlined: the file works offline
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    numbers = set(stored_events(registry))
    assert len(numbers) > 300
    assert not any(n in html for n in numbers)
    assert not re.search(r"\d{17}[\dX]", html)


def test_the_tables_warnings_and_report_come_in_the_language_asked_for(
    run: Run, tmp_path: Path
) -> None:
    edited = Proposal().edit("rail.smoking", appeal_days=20).write(tmp_path / "edited")
    report = tmp_path / "report.html"
    code, out, err = run("--rulebook", edited, "--language", "zh-Hans", "--report", report)
    assert code == 0
    assert "有记录的人数为" in out
    for title in ("受限", "等级", "按省份（1至9的数字不予显示）", "平均分"):
        assert title in out
    version = load_rulebook(edited).version  # a name, as the rule codes are
    assert english_words(out.replace(version, "")) == []
    assert "警告：rail.smoking：2018年5月1日至2026年11月1日期间发生的行为将被重新评定" in err
    assert '<html lang="zh-Hans">' in report.read_text(encoding="utf-8")


def test_an_unknown_report_language_is_refused_by_name(run: Run) -> None:
    code, _out, err = run("--rulebook", default_rulebook_path(), "--language", "fr")
    assert (code, err.strip()) == (2, "error: --language: must be zh-Hans or en, not 'fr'")
