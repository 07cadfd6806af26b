"""Aggregate statistics over real databases: counts by scope, rule, region and day."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import TODAY, SettableClock, body, judgment, ric_number
from trustledger.bootstrap import Registry
from trustledger.domain.submissions import Source
from trustledger.store.statistics import SqlStatistics

ALL = Source("all", ("*",))


def _submit_on(registry: Registry, clock: SettableClock, days_ago: int, bodies: list[dict]) -> None:
    clock.day = TODAY - timedelta(days=days_ago)
    decided = (clock.day - timedelta(days=1)).isoformat()
    occurred = (clock.day - timedelta(days=20)).isoformat()
    registry.intake.submit_many(
        [b | {"occurred_on": occurred, "decided_on": decided} for b in bodies], source=ALL
    )
    clock.day = TODAY


def _population(registry: Registry, clock: SettableClock) -> None:
    beijing = [body(subject=ric_number(region="110105")) for _ in range(12)]
    shanghai = [judgment(subject=ric_number(region="310101")) for _ in range(3)]
    _submit_on(registry, clock, 20, beijing + shanghai)  # in effect from 10 days ago
    _submit_on(registry, clock, 200, [body(subject=ric_number(region="110105"))])  # ended
    _submit_on(registry, clock, 2, [body(subject=ric_number(region="310104"))])  # pending


def test_active_restrictions_are_counted_by_scope_rule_and_region(
    registry: Registry, clock: SettableClock
) -> None:
    _population(registry, clock)
    reader = SqlStatistics(registry.engine)
    active = reader.active(TODAY)
    assert (active.count, active.people) == (15, 15)
    by_scope = {t.key: (t.count, t.people) for t in reader.active_by_scope(TODAY)}
    assert by_scope == {"air": (3, 3), "rail": (12, 12), "rail_premium": (3, 3)}
    by_reason = {t.key: t.count for t in reader.active_by_reason(TODAY)}
    assert by_reason == {"rail.smoking": 12, "court.judgment_default": 3}
    assert {t.key: t.count for t in reader.active_by_region(TODAY)} == {"11": 12, "31": 3}


def test_restrictions_are_counted_on_the_day_they_start_and_the_day_they_end(
    registry: Registry, clock: SettableClock
) -> None:
    _population(registry, clock)
    reader = SqlStatistics(registry.engine)
    first = TODAY - timedelta(days=30)
    started = {t.key: t.count for t in reader.started(first, TODAY, per="day")}
    assert started == {(TODAY - timedelta(days=10)).isoformat(): 15}
    # Noticed 200 days ago, in effect from 190 days ago for 180 days: not in effect from day -10.
    ended = {t.key: t.count for t in reader.ended(first, TODAY, per="day")}
    assert ended == {(TODAY - timedelta(days=10)).isoformat(): 1}


def test_a_day_before_anything_counts_nothing(registry: Registry, clock: SettableClock) -> None:
    _population(registry, clock)
    reader = SqlStatistics(registry.engine)
    long_ago = TODAY - timedelta(days=1000)
    assert reader.active(long_ago).count == 0
    assert reader.started(long_ago, long_ago, per="day") == []


def test_weeks_are_keyed_by_their_monday(registry: Registry, clock: SettableClock) -> None:
    _population(registry, clock)
    reader = SqlStatistics(registry.engine)
    started_on = TODAY - timedelta(days=10)
    monday = started_on - timedelta(days=started_on.weekday())
    first = TODAY - timedelta(days=60)
    started = {t.key: (t.count, t.people) for t in reader.started(first, TODAY, per="week")}
    assert started == {monday.isoformat(): (15, 15)}
    ended = {t.key: t.count for t in reader.ended(first, TODAY, per="week")}
    assert ended == {monday.isoformat(): 1}


def test_appeals_are_counted_by_outcome_and_days_to_a_decision(
    registry: Registry, clock: SettableClock
) -> None:
    subjects = [ric_number(region="110105") for _ in range(3)]
    _submit_on(registry, clock, 12, [body(subject=s) for s in subjects])
    filed = [registry.appeals.file_appeal(s, grounds="not me", actor="officer:a") for s in subjects]
    clock.day = TODAY + timedelta(days=5)
    registry.appeals.decide_appeal(
        filed[0].appeal_id, outcome="overturned", reasons="wrong train", actor="officer:a"
    )
    clock.day = TODAY + timedelta(days=20)
    registry.appeals.decide_appeal(
        filed[1].appeal_id, outcome="upheld", reasons="the record stands", actor="officer:a"
    )
    reader = SqlStatistics(registry.engine)
    first, last = TODAY, TODAY + timedelta(days=20)
    states = {t.key: t.count for t in reader.appeals_by_state(first, last, today=last)}
    assert states == {"overturned": 1, "upheld": 1, "overdue": 1}
    assert {t.key: t.count for t in reader.decision_times(first, last)} == {"4-7": 1, "16+": 1}
    assert {t.key: t.count for t in reader.decision_days(first, last)} == {"5": 1, "20": 1}
    assert (reader.decided(first, last).count, reader.decided(first, last).people) == (2, 2)
