"""The DuckDB batch recompute gives the domain core's answer for randomly drawn subjects."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

import duckdb
import pyarrow as pa
import pytest

from batch_factories import batch_restrictions, batch_rulebook, domain_restrictions, events_of
from trustledger.batch.population import KIND_CODES, PopulationSpec, record_tables
from trustledger.batch.recompute import recompute
from trustledger.domain.evaluation import evaluate
from trustledger.domain.records import Event, known_by

CURRENT = frozenset({"awaiting_notice", "pending", "active"})
AS_OF_DATES = (date(2024, 6, 1), date(2025, 7, 15), date(2026, 11, 1), date(2027, 9, 1))


@pytest.fixture(scope="module")
def population() -> pa.Table:
    # Dense rates and generous shares so that every status shows up among a few thousand people.
    spec = PopulationSpec(
        3000,
        seed=11,
        rates=dict.fromkeys(KIND_CODES, 60.0),
        repeat_share=0.5,
        late_share=0.05,
        unnoticed_share=0.05,
        overturn_share=0.1,
    )
    return pa.concat_tables(table for _people, table in record_tables(spec))


def _events_by_subject(table: pa.Table) -> dict[str, list[Event]]:
    events: dict[str, list[Event]] = defaultdict(list)
    for row in table.to_pylist():
        events[row["subject"]].extend(events_of(row))
    return events


@pytest.mark.parametrize("on", AS_OF_DATES)
def test_batch_recompute_equals_domain_evaluation_for_random_subjects(
    population: pa.Table, on: date
) -> None:
    rulebook = batch_rulebook()
    result = recompute(duckdb.connect(), population, rulebook, on)
    scores = {r["subject"]: r for r in result.scores.to_arrow_table().to_pylist()}
    restrictions = batch_restrictions(result.restrictions.to_arrow_table().to_pylist())
    current_restrictions = batch_restrictions(
        result.current_restrictions.to_arrow_table().to_pylist()
    )
    statuses = {r["record_id"]: r for r in result.assessments.to_arrow_table().to_pylist()}
    events = _events_by_subject(population)
    for subject in random.Random(on.toordinal()).sample(sorted(events), 250):
        state = evaluate(known_by(events[subject], on), rulebook, on, subject=subject)
        batch = scores.get(subject, {"score": rulebook.base_score, "band": "A"})
        assert (batch["score"], batch["band"]) == (state.score, state.band), subject
        assert restrictions.get(subject, set()) == domain_restrictions(state), subject
        current = {r for r in restrictions.get(subject, set()) if r[7] in CURRENT}
        assert current_restrictions.get(subject, set()) == current, subject
        for a in state.assessments:
            row = statuses[a.record.record_id]
            assert (row["status"], row["points"]) == (a.status.value, a.points), a.record.record_id


def test_the_drawn_population_exercises_every_restriction_status(population: pa.Table) -> None:
    seen: set[str] = set()
    for on in AS_OF_DATES:
        result = recompute(duckdb.connect(), population, batch_rulebook(), on)
        seen |= set(result.restrictions.to_arrow_table().column("status").to_pylist())
        seen |= {
            f"record:{s}" for s in result.assessments.to_arrow_table().column("status").to_pylist()
        }
    assert {"awaiting_notice", "pending", "active", "lifted", "expired"} <= seen
    records = {"in_force", "lapsed", "overturned", "time_barred", "not_applicable", "no_rule"}
    assert {f"record:{s}" for s in records} <= seen
