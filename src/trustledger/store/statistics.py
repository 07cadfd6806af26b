"""Aggregate SQL over the derived restrictions table: counts and distinct people, never rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Engine,
    Table,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from trustledger.domain.barring import SCOPE_BITS
from trustledger.domain.rulebook import Scope
from trustledger.services.reading.stats import Period, Tally
from trustledger.store import tables as t
from trustledger.store.engine import SQLITE_BEGIN, is_postgres

R = t.restrictions
A = t.appeals
# Days to an appeal's decision, in the buckets the page shows (the deadline is 15 days).
DECISION_BUCKETS = (("0-3", 3), ("4-7", 7), ("8-15", 15))
LATE_BUCKET = "16+"


def _in_effect(on: date) -> ColumnElement[bool]:
    """What the stored barring span says of `on` (domain.barring.BarringSpan)."""
    return and_(R.c.first_barred <= on, R.c.last_barred >= on)


def _has_scope(scope: Scope) -> ColumnElement[bool]:
    return R.c.scope_mask.op("&")(SCOPE_BITS[scope]) != 0


# A restriction lifted on or before its first day never took effect: it neither starts nor ends.
_TOOK_EFFECT = or_(R.c.lifted_on.is_(None), R.c.lifted_on > R.c.starts_on)


class SqlStatistics:
    """Implements services.stats.StatsReader; each method reads in a transaction of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect().execution_options(**{SQLITE_BEGIN: "DEFERRED"}) as conn:
            try:
                yield conn
            finally:
                conn.rollback()

    def _grouped(
        self, key: ColumnElement[Any], where: ColumnElement[bool], table: Table = R
    ) -> list[Tally]:
        people = func.count(func.distinct(table.c.subject))
        query = select(key.label("key"), func.count(), people).where(where).group_by(key)
        with self._read() as conn:
            return [Tally(_key(k), int(n), int(p)) for k, n, p in conn.execute(query)]

    def active(self, on: date) -> Tally:
        query = select(func.count(), func.count(func.distinct(R.c.subject))).where(_in_effect(on))
        with self._read() as conn:
            n, people = conn.execute(query).one()
        return Tally("active", int(n), int(people))

    def active_by_scope(self, on: date) -> list[Tally]:
        columns = []
        for scope in Scope:
            hit = _has_scope(scope)
            columns += [
                func.count(case((hit, 1))),
                func.count(func.distinct(case((hit, R.c.subject)))),
            ]
        with self._read() as conn:
            row = conn.execute(select(*columns).where(_in_effect(on))).one()
        return [
            Tally(scope.value, int(row[2 * i]), int(row[2 * i + 1]))
            for i, scope in enumerate(Scope)
        ]

    def active_by_reason(self, on: date) -> list[Tally]:
        return self._grouped(R.c.reason, _in_effect(on))

    def active_by_region(self, on: date) -> list[Tally]:
        return self._grouped(func.substr(R.c.subject, 1, 2), _in_effect(on))

    def started(self, first: date, last: date, *, per: Period) -> list[Tally]:
        where = and_(R.c.starts_on.between(first, last), _TOOK_EFFECT)
        return self._grouped(self._bucket(R.c.starts_on, per), where)

    def ended(self, first: date, last: date, *, per: Period) -> list[Tally]:
        lifted = and_(R.c.lifted_on.is_not(None), R.c.lifted_on <= R.c.ends_on)
        ended_on = type_coerce(
            case((lifted, R.c.lifted_on), else_=self._day_after(R.c.ends_on)), Date
        )
        where = and_(R.c.starts_on.is_not(None), _TOOK_EFFECT, ended_on.between(first, last))
        return self._grouped(self._bucket(ended_on, per), where)

    def _bucket(self, day: ColumnElement[Any], per: Period) -> ColumnElement[Any]:
        """The day itself, or the Monday of its week (ISO weeks start on Monday)."""
        if per == "day":
            return day
        if is_postgres(self._engine):
            return type_coerce(cast(func.date_trunc("week", day), Date), Date)
        # SQLite: forward to the Sunday ending the week, back six days to its Monday.
        return type_coerce(func.date(day, "weekday 0", "-6 days"), Date)

    def appeals_by_state(self, first: date, last: date, *, today: date) -> list[Tally]:
        state = case(
            (and_(A.c.decided_on.is_(None), A.c.deadline < today), literal("overdue")),
            (A.c.decided_on.is_(None), literal("pending")),
            else_=A.c.outcome,
        )
        return self._grouped(state, A.c.filed_on.between(first, last), A)

    def decision_times(self, first: date, last: date) -> list[Tally]:
        days = self._days_between(A.c.filed_on, A.c.decided_on)
        bucket = case(
            *((days <= top, literal(name)) for name, top in DECISION_BUCKETS),
            else_=literal(LATE_BUCKET),
        )
        return self._grouped(bucket, A.c.decided_on.between(first, last), A)

    def decision_days(self, first: date, last: date) -> list[Tally]:
        days = self._days_between(A.c.filed_on, A.c.decided_on)
        tallies = self._grouped(days, A.c.decided_on.between(first, last), A)
        return [Tally(str(round(float(t.key))), t.count, t.people) for t in tallies]

    def decided(self, first: date, last: date) -> Tally:
        query = select(func.count(), func.count(func.distinct(A.c.subject))).where(
            A.c.decided_on.between(first, last)
        )
        with self._read() as conn:
            n, people = conn.execute(query).one()
        return Tally("decided", int(n), int(people))

    def _days_between(
        self, start: ColumnElement[date], end: ColumnElement[Any]
    ) -> ColumnElement[Any]:
        if is_postgres(self._engine):
            return end - start  # date - date is an integer number of days
        return func.julianday(end) - func.julianday(start)

    def _day_after(self, column: ColumnElement[date]) -> ColumnElement[Any]:
        if is_postgres(self._engine):
            return column + literal(1)
        return func.date(column, "+1 day")


def _key(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
