"""Statistics for officials: aggregates only, each group of fewer than 10 people suppressed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from time import monotonic
from typing import Any, Literal, Protocol

from stdnum import numdb

from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import Rulebook, Scope
from trustledger.domain.texts import N_, Message
from trustledger.services.ports import Clock

Period = Literal["day", "week"]
PERIODS: tuple[Period, ...] = ("day", "week")
STEP = {"day": 1, "week": 7}

# A group of fewer people than this is shown as "<10", never as its count.
SUPPRESS_BELOW = 10
MAX_DAYS = 366
# Pages refresh their figures every 30 s, each a dozen scans of the derived tables: many officials
# watching must not multiply that. Figures this fresh still count as real time.
FRESH_SECONDS = 10.0

APPEAL_STATES = {
    "pending": N_("Pending, within the deadline"),
    "overdue": N_("Pending, past the deadline"),
    "upheld": N_("Upheld"),
    "overturned": N_("Overturned"),
    "modified": N_("Modified"),
}
DECISION_TIMES = {
    "0-3": N_("Within 3 days"),
    "4-7": N_("4 to 7 days"),
    "8-15": N_("8 to 15 days"),
    "16+": N_("More than 15 days"),
}
REVIEW_TITLE = N_("An officer's decision on a review")
SCOPE_LABELS = {
    Scope.AIR.value: N_("Air"),
    Scope.RAIL.value: N_("Rail, every seat"),
    Scope.RAIL_PREMIUM.value: N_("Rail, premium seats only"),
}


@dataclass(frozen=True, slots=True)
class Tally:
    """A raw count from the store: how many items and how many distinct people they concern."""

    key: str
    count: int
    people: int


class StatsReader(Protocol):
    """Aggregate queries over the derived tables (trustledger.store.statistics implements it)."""

    def active(self, on: date) -> Tally: ...

    def active_by_scope(self, on: date) -> list[Tally]: ...

    def active_by_reason(self, on: date) -> list[Tally]: ...

    def active_by_region(self, on: date) -> list[Tally]:
        """Keyed by the first two characters of the identity number."""
        ...

    def started(self, first: date, last: date, *, per: Period) -> list[Tally]:
        """Restrictions that took effect, keyed by ISO day (for weeks: the week's Monday)."""
        ...

    def ended(self, first: date, last: date, *, per: Period) -> list[Tally]:
        """Restrictions no longer in effect from that day on (lifted or expired), keyed alike."""
        ...

    def appeals_by_state(self, first: date, last: date, *, today: date) -> list[Tally]:
        """Appeals filed in the window: pending, overdue, or their outcome."""
        ...

    def decision_times(self, first: date, last: date) -> list[Tally]:
        """Appeals decided in the window, keyed by DECISION_TIMES' keys."""
        ...

    def decision_days(self, first: date, last: date) -> list[Tally]:
        """Appeals decided in the window, keyed by the whole days they took."""
        ...

    def decided(self, first: date, last: date) -> Tally: ...


@dataclass(frozen=True, slots=True)
class Figure:
    """A published number: `count` is None when the group is too small to show."""

    key: str
    label: str
    count: int | None

    @property
    def suppressed(self) -> bool:
        return self.count is None

    @property
    def shown(self) -> str:
        return f"<{SUPPRESS_BELOW}" if self.count is None else f"{self.count:,}"

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "count": self.count, "shown": self.shown}


@dataclass(frozen=True, slots=True)
class DayFigures:
    day: date
    started: Figure
    ended: Figure

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "started": self.started.count,
            "started_shown": self.started.shown,
            "ended": self.ended.count,
            "ended_shown": self.ended.shown,
        }


@dataclass(frozen=True, slots=True)
class Stats:
    """What the statistics page and GET /v1/stats show: no row is about one person."""

    on: date
    first_day: date
    per: Period
    active: Figure
    people: Figure
    by_mode: tuple[Figure, ...]
    by_rule: tuple[Figure, ...]
    by_province: tuple[Figure, ...]
    per_day: tuple[DayFigures, ...]
    appeals: tuple[Figure, ...]  # filed in the window, by state or outcome
    decision_times: tuple[Figure, ...]  # decided in the window, by days taken
    median_days: float | None  # None when fewer than SUPPRESS_BELOW people's appeals were decided

    def as_dict(self) -> dict[str, Any]:
        def figures(items: Sequence[Figure]) -> list[dict[str, Any]]:
            return [f.as_dict() for f in items]

        return {
            "on": self.on.isoformat(),
            "from": self.first_day.isoformat(),
            "per": self.per,
            "suppressed_below": SUPPRESS_BELOW,
            "active_restrictions": self.active.as_dict(),
            "people_restricted": self.people.as_dict(),
            "active_by_mode": figures(self.by_mode),
            "active_by_rule": figures(self.by_rule),
            "active_by_province": figures(self.by_province),
            "per_day": [d.as_dict() for d in self.per_day],
            "appeals_by_outcome": figures(self.appeals),
            "appeal_decision_days": figures(self.decision_times),
            "appeal_median_days": self.median_days,
        }


def publish(tally: Tally, label: str) -> Figure:
    """The figure for one group: suppressed when it concerns fewer than SUPPRESS_BELOW people.

    An empty group is shown as 0: it reveals no one.
    """
    shown = tally.count if tally.people >= SUPPRESS_BELOW or tally.count == 0 else None
    return Figure(tally.key, label, shown)


def publish_partition(tallies: Sequence[Tally], label: Callable[[str], str]) -> tuple[Figure, ...]:
    """Groups that add up to a published total, largest first.

    When only one group is suppressed, the total minus the others would give it away, so the
    next smallest group is suppressed too (secondary suppression).
    """
    figures = {t.key: publish(t, label(t.key)) for t in tallies}
    hidden = [f for f in figures.values() if f.suppressed]
    shown = [t for t in tallies if figures[t.key].count]
    if len(hidden) == 1 and shown:
        smallest = min(shown, key=lambda t: (t.count, t.key)).key
        figures[smallest] = Figure(smallest, figures[smallest].label, None)
    # Shown groups by size; suppressed ones by key, so their order says nothing of their size.
    return tuple(sorted(figures.values(), key=lambda f: (f.suppressed, -(f.count or 0), f.key)))


@cache
def province_name(code: str) -> str:
    """The province of a two-digit region code (GB/T 2260), from python-stdnum's data."""
    for _, props in numdb.get("cn/loc").info(code)[:1]:
        if "province" in props:
            return f"{props['province']} ({code})"
    return f"region {code}"


class Statistics:
    def __init__(
        self, reader: StatsReader, *, rulebook: Rulebook, scheme_name: str, clock: Clock
    ) -> None:
        self._reader = reader
        self._rulebook = rulebook
        self._regions = scheme_name == "cn-ric"
        self._clock = clock
        self._recent: dict[tuple[date, int, str], tuple[float, Stats]] = {}

    def snapshot(self, *, on: date | None = None, days: int = 30, per: str = "day") -> Stats:
        """Active restrictions on `on` (today by default); what started and ended in the `days`
        days up to it, per day or per week (weeks from Monday)."""
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(
                "days",
                Message.of(
                    N_("must be from 1 to %(most)s, not %(days)s"), most=MAX_DAYS, days=days
                ),
            )
        period = _period(per)
        day = on or self._clock.today()
        # The window's first day and the series' last step (a week at most) must be dates.
        if day.toordinal() < days or day > date.max - timedelta(days=7):
            raise InvalidInput(
                "on",
                Message.of(
                    N_("%(day)s leaves no %(days)s-day window in the calendar"), day=day, days=days
                ),
            )
        key = (day, days, period)
        hit = self._recent.get(key)
        if hit is not None and monotonic() - hit[0] < FRESH_SECONDS:
            return hit[1]
        stats = self._compute(day, days, period)
        self._recent = {k: v for k, v in self._recent.items() if k[0] == day}
        self._recent[key] = (monotonic(), stats)
        return stats

    def _compute(self, day: date, days: int, period: Period) -> Stats:
        first = _bucket_start(day - timedelta(days=days - 1), period)
        r = self._reader
        return Stats(
            on=day,
            first_day=first,
            per=period,
            active=publish(r.active(day), N_("Active restrictions")),
            people=publish(_people(r.active(day)), N_("People restricted")),
            by_mode=tuple(
                publish(t, SCOPE_LABELS.get(t.key, t.key)) for t in r.active_by_scope(day)
            ),
            by_rule=publish_partition(r.active_by_reason(day), self._rule_title),
            by_province=publish_partition(r.active_by_region(day), province_name)
            if self._regions
            else (),
            appeals=_fixed(r.appeals_by_state(first, day, today=day), APPEAL_STATES),
            decision_times=_fixed(r.decision_times(first, day), DECISION_TIMES),
            median_days=_median(r.decision_days(first, day), r.decided(first, day)),
            per_day=_series(
                r.started(first, day, per=period),
                r.ended(first, day, per=period),
                first,
                day,
                period,
            ),
        )

    def _rule_title(self, code: str) -> str:
        if code == "review":
            return REVIEW_TITLE
        titles = {rule.code: rule.title.en for rule in self._rulebook.rules}
        return f"{titles[code]} ({code})" if code in titles else code


def _fixed(tallies: Sequence[Tally], labels: dict[str, str]) -> tuple[Figure, ...]:
    """A fixed set of groups in their own order, zeros included. No total of these is published,
    so a suppressed group cannot be worked out from the others: no secondary suppression."""
    found = {t.key: t for t in tallies}
    return tuple(publish(found.get(k, Tally(k, 0, 0)), label) for k, label in labels.items())


def _median(by_days: Sequence[Tally], decided: Tally) -> float | None:
    if decided.people < SUPPRESS_BELOW:
        return None
    days = sorted((int(t.key), t.count) for t in by_days)
    total = sum(n for _, n in days)
    if total == 0:
        return None
    middle = [(total - 1) // 2, total // 2]  # the same index twice when total is odd
    values, seen = [], 0
    for value, n in days:
        values += [value for i in middle if seen <= i < seen + n]
        seen += n
    return sum(values) / len(values)


def _people(t: Tally) -> Tally:
    return Tally("people", t.people, t.people)


def _period(per: str) -> Period:
    for known in PERIODS:
        if per == known:
            return known
    raise InvalidInput(
        "per",
        Message.of(
            N_("must be one of %(names)s, not %(value)r"), names=", ".join(PERIODS), value=per
        ),
    )


def _bucket_start(day: date, per: Period) -> date:
    return day - timedelta(days=day.weekday()) if per == "week" else day


def _series(
    started: Sequence[Tally], ended: Sequence[Tally], first: date, last: date, per: Period
) -> tuple[DayFigures, ...]:
    starts = {t.key: t for t in started}
    ends = {t.key: t for t in ended}
    none = Tally("", 0, 0)
    out = []
    day = first
    while day <= last:
        key = day.isoformat()
        out.append(
            DayFigures(
                day,
                publish(starts.get(key, none), "started"),
                publish(ends.get(key, none), "ended"),
            )
        )
        day += timedelta(days=STEP[per])
    return tuple(out)
