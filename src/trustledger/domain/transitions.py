"""Restriction transitions (started, lifted, expired) as events: each once, when it has happened.

The state already says what is in effect on a date; these events report the change for those who
follow the log (the check feed, the server-sent-events feed). They never change the state.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from trustledger.domain.evaluation import Restriction, RestrictionStatus, SubjectState
from trustledger.domain.events import PAYLOADS, Transition
from trustledger.domain.records import Event, EventKind

TRANSITION_KINDS = frozenset(
    {EventKind.RESTRICTION_STARTED, EventKind.RESTRICTION_LIFTED, EventKind.RESTRICTION_EXPIRED}
)


def _happened(r: Restriction, on: date) -> list[EventKind]:
    """The transitions of `r` that have happened by `on`, in the order they happened."""
    if r.starts_on is None or r.ends_on is None:
        return []
    kinds = []
    lifted = r.lifted_on is not None and r.lifted_on <= on
    # It started once its first day barred came: lifted on or before that day, it never did.
    span = r.span
    if span is not None and span.first <= on:
        kinds.append(EventKind.RESTRICTION_STARTED)
    if lifted:
        kinds.append(EventKind.RESTRICTION_LIFTED)
    elif r.status is RestrictionStatus.EXPIRED:
        kinds.append(EventKind.RESTRICTION_EXPIRED)
    return kinds


def transition_data(kind: EventKind, r: Restriction) -> Transition:
    payload = PAYLOADS[kind]
    assert issubclass(payload, Transition)
    return payload(r.restriction_id, r.scopes, r.reason, r.starts_on, r.ends_on, r.lifted_on)


def transitions_due(state: SubjectState, events: Iterable[Event]) -> list[Event]:
    """Transition events for what happened by `state.on` and is not yet in `events` (idempotent)."""
    done = {(e.kind, Transition.of(e).restriction_id) for e in events if e.kind in TRANSITION_KINDS}
    due = []
    for r in state.restrictions:
        for kind in _happened(r, state.on):
            if (kind, r.restriction_id) not in done:
                payload = transition_data(kind, r)
                due.append(payload.as_event(state.subject, state.on, record_id=r.record_id))
    return due


def next_change(state: SubjectState) -> date | None:
    """The first day after `state.on` on which the state changes without a new event."""
    days: list[date] = []
    for r in state.restrictions:
        if r.starts_on is None or r.ends_on is None:
            continue
        if r.status in (RestrictionStatus.LIFTED, RestrictionStatus.EXPIRED):
            continue
        days += [r.starts_on, r.ends_on + timedelta(days=1)]
    for a in state.assessments:
        if a.points and a.counts_until is not None:
            days.append(a.counts_until)  # the first day its points no longer count
        days.append(a.record.decided_on)  # a record decided after the date starts counting
    return min((d for d in days if d > state.on), default=None)
