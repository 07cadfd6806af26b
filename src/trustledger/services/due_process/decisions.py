"""What every officer decision shares: written reasons, a named actor, and one transaction.

An officer's (or a source's) decision about a subject follows one skeleton: find the subject,
read its events and state today, check the request against them (and the officer's
jurisdiction), append the decision's events and its audit entry, let the refresh issue the
notices it calls for, commit. `deciding` opens that transaction; `Deciding.write` finishes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.jurisdiction import Jurisdiction
from trustledger.domain.records import Event, EventKind, StoredRecord
from trustledger.domain.texts import N_, Message
from trustledger.services.access.fences import admit
from trustledger.services.due_process.state import Evaluator, NoticeRequest, Refreshed
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

E = TypeVar("E", bound=StrEnum)

MAX_TEXT = 10_000
# Queues longer than this are paged by the caller.
LIST_LIMIT = 500


def outcome_of(kind: type[E], outcome: str) -> E:
    """A decision's `outcome` as one of `kind`'s values, or an error naming the choices."""
    try:
        return kind(outcome)
    except ValueError as exc:
        names = ", ".join(o.value for o in kind)
        raise InvalidInput(
            "outcome",
            Message.of(N_("must be one of %(names)s, not %(value)r"), names=names, value=outcome),
        ) from exc


def written(field: str, value: object, *, limit: int = MAX_TEXT) -> str:
    """A required piece of writing (grounds, reasons, the actor's name), stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(field, N_("is required"))
    text = value.strip()
    if len(text) > limit:
        raise InvalidInput(
            field, Message.of(N_("must be at most %(limit)s characters"), limit=limit)
        )
    return text


def current(
    uow: UnitOfWork, evaluator: Evaluator, subject: str, today: date
) -> tuple[Sequence[Event], SubjectState]:
    """The subject's events and its state today, read inside the writer's transaction."""
    events = uow.events.for_subjects([subject]).get(subject, [])
    return events, evaluator.state_of(subject, events, today)


def record_subject(uow: UnitOfWork, stored: StoredRecord) -> tuple[str, list[Event]] | None:
    """A stored record's subject (the index keeps only the pseudonym) and the subject's events,
    found by the record's `recorded` event; None once the record is erased."""
    for subject, events in uow.events.for_pseudonyms([stored.subject]).items():
        if any(e.kind is EventKind.RECORDED and e.record_id == stored.record_id for e in events):
            return subject, events
    return None


@dataclass(frozen=True, slots=True)
class Deciding:
    """A decision in progress: the subject's file as the decision finds it, in its transaction."""

    uow: UnitOfWork
    evaluator: Evaluator
    subject: str
    events: Sequence[Event]
    state: SubjectState
    today: date
    now: datetime

    def admit(self, fence: Jurisdiction, *, actor: str) -> None:
        """Forbidden outside the actor's jurisdiction (the refusal is audited and committed)."""
        admit(self.uow, fence, self.subject, self.events, actor=actor, now=self.now)

    def write(
        self,
        events: Sequence[Event],
        *,
        actor: str,
        action: str,
        purpose: str,
        detail: str,
        requests: Sequence[NoticeRequest] = (),
        lift_notices: bool = True,
    ) -> Refreshed:
        """Append the decision's events and its audit entry, refresh the subject (issuing the
        notices asked for and those now due) and commit."""
        self.uow.events.append(list(events), at=self.now)
        entry = AuditEntry(actor, action, self.subject, purpose, self.now, detail)
        self.uow.audit.append([entry])
        refreshed = self.evaluator.refresh(
            self.uow,
            [self.subject],
            today=self.today,
            now=self.now,
            requests=requests,
            lift_notices=lift_notices,
        )
        self.uow.commit()
        return refreshed


@contextmanager
def deciding(
    uow: UnitOfWorkFactory,
    evaluator: Evaluator,
    clock: Clock,
    subject_of: Callable[[UnitOfWork], str],
) -> Iterator[Deciding]:
    """Open a decision's transaction on the subject `subject_of` finds (it may raise NotFound)."""
    today, now = clock.today(), clock.now()
    with uow() as work:
        subject = subject_of(work)
        events, state = current(work, evaluator, subject, today)
        yield Deciding(work, evaluator, subject, events, state, today, now)
