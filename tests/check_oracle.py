"""What a check should answer, straight from the domain's restrictions: the index tests' oracle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from trustledger.checks import Denial
from trustledger.domain.evaluation import Restriction
from trustledger.domain.rulebook import Scope


def last_day(r: Restriction) -> date:
    """The last day `r` bars: its end, or the day before it was lifted if that is earlier."""
    assert r.ends_on is not None
    if r.lifted_on is not None:
        return min(r.ends_on, r.lifted_on - timedelta(days=1))
    return r.ends_on


def expected(rs: Sequence[Restriction], scopes: frozenset[Scope], day: date) -> Denial | None:
    """Of the barring restrictions that end last, the one with the smallest id (so the answer
    never depends on the order restrictions were stored or sent)."""
    barring = [r for r in rs if r.scopes & scopes and r.in_effect_on(day)]
    if not barring:
        return None
    until = max(last_day(r) for r in barring)
    first = min((r for r in barring if last_day(r) == until), key=lambda r: r.restriction_id)
    return Denial(first.reason, until, first.restriction_id)
