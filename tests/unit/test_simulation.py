"""A simulation counts what a proposed rulebook would change, and nothing when nothing changes."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from batch_factories import AIR, DEFAULT_RULES, batch_rulebook, events_of, restriction
from simulation_oracle import assert_simulation_matches, expected
from trustledger.batch.population import KIND_CODES, PopulationSpec, record_tables
from trustledger.batch.recompute import recompute
from trustledger.batch.simulation import simulate
from trustledger.domain.records import Event
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


def _reshaped() -> tuple[Rule, ...]:
    """Harsher, and more restrictive too: tax evasion bars flights, a smaller debt counts."""
    rules = []
    for rule in _harsher():
        if rule.code == "tax.serious_evasion":
            rule = dataclasses.replace(rule, restriction=restriction(AIR, 200, "385"))
        if rule.code == "social_insurance.unpaid":
            rule = dataclasses.replace(rule, condition="record.amount_cny >= 1000")
        rules.append(rule)
    return tuple(rules)


def test_the_same_rulebook_changes_nothing(records: pa.Table) -> None:
    result = simulate(duckdb.connect(), records, batch_rulebook(), batch_rulebook(), ON)
    assert result.shifts == ()
    assert result.restricted.newly == result.restricted.released == 0
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
    assert result.restricted.released > 0
    assert result.by_rule["rail.smoking"].released == result.by_rule["rail.smoking"].current > 0
    json = result.as_json()
    assert json["bands"]["D"]["change"] == result.bands["D"].change
    assert sum(s["subjects"] for s in json["shifts"]) == sum(moves.values())


def test_every_count_equals_the_domain_core_subject_by_subject() -> None:
    spec = PopulationSpec(
        3000,
        seed=21,
        rates=dict.fromkeys(KIND_CODES, 40.0),
        unnoticed_share=0.05,
        overturn_share=0.1,
    )
    table = pa.concat_tables(t for _people, t in record_tables(spec))
    events: dict[str, list[Event]] = defaultdict(list)
    for row in table.to_pylist():
        events[row["subject"]].extend(events_of(row))
    current, proposed = batch_rulebook(), batch_rulebook(*_reshaped())
    for on in (date(2025, 2, 1), ON):
        result = simulate(duckdb.connect(), table, current, proposed, on)
        assert_simulation_matches(result, expected(events, current, proposed, on))
        assert result.restricted.newly > 0
        assert result.restricted.released > 0
        assert result.review_opened > 0
