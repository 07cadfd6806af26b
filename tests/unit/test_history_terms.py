"""History terms (`repeat`, `points_within`) and terms after fulfilment: the domain core, the
DuckDB batch path and `simulate` agree over random histories; `explain` names what was counted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch_factories import (
    RAIL,
    batch_restrictions,
    batch_rulebook,
    domain_restrictions,
    events_of,
    restriction,
)
from domain_factories import rule
from simulation_oracle import assert_simulation_matches, expected
from trustledger.batch.history_sql import history_sql
from trustledger.batch.recompute import recompute
from trustledger.batch.simulation import simulate
from trustledger.domain.evaluation import evaluate
from trustledger.domain.explanation import explain
from trustledger.domain.records import Event, known_by
from trustledger.domain.rulebook import HistoryTerm, Measure, RestrictionSpec, Rule, Rulebook

# Two versions of the repeat fare-evasion term, a points scheme over two codes, and a rule the
# points scheme counts without having a term itself.
PAID_PLUS_90 = RestrictionSpec(RAIL, 365, after_fulfilment_days=90)
FARE = "rail.fare_evasion"
HISTORY_RULES = (
    rule(FARE, points=-10, restriction=restriction(RAIL, 365), lift_on_fulfilment=True,
         effective_to=date(2020, 12, 31),
         history=HistoryTerm(Measure.RECORDS, frozenset({FARE}), 365, 3, PAID_PLUS_90)),
    rule(FARE, points=-10, restriction=restriction(RAIL, 365), lift_on_fulfilment=True,
         effective_from=date(2021, 1, 1),
         history=HistoryTerm(Measure.RECORDS, frozenset({FARE}), 180, 2,
                             RestrictionSpec(RAIL, 120, after_fulfilment_days=30))),
    rule("rail.smoking", points=-4, counts_for_days=365),
    rule("rail.disorder", points=-6, restriction=restriction(RAIL, 180),
         history=HistoryTerm(Measure.POINTS, frozenset({"rail.smoking", "rail.disorder"}), 1095,
                             12)),
)  # fmt: skip
CODES = (FARE, FARE, FARE, "rail.smoking", "rail.disorder")
START = date(2019, 1, 1)


UNENDED = frozenset({"awaiting_notice", "pending", "active"})


def _maybe(draw: Any, base: date, most: int, share: float) -> date | None:
    if draw(st.floats(0, 1)) >= share:
        return None
    return base + timedelta(days=draw(st.integers(0, most)))


@st.composite
def histories(draw: Any) -> list[dict[str, Any]]:
    rows = []
    for s in range(draw(st.integers(1, 6))):
        for n in range(draw(st.integers(0, 7))):
            occurred = START + timedelta(days=draw(st.integers(0, 1000)))
            decided = occurred + timedelta(days=draw(st.integers(0, 40)))
            recorded = decided + timedelta(days=draw(st.integers(0, 20)))
            rows.append({
                "record_id": f"s{s}-r{n}", "subject": f"s{s}", "type": draw(st.sampled_from(CODES)),
                "occurred_on": occurred, "decided_on": decided, "recorded_on": recorded,
                "noticed_on": _maybe(draw, recorded, 3, 0.9),
                "fulfilled_on": _maybe(draw, recorded, 200, 0.6),
                "overturned_on": _maybe(draw, recorded, 300, 0.1),
            })  # fmt: skip
    return rows


_SCHEMA = pa.schema(
    [("record_id", pa.string()), ("subject", pa.string()), ("type", pa.string())]
    + [(c, pa.date32()) for c in ("occurred_on", "decided_on", "recorded_on", "noticed_on",
                                  "fulfilled_on", "overturned_on")]
)  # fmt: skip


def _events(rows: list[dict[str, Any]]) -> dict[str, list[Event]]:
    events: dict[str, list[Event]] = defaultdict(list)
    for row in rows:
        events[row["subject"]].extend(events_of(row))
    return events


def assert_batch_judges_as_the_core(
    rows: list[dict[str, Any]], rulebook: Rulebook, on: date
) -> None:
    """Scores, restrictions and unended restrictions of every subject: batch = domain core."""
    table = pa.Table.from_pylist(rows, schema=_SCHEMA)
    result = recompute(duckdb.connect(), table, rulebook, on)
    scores = {r["subject"]: r["score"] for r in result.scores.to_arrow_table().to_pylist()}
    batch = batch_restrictions(result.restrictions.to_arrow_table().to_pylist())
    current = batch_restrictions(result.current_restrictions.to_arrow_table().to_pylist())
    for subject, events in _events(rows).items():
        state = evaluate(known_by(events, on), rulebook, on, subject=subject)
        assert scores.get(subject, rulebook.base_score) == state.score
        assert batch.get(subject, set()) == domain_restrictions(state), subject
        unended = {r for r in batch.get(subject, set()) if r[7] in UNENDED}
        assert current.get(subject, set()) == unended, subject


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=histories(), days=st.integers(0, 1400))
def test_batch_recompute_equals_the_domain_core_over_random_histories(
    rows: list[dict[str, Any]], days: int
) -> None:
    assert_batch_judges_as_the_core(
        rows, batch_rulebook(*HISTORY_RULES), START + timedelta(days=days)
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=histories(), days=st.integers(0, 1400))
def test_simulating_the_history_terms_counts_what_the_domain_core_counts(
    rows: list[dict[str, Any]], days: int
) -> None:
    on = START + timedelta(days=days)
    without = tuple(r for r in HISTORY_RULES if r.history is None) + tuple(
        _without_history(r) for r in HISTORY_RULES if r.history is not None
    )
    current, proposed = batch_rulebook(*without), batch_rulebook(*HISTORY_RULES)
    table = pa.Table.from_pylist(rows, schema=_SCHEMA)
    result = simulate(duckdb.connect(), table, current, proposed, on)
    want = expected(_events(rows), current, proposed, on)
    assert result.subjects == want.subjects
    assert_simulation_matches(result, want)


def _without_history(r: Rule) -> Rule:
    return replace(r, history=None)


def _evasions(*days: tuple[date, date | None]) -> list[Event]:
    """Fare evasions occurring on each date, decided a week later, noticed at once, paid maybe."""
    rows = [
        {"record_id": f"e{i}", "subject": "s", "type": FARE, "occurred_on": occurred,
         "decided_on": occurred + timedelta(days=7), "recorded_on": occurred + timedelta(days=7),
         "noticed_on": occurred + timedelta(days=7), "fulfilled_on": paid, "overturned_on": None}
        for i, (occurred, paid) in enumerate(days, start=1)
    ]  # fmt: skip
    return [e for row in rows for e in events_of(row)]


def test_the_third_evasion_in_a_year_bars_trains_until_90_days_after_payment() -> None:
    events = _evasions(
        (date(2019, 1, 10), date(2019, 2, 1)),
        (date(2019, 5, 10), date(2019, 6, 1)),
        (date(2019, 11, 10), date(2019, 12, 1)),
    )
    state = evaluate(events, batch_rulebook(*HISTORY_RULES), date(2020, 2, 1), subject="s")
    by_id = {r.restriction_id: r for r in state.restrictions}
    assert by_id["e2"].status.value == "lifted"  # the second: lifted on payment
    third = by_id["e3"]
    assert third.lifted_on is None  # paying does not lift it ...
    assert third.ends_on == date(2019, 12, 1) + timedelta(days=89)  # ... it ends 90 days on
    assert third.starts_on == date(2019, 11, 17) + timedelta(days=10)  # after the notice period
    assert third.in_effect_on(date(2020, 2, 1))


def test_an_evasion_outside_the_year_does_not_make_a_repeat() -> None:
    events = _evasions(
        (date(2019, 1, 10), None), (date(2019, 12, 1), None), (date(2020, 1, 20), None)
    )
    state = evaluate(events, batch_rulebook(*HISTORY_RULES), date(2020, 3, 1), subject="s")
    [third] = [a for a in state.assessments if a.record.record_id == "e3"]
    assert third.tally is not None
    assert (third.tally.counted, third.tally.holds) == (("e2", "e3"), False)


def test_an_overturned_earlier_evasion_no_longer_counts_towards_the_repeat() -> None:
    events = _evasions(
        (date(2019, 1, 10), None), (date(2019, 2, 10), None), (date(2019, 3, 10), None)
    )
    rulebook = batch_rulebook(*HISTORY_RULES)
    assert evaluate(events, rulebook, date(2019, 4, 1), subject="s").assessments[2].term_holds
    overturn = events_of(
        {
            "record_id": "e1",
            "subject": "s",
            "type": FARE,
            "occurred_on": date(2019, 1, 10),
            "decided_on": date(2019, 1, 17),
            "recorded_on": date(2019, 1, 17),
            "overturned_on": date(2019, 3, 30),
        }
    )
    state = evaluate(events + overturn[1:], rulebook, date(2019, 4, 1), subject="s")
    assert not state.assessments[2].term_holds  # fmt: skip


def test_each_evasion_is_judged_by_the_term_in_force_when_it_occurred() -> None:
    # Two in 180 days make a repeat under the 2021 version, not under the 2018 one.
    events = _evasions((date(2020, 12, 1), None), (date(2021, 1, 5), None))
    state = evaluate(events, batch_rulebook(*HISTORY_RULES), date(2021, 2, 1), subject="s")
    first, second = state.assessments
    assert first.tally is not None
    assert not first.term_holds
    assert second.term_holds
    assert second.rule is not None
    assert second.rule.effective_from == date(2021, 1, 1)


def test_explain_names_the_records_that_made_the_count() -> None:
    events = _evasions(
        (date(2019, 1, 10), None), (date(2019, 2, 10), None), (date(2019, 3, 10), None)
    )
    state = evaluate(events, batch_rulebook(*HISTORY_RULES), date(2019, 4, 1), subject="s")
    history = explain(state)["records"][2]["history"]
    assert history == {
        "measure": "records", "within_days": 365, "at_least": 3, "total": 3, "holds": True,
        "counted": ["e1", "e2", "e3"],
    }  # fmt: skip
    assert explain(state)["records"][0]["history"]["holds"] is False


def test_demerit_points_within_three_years_gate_a_restriction() -> None:
    rows = [
        {"record_id": f"p{i}", "subject": "s", "type": code, "occurred_on": day,
         "decided_on": day, "recorded_on": day, "noticed_on": day}
        for i, (code, day) in enumerate(
            [("rail.smoking", date(2019, 1, 1)), ("rail.disorder", date(2020, 6, 1)),
             ("rail.disorder", date(2021, 12, 1))], start=1)
    ]  # fmt: skip
    events = [e for row in rows for e in events_of(row)]
    state = evaluate(events, batch_rulebook(*HISTORY_RULES), date(2021, 12, 20), subject="s")
    # 4 + 6 points: the first disorder restricts nothing; 4 + 6 + 6 = 16 >= 12: the second does.
    assert [r.restriction_id for r in state.restrictions] == ["p3"]
    assert state.assessments[2].tally is not None
    assert state.assessments[2].tally.total == 16


# The terms start inside the drawn histories: before their first day the batch skips the tally
# (no term can judge a record yet), from it on it tallies only the codes the terms count.
TERM_START = date(2020, 7, 1)
LATE_TERMS = (
    replace(HISTORY_RULES[0], effective_from=TERM_START),
    HISTORY_RULES[1],
    rule(FARE, points=-10, restriction=restriction(RAIL, 365), lift_on_fulfilment=True,
         effective_to=TERM_START - timedelta(days=1)),
    HISTORY_RULES[2],
    replace(HISTORY_RULES[3], effective_to=TERM_START - timedelta(days=1), history=None),
    replace(HISTORY_RULES[3], effective_from=TERM_START, history=HistoryTerm(
        Measure.POINTS, frozenset({"rail.smoking", "rail.disorder"}), 400, 10)),
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=histories(), days=st.integers(0, 1400))
def test_terms_starting_late_judge_the_same_in_batch_before_and_after_they_start(
    rows: list[dict[str, Any]], days: int
) -> None:
    assert_batch_judges_as_the_core(rows, batch_rulebook(*LATE_TERMS), START + timedelta(days=days))


def test_the_batch_leaves_out_the_tally_until_a_term_is_in_force() -> None:
    rulebook = batch_rulebook(*LATE_TERMS)
    before = history_sql(rulebook, TERM_START - timedelta(days=1))
    assert before == "termed AS (SELECT * FROM judged)"
    after = history_sql(rulebook, TERM_START)
    assert "JOIN counted" in after
    assert "type IN ('rail.disorder', 'rail.fare_evasion', 'rail.smoking')" in after
    # The widest window of the terms in force: 400 days before the points term's first day.
    assert "occurred_on >= DATE '2019-05-28'" in after


def test_a_term_holds_in_batch_from_its_first_day_as_in_the_domain_core() -> None:
    def row(record_id: str, code: str, occurred: date) -> dict[str, Any]:
        recorded = occurred + timedelta(days=2)
        return {"record_id": record_id, "subject": "s", "type": code, "occurred_on": occurred,
                "decided_on": occurred + timedelta(days=1), "recorded_on": recorded,
                "noticed_on": recorded, "fulfilled_on": None, "overturned_on": None}  # fmt: skip

    rows = [row("b", "rail.smoking", date(2020, 6, 20)), row("a", "rail.disorder", TERM_START)]
    rulebook = batch_rulebook(*LATE_TERMS)
    table = pa.Table.from_pylist(rows, schema=_SCHEMA)
    for on in (TERM_START + timedelta(days=10), TERM_START + timedelta(days=40)):
        result = recompute(duckdb.connect(), table, rulebook, on)
        batch = batch_restrictions(result.restrictions.to_arrow_table().to_pylist())
        state = evaluate(known_by(_events(rows)["s"], on), rulebook, on, subject="s")
        assert batch["s"] == domain_restrictions(state) != set()
