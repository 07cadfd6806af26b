"""A subject's file: its evaluated state; every read is audited with the reader and the purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import SubjectState, evaluate_file
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.records import Event
from trustledger.domain.subject_file import SubjectFile
from trustledger.domain.texts import N_
from trustledger.domain.timeline import (
    ScorePoint,
    TimelineEntry,
    score_dates,
    score_history,
    timeline,
)
from trustledger.services.access.fences import admit
from trustledger.services.due_process.state import Evaluator
from trustledger.services.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class FileHistory:
    """A file with its history: the state, the events known by then, the score over time."""

    file: SubjectFile  # what `state` evaluates: use cases that judge the file again start here
    state: SubjectState
    events: tuple[Event, ...]
    scores: tuple[ScorePoint, ...]
    timeline: tuple[TimelineEntry, ...]


class SubjectFiles:
    def __init__(self, uow: UnitOfWorkFactory, *, evaluator: Evaluator, clock: Clock) -> None:
        self._uow = uow
        self._rulebook = evaluator.rulebook
        self._scheme = evaluator.scheme
        self._clock = clock
        self._evaluator = evaluator

    def read(
        self,
        subject: str,
        *,
        actor: str,
        purpose: str,
        as_of: date | None = None,
        fence: Jurisdiction = OPEN,
    ) -> SubjectState:
        """The state on `as_of` (today by default) from what was known by then (invariant 7).

        Outside the reader's `fence`, Forbidden, and the attempt is audited (invariant 11)."""
        number, day, events = self._events(subject, actor, purpose, as_of, fence=fence)
        return self._evaluator.derive(number, events, day).state

    def read_history(
        self,
        subject: str,
        *,
        actor: str,
        purpose: str,
        as_of: date | None = None,
        fence: Jurisdiction = OPEN,
    ) -> FileHistory:
        """`read`, with the events, the score on each day it changed and a timeline; one audited read."""
        number, day, events = self._events(
            subject, actor, purpose, as_of, history=True, fence=fence
        )
        f = self._evaluator.file_of(number, events, day)
        state = evaluate_file(f, self._rulebook, day)
        scores = score_history(events, self._rulebook, score_dates(events, state), subject=number)
        known = tuple(e for e in events if e.on <= day)
        return FileHistory(f, state, known, scores, timeline(events, state))

    def history(
        self,
        subject: str,
        *,
        actor: str,
        purpose: str,
        after: int = 0,
        limit: int = 100,
        fence: Jurisdiction = OPEN,
    ) -> list[Event]:
        """The subject's events after seq `after`, oldest first, a page at a time; audited."""
        if not purpose.strip():
            raise InvalidInput("purpose", N_("a reason for reading the file is required"))
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit", N_("must lie in 1..1000"))
        number = self._scheme.normalize(subject)
        with self._uow() as uow:
            events = uow.events.for_subjects([number]).get(number, [])
            admit(uow, fence, number, events, actor=actor, now=self._clock.now())
            entry = AuditEntry(
                actor, "file.history", number, purpose.strip(), self._clock.now(), f"after={after}"
            )
            uow.audit.append([entry])
            uow.commit()
        return [e for e in events if e.seq > after][:limit]

    def _events(
        self,
        subject: str,
        actor: str,
        purpose: str,
        as_of: date | None,
        *,
        history: bool = False,
        fence: Jurisdiction,
    ) -> tuple[str, date, list[Event]]:
        if not purpose.strip():
            raise InvalidInput("purpose", N_("a reason for reading the file is required"))
        number = self._scheme.normalize(subject)
        day = as_of or self._clock.today()
        with self._uow() as uow:
            events = uow.events.for_subjects([number]).get(number, [])
            admit(uow, fence, number, events, actor=actor, now=self._clock.now())
            detail = f"as_of={day.isoformat()}" + (" with history" if history else "")
            entry = AuditEntry(
                actor, "file.read", number, purpose.strip(), self._clock.now(), detail
            )
            uow.audit.append([entry])
            uow.commit()
        return number, day, events
