"""The barring span: the one answer to "does this restriction bar on day d, and until when"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from trustledger.domain.barring import (
    SCOPE_BITS,
    BarringSpan,
    barring_span,
    format_scopes,
    mask_of,
    parse_scopes,
)
from trustledger.domain.errors import InvalidInput
from trustledger.domain.restrictions import Restriction, RestrictionStatus, barring_restriction
from trustledger.domain.rulebook import Scope

DAY = date(2026, 6, 1)
AIR = frozenset({Scope.AIR})


def restriction(rid: str, *, ends: int = 30, lifted: int | None = None) -> Restriction:
    return Restriction(
        rid, "s", AIR, "air.disorder", "basis", None, None, DAY, DAY,
        DAY + timedelta(days=ends), None if lifted is None else DAY + timedelta(days=lifted),
        RestrictionStatus.ACTIVE, None,
    )  # fmt: skip


def test_a_restriction_bars_from_its_start_to_its_end_in_its_scopes() -> None:
    span = restriction("a").span
    assert span == BarringSpan(DAY, DAY + timedelta(days=30), SCOPE_BITS[Scope.AIR])
    assert span.bars(DAY, mask_of(AIR))
    assert span.bars(DAY + timedelta(days=30), mask_of(AIR))
    assert not span.bars(DAY + timedelta(days=31), mask_of(AIR))
    assert not span.bars(DAY, mask_of(frozenset({Scope.RAIL})))


def test_a_lifted_restriction_bars_until_the_day_before_it_was_lifted() -> None:
    span = restriction("a", lifted=10).span
    assert span is not None
    assert span.last == DAY + timedelta(days=9)
    assert restriction("a", lifted=40).span == restriction("a").span  # lifted after its end


def test_a_restriction_that_never_bars_has_no_span() -> None:
    assert restriction("a", lifted=0).span is None  # lifted on its first day
    assert replace(restriction("a"), status=RestrictionStatus.SUSPENDED).span is None
    assert replace(restriction("a"), starts_on=None).span is None  # not yet noticed
    assert barring_span(DAY, DAY, None, frozenset(), suspended=False) is None  # no scope


def test_of_restrictions_ending_together_the_smallest_id_bars_whatever_their_order() -> None:
    b, a, c = restriction("b"), restriction("a"), restriction("c", ends=10)
    assert barring_restriction([b, a, c], AIR, DAY) is a
    assert barring_restriction([a, b, c], AIR, DAY) is a
    # The span that ends last wins, its last day barred counted after a lift.
    assert barring_restriction([restriction("x", ends=60, lifted=5), c], AIR, DAY) is c


def test_scopes_as_text_read_back_as_written_and_an_unknown_one_is_named() -> None:
    scopes = frozenset({Scope.RAIL_PREMIUM, Scope.AIR})
    assert format_scopes(scopes) == "air,rail_premium"
    assert parse_scopes(format_scopes(scopes)) == scopes
    assert parse_scopes("") == frozenset()
    with pytest.raises(InvalidInput) as caught:
        parse_scopes("air,bus")
    assert caught.value.field == "scopes"
