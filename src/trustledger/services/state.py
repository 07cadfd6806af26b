"""Derived state: evaluate subjects from their events, issue the notices due, store the result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from trustledger.domain.evaluation import SubjectFile, evaluate_file
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.records import Event, known_by
from trustledger.domain.rulebook import Rulebook
from trustledger.services.notices import IssuedNotice, restriction_notices
from trustledger.services.ports import AuditEntry, Derived, UnitOfWork


@dataclass(frozen=True, slots=True)
class Evaluator:
    rulebook: Rulebook
    scheme: IdentityScheme

    def derive(self, subject: str, events: Sequence[Event], today: date) -> Derived:
        """The subject's state on `today` from what was known by then (invariant 5)."""
        return self._derived(self._file(subject, events, today), today)

    def _file(self, subject: str, events: Sequence[Event], today: date) -> SubjectFile:
        return SubjectFile(subject).extend(known_by(list(events), today))

    def _derived(self, file: SubjectFile, today: date) -> Derived:
        state = evaluate_file(file, self.rulebook, today)
        return Derived(state, self.scheme.compact_key(file.subject))

    def refresh(
        self, uow: UnitOfWork, subjects: Iterable[str], *, today: date, now: datetime
    ) -> list[IssuedNotice]:
        """The incremental path: re-derive the subjects a write touched, issuing due notices."""
        subjects = sorted(set(subjects))
        history = uow.events.for_subjects(subjects)
        new_events: list[Event] = []
        issued: list[IssuedNotice] = []
        derived: list[Derived] = []
        for subject in subjects:
            file = self._file(subject, history.get(subject, []), today)
            result = self._derived(file, today)
            due = restriction_notices(result.state, on=today)
            if due:
                # Notices are dated today, the latest date known: applying them last is their order.
                for event, notice in due:
                    file.apply(event)
                    new_events.append(event)
                    issued.append(notice)
                result = self._derived(file, today)
            derived.append(result)
        uow.events.append(new_events, at=now)
        uow.derived.replace(derived)
        uow.audit.append(
            [
                AuditEntry("system", "notice.issue", n.subject, "due_process", now, n.notice_id)
                for n in issued
            ]
        )
        return issued
