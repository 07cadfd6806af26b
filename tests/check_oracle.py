"""What a check should answer, straight from the domain's restrictions: the index tests' oracle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from trustledger.checks import Denial
from trustledger.domain.restrictions import Restriction, barring_restriction
from trustledger.domain.rulebook import Scope


def expected(rs: Sequence[Restriction], scopes: frozenset[Scope], day: date) -> Denial | None:
    """The domain's answer (barring_restriction: of the restrictions whose span bars that day and
    ends last, the one with the smallest id, so it never depends on the order they were stored
    or sent), as the index's Denial: the rule code and the span's last day."""
    found = barring_restriction(rs, scopes, day)
    if found is None:
        return None
    assert found.span is not None
    return Denial(found.reason, found.span.last, found.restriction_id)
