"""A subject's derived state as the registry keeps it: what the check index and the sweep read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trustledger.domain.evaluation import SubjectFile, SubjectState
from trustledger.domain.retention import awaited_letters, erasure_of
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.transitions import next_change


@dataclass(frozen=True, slots=True)
class Derived:
    """A subject's evaluated state with the compact key the check index files restrictions under."""

    state: SubjectState
    compact_key: int
    # The first day after state.on on which the state changes with no new event (a restriction
    # starts or ends, points lapse) or a record's retention ends: the daily sweep re-derives the
    # subjects whose day has come.
    next_change_on: date | None = None
    # The first day after state.on on which a record's personal data is due for erasure; state.on
    # while what is left of an erased subject waits on its erasure letters (awaited_letters).
    erase_on: date | None = None


def derive(f: SubjectFile, state: SubjectState, rulebook: Rulebook, compact_key: int) -> Derived:
    """The derived row of `f` as evaluated in `state`, with the days the sweep comes back."""
    erasure = erasure_of(f, state, rulebook)
    # Records already due (a write re-derived the subject on or after their erase day, before
    # the sweep reached them): the sweep's day is today, or they would wait for the next change.
    due_now = state.on if erasure.due else None
    if awaited_letters(f):  # the sweep looks each time whether they were delivered
        return Derived(state, compact_key, state.on, state.on)
    days = [d for d in (next_change(state), erasure.next_on, due_now) if d is not None]
    return Derived(state, compact_key, min(days, default=None), erasure.next_on)
