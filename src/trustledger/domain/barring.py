"""The barring span: on which days, and in which scopes, a restriction bars travel.

The one statement of "does this restriction bar on day d, and until when". The evaluation computes
it for every restriction (`Restriction.span`), the store keeps it beside the restriction, and the
check index, the statistics and the transitions read it instead of deriving it again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations

from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import Scope

SCOPE_BITS: dict[Scope, int] = {Scope.AIR: 1, Scope.RAIL: 2, Scope.RAIL_PREMIUM: 4}


def scope_mask(scopes: Iterable[Scope | str]) -> int:
    """The scopes as bits (SCOPE_BITS); InvalidInput names `scopes` when one is unknown."""
    mask = 0
    for scope in scopes:
        try:
            mask |= SCOPE_BITS[Scope(scope)]
        except ValueError as exc:
            raise InvalidInput("scopes", f"{scope!r} is not one of {', '.join(Scope)}") from exc
    return mask


# Every subset of the scopes, so a hot path turns a query's frozenset into bits with one dict get.
SCOPE_MASKS: dict[frozenset[Scope], int] = {
    frozenset(c): scope_mask(c) for n in range(len(Scope) + 1) for c in combinations(Scope, n)
}


def mask_of(scopes: Iterable[Scope]) -> int:
    """scope_mask, in one dict get for a frozenset of scopes (the check's hot path)."""
    try:
        return SCOPE_MASKS[scopes]  # type: ignore[index]
    except (KeyError, TypeError):  # a set, or strings that are not scopes: scope_mask says which
        return scope_mask(scopes)


def format_scopes(scopes: Iterable[Scope]) -> str:
    """Scopes as the store keeps them as text: sorted, comma-separated ("air,rail_premium")."""
    return ",".join(sorted(s.value for s in scopes))


@functools.cache
def parse_scopes(text: str) -> frozenset[Scope]:
    """The one reader of format_scopes' text; InvalidInput names `scopes` for an unknown one."""
    try:
        return frozenset(Scope(s) for s in text.split(",") if s)
    except ValueError as exc:
        raise InvalidInput(
            "scopes", f"{text!r} holds a scope not among {', '.join(Scope)}"
        ) from exc


@dataclass(frozen=True, slots=True)
class BarringSpan:
    """A restriction bars travel in the scopes of `mask` from `first` to `last`, both inclusive."""

    first: date
    last: date
    mask: int  # SCOPE_BITS of its scopes; never 0

    def bars(self, day: date, mask: int) -> bool:
        """Whether it bars a journey in any scope of `mask` on `day`."""
        return bool(self.mask & mask) and self.first <= day <= self.last


def barring_span(
    starts_on: date | None,
    ends_on: date | None,
    lifted_on: date | None,
    scopes: Iterable[Scope],
    *,
    suspended: bool,
) -> BarringSpan | None:
    """The span of a restriction with these dates, or None when it bars on no day at all: not yet
    noticed (no start), suspended by an appeal, lifted on or before its first day, or no scope.

    A lifted restriction bars until the day before it was lifted, if that is before its end."""
    if starts_on is None or ends_on is None or suspended:
        return None
    last = ends_on if lifted_on is None else min(ends_on, lifted_on - timedelta(days=1))
    mask = scope_mask(scopes)
    if last < starts_on or not mask:
        return None
    return BarringSpan(starts_on, last, mask)
