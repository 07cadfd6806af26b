"""A subject's derived state as the registry keeps it: what the check index and the sweep read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trustledger.domain.evaluation import SubjectState


@dataclass(frozen=True, slots=True)
class Derived:
    """A subject's evaluated state with the compact key the check index files restrictions under."""

    state: SubjectState
    compact_key: int
    # The first day after state.on on which the state changes with no new event (a restriction
    # starts or ends, points lapse): the daily sweep re-derives the subjects whose day has come.
    next_change_on: date | None = None
