"""Restrictions as the evaluation derives them, their statuses, and which one bars a journey."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from trustledger.domain.barring import BarringSpan, barring_span, mask_of
from trustledger.domain.rulebook import Scope


class RestrictionStatus(StrEnum):
    AWAITING_NOTICE = "awaiting_notice"
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LIFTED = "lifted"
    EXPIRED = "expired"


IN_EFFECT = frozenset({RestrictionStatus.ACTIVE})


@dataclass(frozen=True, slots=True)
class Restriction:
    restriction_id: str  # the record_id or the review case_id it comes from
    subject: str
    scopes: frozenset[Scope]
    reason: str  # the rule code, or "review" for an officer's decision
    legal_basis: str
    record_id: str | None
    case_id: str | None
    noticed_on: date | None
    starts_on: date | None
    ends_on: date | None  # inclusive: the last day it is in effect
    lifted_on: date | None
    status: RestrictionStatus
    appeal_by: date | None

    @property
    def span(self) -> BarringSpan | None:
        """The days it bars travel, with what is known now (a future date projects forward)."""
        suspended = self.status is RestrictionStatus.SUSPENDED
        return barring_span(
            self.starts_on, self.ends_on, self.lifted_on, self.scopes, suspended=suspended
        )

    def in_effect_on(self, day: date) -> bool:
        """Whether it bars travel on `day` in its scopes."""
        span = self.span
        return span is not None and span.first <= day <= span.last


def barring_restriction(
    restrictions: Iterable[Restriction], scopes: frozenset[Scope], day: date
) -> Restriction | None:
    """The restriction barring travel in any of `scopes` on `day` whose span ends last; of those,
    the one with the smallest id, so the answer never depends on the order they are held in.
    The check index answers by this rule (tests/check_oracle.py holds it to it)."""
    mask = mask_of(scopes)
    best: tuple[date, str] | None = None
    found: Restriction | None = None
    for r in restrictions:
        span = r.span
        if span is None or not span.bars(day, mask):
            continue
        if (
            best is None
            or span.last > best[0]
            or (span.last == best[0] and r.restriction_id < best[1])
        ):
            best, found = (span.last, r.restriction_id), r
    return found
