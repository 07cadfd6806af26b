"""Derived state: evaluate subjects from their events, issue the notices due, store the result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from trustledger.domain.evaluation import evaluate
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
        state = evaluate(known_by(list(events), today), self.rulebook, today, subject=subject)
        return Derived(state, self.scheme.compact_key(subject))

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
            events = history.get(subject, [])
            result = self.derive(subject, events, today)
            due = restriction_notices(result.state, on=today)
            if due:
                new_events.extend(e for e, _ in due)
                issued.extend(n for _, n in due)
                result = self.derive(subject, [*events, *(e for e, _ in due)], today)
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
