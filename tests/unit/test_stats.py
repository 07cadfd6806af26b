"""Statistics: small groups suppressed, secondary suppression, labels, the per-day series."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from tests.factories import TODAY, SettableClock, rulebook
from trustledger.domain.errors import InvalidInput
from trustledger.services.reading.stats import (
    Statistics,
    Tally,
    province_name,
    publish,
    publish_partition,
)


@dataclass
class FakeReader:
    scopes: list[Tally] = field(default_factory=list)
    reasons: list[Tally] = field(default_factory=list)
    regions: list[Tally] = field(default_factory=list)
    starts: list[Tally] = field(default_factory=list)
    ends: list[Tally] = field(default_factory=list)
    asked: list[tuple[date, date, str]] = field(default_factory=list)
    appeal_states: list[Tally] = field(default_factory=list)
    times: list[Tally] = field(default_factory=list)
    days: list[Tally] = field(default_factory=list)

    def active(self, on: date) -> Tally:
        return Tally(
            "active", sum(t.count for t in self.reasons), sum(t.people for t in self.reasons)
        )

    def active_by_scope(self, on: date) -> list[Tally]:
        return self.scopes

    def active_by_reason(self, on: date) -> list[Tally]:
        return self.reasons

    def active_by_region(self, on: date) -> list[Tally]:
        return self.regions

    def started(self, first: date, last: date, *, per: str) -> list[Tally]:
        self.asked.append((first, last, per))
        return self.starts

    def ended(self, first: date, last: date, *, per: str) -> list[Tally]:
        return self.ends

    def appeals_by_state(self, first: date, last: date, *, today: date) -> list[Tally]:
        return self.appeal_states

    def decision_times(self, first: date, last: date) -> list[Tally]:
        return self.times

    def decision_days(self, first: date, last: date) -> list[Tally]:
        return self.days

    def decided(self, first: date, last: date) -> Tally:
        return Tally("decided", sum(t.count for t in self.days), sum(t.people for t in self.days))


def _stats(reader: FakeReader, scheme: str = "cn-ric") -> Statistics:
    return Statistics(reader, rulebook=rulebook(), scheme_name=scheme, clock=SettableClock())


def test_a_group_of_fewer_than_ten_people_is_shown_as_less_than_ten() -> None:
    small = publish(Tally("air", 30, 9), "Air")  # 30 restrictions, but only 9 people
    assert small.count is None
    assert small.shown == "<10"
    assert small.as_dict() == {"key": "air", "label": "Air", "count": None, "shown": "<10"}
    assert publish(Tally("air", 10, 10), "Air").count == 10


def test_one_suppressed_group_hides_the_next_smallest_too() -> None:
    tallies = [Tally("a", 100, 100), Tally("b", 20, 20), Tally("c", 12, 12), Tally("d", 3, 3)]
    figures = publish_partition(tallies, str.upper)
    assert [(f.key, f.count) for f in figures] == [("a", 100), ("b", 20), ("c", None), ("d", None)]
    assert [f.label for f in figures] == ["A", "B", "C", "D"]


def test_suppressed_groups_are_listed_by_key_not_by_size() -> None:
    tallies = [Tally("x", 60, 60), Tally("b", 9, 3), Tally("a", 12, 8), Tally("c", 2, 2)]
    figures = publish_partition(tallies, str)
    assert [f.key for f in figures] == ["x", "a", "b", "c"]


def test_an_empty_group_is_not_what_hides_a_suppressed_one() -> None:
    tallies = [Tally("a", 100, 100), Tally("b", 30, 30), Tally("c", 4, 4), Tally("d", 0, 0)]
    counts = {f.key: f.count for f in publish_partition(tallies, str)}
    assert counts == {"a": 100, "b": None, "c": None, "d": 0}


def test_two_suppressed_groups_need_no_more_suppression() -> None:
    tallies = [Tally("a", 100, 100), Tally("b", 5, 5), Tally("c", 3, 3)]
    figures = publish_partition(tallies, str)
    assert [f.count for f in figures] == [100, None, None]


def test_a_snapshot_labels_rules_modes_and_provinces() -> None:
    reader = FakeReader(
        scopes=[Tally("air", 40, 40), Tally("rail", 0, 0), Tally("rail_premium", 40, 40)],
        reasons=[Tally("court.judgment_default", 40, 40), Tally("review", 25, 25)],
        regions=[Tally("11", 50, 50), Tally("31", 15, 15)],
    )
    stats = _stats(reader).snapshot(days=7)
    assert stats.active.count == 65
    assert [f.label for f in stats.by_mode] == [
        "Air",
        "Rail, every seat",
        "Rail, premium seats only",
    ]
    assert stats.by_mode[1].count == 0  # nobody: a zero reveals no one
    assert [f.label for f in stats.by_rule] == [
        "Defaulting on a court judgment (court.judgment_default)",
        "An officer's decision on a review",
    ]
    assert [f.label for f in stats.by_province] == ["北京市 (11)", "上海市 (31)"]


def test_the_per_day_series_covers_every_day_with_zeros_and_suppression() -> None:
    day = TODAY - timedelta(days=1)
    reader = FakeReader(
        starts=[Tally(day.isoformat(), 12, 12), Tally(TODAY.isoformat(), 4, 4)],
        ends=[Tally(TODAY.isoformat(), 30, 25)],
    )
    stats = _stats(reader).snapshot(days=3)
    assert reader.asked == [(TODAY - timedelta(days=2), TODAY, "day")]
    assert [(d.day, d.started.count, d.ended.count) for d in stats.per_day] == [
        (TODAY - timedelta(days=2), 0, 0),
        (day, 12, 0),
        (TODAY, None, 30),
    ]
    assert stats.as_dict()["per_day"][2]["started_shown"] == "<10"


def test_weeks_start_on_monday_and_cover_the_window() -> None:
    reader = FakeReader(starts=[Tally("2026-11-16", 40, 40)])
    stats = _stats(reader).snapshot(on=date(2026, 11, 25), days=14, per="week")  # a Wednesday
    assert reader.asked == [(date(2026, 11, 9), date(2026, 11, 25), "week")]
    assert [(d.day, d.started.count) for d in stats.per_day] == [
        (date(2026, 11, 9), 0),
        (date(2026, 11, 16), 40),
        (date(2026, 11, 23), 0),
    ]
    assert stats.as_dict()["per"] == "week"
    with pytest.raises(InvalidInput, match=r"^per:"):
        _stats(reader).snapshot(per="month")


def test_no_provinces_for_a_scheme_without_regions() -> None:
    reader = FakeReader(regions=[Tally("ab", 50, 50)])
    assert _stats(reader, scheme="opaque").snapshot().by_province == ()


@pytest.mark.parametrize("days", [0, 367])
def test_a_window_out_of_range_is_refused(days: int) -> None:
    with pytest.raises(InvalidInput, match=r"^days:"):
        _stats(FakeReader()).snapshot(days=days)


@pytest.mark.parametrize(
    ("on", "per"), [(date(1, 1, 29), "day"), (date.max, "day"), (date(9999, 12, 28), "week")]
)
def test_a_window_past_the_ends_of_the_calendar_is_refused(on: date, per: str) -> None:
    with pytest.raises(InvalidInput, match=r"^on:"):
        _stats(FakeReader()).snapshot(on=on, days=30, per=per)


def test_an_unknown_region_code_is_named_as_such() -> None:
    assert province_name("99") == "region 99"


def test_appeals_are_shown_by_outcome_in_a_fixed_order_with_zeros() -> None:
    reader = FakeReader(
        appeal_states=[
            Tally("overturned", 14, 14),
            Tally("upheld", 30, 29),
            Tally("pending", 3, 3),
        ],
        times=[Tally("0-3", 20, 20), Tally("8-15", 24, 23)],
    )
    stats = _stats(reader).snapshot()
    assert [(f.key, f.count) for f in stats.appeals] == [
        ("pending", None),
        ("overdue", 0),
        ("upheld", 30),
        ("overturned", 14),  # no total of appeals is published: nothing to work pending out from
        ("modified", 0),
    ]
    assert stats.decision_times[0].label == "Within 3 days"
    assert [f.count for f in stats.decision_times] == [20, 0, 24, 0]


@pytest.mark.parametrize(
    ("days", "median"),
    [
        ([Tally("2", 5, 5), Tally("9", 6, 6)], 9.0),  # 11 appeals: the 6th
        ([Tally("2", 5, 5), Tally("10", 5, 5)], 6.0),  # 10 appeals: between the 5th and 6th
        ([Tally("2", 4, 4), Tally("10", 5, 5)], None),  # 9 people: not shown
    ],
)
def test_the_median_time_to_a_decision_is_shown_for_ten_people_or_more(
    days: list[Tally], median: float | None
) -> None:
    assert _stats(FakeReader(days=days)).snapshot().median_days == median


def test_figures_asked_again_within_seconds_are_not_counted_again() -> None:
    reader = FakeReader(starts=[Tally(TODAY.isoformat(), 40, 40)])
    statistics = _stats(reader)
    first = statistics.snapshot(days=7)
    assert statistics.snapshot(days=7) is first
    assert len(reader.asked) == 1
    statistics.snapshot(days=30)
    assert len(reader.asked) == 2
