"""A subject's file: its evaluated state; every read is audited with the reader and the purpose."""

from __future__ import annotations

from datetime import date

from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.records import Event
from trustledger.domain.rulebook import Rulebook
from trustledger.services.ports import AuditEntry, Clock, UnitOfWorkFactory
from trustledger.services.state import Evaluator


class SubjectFiles:
    def __init__(
        self, uow: UnitOfWorkFactory, *, rulebook: Rulebook, scheme: IdentityScheme, clock: Clock
    ) -> None:
        self._uow = uow
        self._scheme = scheme
        self._clock = clock
        self._evaluator = Evaluator(rulebook, scheme)

    def read(
        self, subject: str, *, actor: str, purpose: str, as_of: date | None = None
    ) -> SubjectState:
        """The state on `as_of` (today by default) from what was known by then (invariant 7)."""
        if not purpose.strip():
            raise InvalidInput("purpose", "a reason for reading the file is required")
        number = self._scheme.normalize(subject)
        day = as_of or self._clock.today()
        with self._uow() as uow:
            events = uow.events.for_subjects([number]).get(number, [])
            detail = f"as_of={day.isoformat()}"
            entry = AuditEntry(
                actor, "file.read", number, purpose.strip(), self._clock.now(), detail
            )
            uow.audit.append([entry])
            uow.commit()
        return self._evaluator.derive(number, events, day).state

    def history(
        self, subject: str, *, actor: str, purpose: str, after: int = 0, limit: int = 100
    ) -> list[Event]:
        """The subject's events after seq `after`, oldest first, a page at a time; audited."""
        if not purpose.strip():
            raise InvalidInput("purpose", "a reason for reading the file is required")
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit", "must lie in 1..1000")
        number = self._scheme.normalize(subject)
        with self._uow() as uow:
            events = uow.events.for_subjects([number]).get(number, [])
            entry = AuditEntry(
                actor, "file.history", number, purpose.strip(), self._clock.now(), f"after={after}"
            )
            uow.audit.append([entry])
            uow.commit()
        return [e for e in events if e.seq > after][:limit]
