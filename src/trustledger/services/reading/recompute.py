"""Rebuild all derived state from the events: the result must equal the incremental path's."""

from __future__ import annotations

from dataclasses import dataclass

from trustledger.domain.audit import AuditEntry
from trustledger.services.due_process.state import Evaluator
from trustledger.services.ports import Clock, UnitOfWorkFactory
from trustledger.services.progress import Advance

PAGE = 1000


@dataclass(frozen=True, slots=True)
class RecomputeReport:
    subjects: int
    restrictions: int


class Recompute:
    def __init__(self, uow: UnitOfWorkFactory, *, evaluator: Evaluator, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock
        self._evaluator = evaluator

    def count_subjects(self) -> int:
        with self._uow(readonly=True) as uow:
            return uow.events.count_subjects()

    def run(self, *, advance: Advance | None = None, page: int = PAGE) -> RecomputeReport:
        """One transaction: readers see the old state or the new one, and no write interleaves."""
        today, now = self._clock.today(), self._clock.now()
        subjects = restrictions = 0
        with self._uow() as uow:
            uow.derived.clear()
            last = ""
            # Paged by pseudonym: a subject whose every event is erased has nothing to derive.
            while batch := uow.events.subjects_after(last, limit=page):
                history = uow.events.for_pseudonyms(batch)
                derived = [self._evaluator.derive(s, history[s], today) for s in sorted(history)]
                uow.derived.replace(derived)
                subjects += len(derived)
                restrictions += sum(len(d.state.restrictions) for d in derived)
                last = batch[-1]
                if advance is not None:
                    advance(len(batch))
            detail = f"subjects={subjects} restrictions={restrictions} as_of={today.isoformat()}"
            uow.audit.append(
                [AuditEntry("system", "state.recompute", None, "maintenance", now, detail)]
            )
            uow.commit()
        return RecomputeReport(subjects, restrictions)
