"""Restrictions compiled to the check index's plain rows, and the answer a barring row gives."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date
from itertools import combinations
from operator import attrgetter
from typing import NamedTuple

from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.rulebook import Scope

SCOPE_BITS: dict[Scope, int] = {Scope.AIR: 1, Scope.RAIL: 2, Scope.RAIL_PREMIUM: 4}


def scope_mask(scopes: Iterable[Scope | str]) -> int:
    mask = 0
    for scope in scopes:
        try:
            mask |= SCOPE_BITS[Scope(scope)]
        except ValueError as exc:
            raise InvalidInput("scopes", f"{scope!r} is not one of {', '.join(Scope)}") from exc
    return mask


@functools.cache
def stored_mask(text: str) -> int:
    """The mask of scopes as the store keeps them: sorted, comma-separated ("air,rail")."""
    return scope_mask(s for s in text.split(",") if s)


# Every subset of the scopes, so the hot path turns a query's frozenset into bits with one dict get.
SCOPE_MASKS: dict[frozenset[Scope], int] = {
    frozenset(c): scope_mask(c) for n in range(len(Scope) + 1) for c in combinations(Scope, n)
}


class Denial(NamedTuple):
    """Why a journey is barred: the rule code, the last day barred (inclusive), the restriction.

    A NamedTuple rather than a frozen dataclass: it is built on the check's hot path, and a frozen
    dataclass's __init__ costs about 2x as much (measured: 0.30 µs against 0.17 µs).
    """

    reason: str
    until: date
    restriction_id: str


_DAYS: dict[int, date] = {}


def day_of(ordinal: int) -> date:
    """date.fromordinal, cached: answers name few distinct days, and the hot path reuses them."""
    try:
        return _DAYS[ordinal]
    except KeyError:
        return _DAYS.setdefault(ordinal, date.fromordinal(ordinal))


# Builds a Denial without the Python-level NamedTuple.__new__: half the cost on the hot path.
make_denial = tuple.__new__


class Row(NamedTuple):
    """One restriction as the index holds it; it bars on day ordinal d iff start <= d <= last."""

    start: int
    last: int  # the last day it bars: ends_on, or the day before it was lifted if that is earlier
    mask: int
    reason: str
    restriction_id: str

    def denial(self) -> Denial:
        return make_denial(Denial, (self.reason, day_of(self.last), self.restriction_id))


def compile_row(r: Restriction) -> Row | None:
    """The row mirroring `r.in_effect_on`, or None when `r` bars on no day at all."""
    if r.starts_on is None or r.ends_on is None or r.status is RestrictionStatus.SUSPENDED:
        return None
    last = r.ends_on.toordinal()
    if r.lifted_on is not None:
        # in_effect_on is false from lifted_on on, so the day before is the last one it bars.
        last = min(last, r.lifted_on.toordinal() - 1)
    start = r.starts_on.toordinal()
    mask = scope_mask(r.scopes)
    if last < start or not mask:
        return None
    return Row(start, last, mask, r.reason, r.restriction_id)


def compile_rows(restrictions: Iterable[Restriction]) -> tuple[Row, ...]:
    """A subject's rows in restriction-id order, as the index holds every subject's rows."""
    rows = [row for r in restrictions if (row := compile_row(r)) is not None]
    return tuple(sorted(rows, key=attrgetter("restriction_id")))


def best_row(rows: Iterable[Row], mask: int, day: int) -> Row | None:
    """The barring row that ends last; the first such one in order (id order) on a tie."""
    best: Row | None = None
    for row in rows:
        if (
            row.mask & mask
            and row.start <= day <= row.last
            and (best is None or row.last > best.last)
        ):
            best = row
    return best
