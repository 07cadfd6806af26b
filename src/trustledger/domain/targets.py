"""What a restriction, notice or appeal is about: a record (or a decision on one) or a review case."""

from __future__ import annotations

from trustledger.domain.corrections import record_of

# The prefixes of the ids the registry gives: intake's record ids and the review cases' ids.
RECORD_PREFIX = "rec_"
CASE_PREFIX = "rev_"


def target_record(target: str) -> str | None:
    """The record a target id belongs to (a decision id names its record's), None for a case."""
    return record_of(target) if target.startswith(RECORD_PREFIX) else None
