"""A simulation counts what a proposed rulebook would change, and nothing when nothing changes."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from batch_factories import DEFAULT_RULES, batch_rulebook
from trustledger.batch.population import KIND_CODES, PopulationSpec, record_tables
from trustledger.batch.recompute import recompute
from trustledger.batch.simulation import simulate
from trustledger.domain.rulebook import Rule

ON = date(2026, 11, 1)


@pytest.fixture(scope="module")
def records() -> pa.Table:
    spec = PopulationSpec(20_000, seed=4, rates=dict.fromkeys(KIND_CODES, 20.0))
    return pa.concat_tables(t for _people, t in record_tables(spec))


def _harsher() -> tuple[Rule, ...]:
    """Court debts cost three times the points and bar rail too; smoking no longer restricts."""
    rules = []
    for rule in DEFAULT_RULES:
        if rule.code == "court.judgment_default":
            rule = dataclasses.replace(rule, points=rule.points * 3)
        if rule.code == "rail.smoking":
            rule = dataclasses.replace(rule, restriction=None)
        rules.append(rule)
    return tuple(rules)


def test_the_same_rulebook_changes_nothing(records: pa.Table) -> None:
    result = simulate(duckdb.connect(), records, batch_rulebook(), batch_rulebook(), ON)
    assert result.shifts == ()
    assert result.newly_barred == result.no_longer_barred == 0
    assert all(c.change == 0 for c in result.bands.values())
    assert result.subjects == len(set(records.column("subject").to_pylist()))


def test_a_harsher_rulebook_moves_subjects_down_and_changes_restrictions(records: pa.Table) -> None:
    current, proposed = batch_rulebook(), batch_rulebook(*_harsher())
    con = duckdb.connect()
    result = simulate(con, records, current, proposed, ON)
    before = {s: b for s, _score, b in recompute(con, records, current, ON).scores.fetchall()}
    after = {s: b for s, _score, b in recompute(con, records, proposed, ON).scores.fetchall()}
    moves = Counter((before[s], after[s]) for s in before if before[s] != after[s])
    assert {(s.from_band, s.to_band): s.subjects for s in result.shifts} == moves
    assert all(s.from_band < s.to_band for s in result.shifts)  # A > B > C > D: only downwards
    assert result.bands["B"].change < 0 < result.bands["D"].change
    assert result.restrictions_by_rule["rail.smoking"].proposed == 0
    assert result.restrictions_by_rule["rail.smoking"].current > 0
    assert result.no_longer_barred > 0
    json = result.as_json()
    assert json["bands"]["D"]["change"] == result.bands["D"].change
    assert sum(s["subjects"] for s in json["shifts"]) == sum(moves.values())
