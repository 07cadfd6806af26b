"""The daily sweep: restrictions start and end, points lapse and retention ends, with no write to
prompt them.

Each derived subject row carries the next day its state changes by the calendar alone; the sweep
re-derives just the subjects whose day has come, through the same refresh every write takes, so
it appends each transition event once and sends the "expired" notices. Before it re-derives a
page, it erases what has reached the end of its retention (services/retention, wired in by
bootstrap: a use case above due process), in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.records import EventKind
from trustledger.services.due_process.state import Evaluator
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from trustledger.services.progress import Advance

PAGE = 500


@dataclass(frozen=True, slots=True)
class ErasedPage:
    """What one page's erasure did; `gone`: subjects erased whole, with nothing left to derive."""

    subjects: int = 0
    records: int = 0
    gone: frozenset[str] = frozenset()
    buckets: frozenset[str] = frozenset()  # whose old key-encryption keys go after the commit


class PageErasure(Protocol):
    def erase_due(
        self, uow: UnitOfWork, subjects: Sequence[str], *, today: date, now: datetime
    ) -> ErasedPage:
        """Erase these subjects' records whose retention has ended by `today`, in `uow`."""
        ...

    def finish(self) -> None:
        """After the last page that erased something: what follows the commits (copies of pages
        written before the erasure purged from the database's journal)."""
        ...


@dataclass(frozen=True, slots=True)
class SweepReport:
    on: date
    subjects: int
    started: int
    lifted: int
    expired: int
    notices: int
    erased_subjects: int = 0
    erased_records: int = 0


class Sweep:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        evaluator: Evaluator,
        clock: Clock,
        erasure: PageErasure | None = None,
    ) -> None:
        self._uow = uow
        self._evaluator = evaluator
        self._clock = clock
        self._erasure = erasure

    def due(self, today: date | None = None) -> int:
        """How many subjects the sweep of `today` would re-derive (for a progress bar)."""
        with self._uow(readonly=True) as uow:
            return uow.dockets.count_changing(today or self._clock.today())

    def advance(
        self, today: date | None = None, *, page: int = PAGE, progress: Advance | None = None
    ) -> SweepReport:
        """Bring every subject whose state changed by `today` (default: the clock's) up to date.

        One transaction per page of subjects; running it twice on a day changes nothing more.
        """
        now_day = self._clock.today()
        day = today or now_day
        if day > now_day:
            raise InvalidInput("on", f"{day} is in the future (today is {now_day})")
        counts = dict.fromkeys(
            ("subjects", "started", "lifted", "expired", "notices", "erased_subjects"), 0
        )
        counts["erased_records"] = 0
        after = ""
        if self._erasure is not None:
            with self._uow() as uow:  # an erasure that stopped after its commit ends here
                uow.data_keys.forget_unused()
        while True:
            now = self._clock.now()
            with self._uow() as uow:
                batch = uow.dockets.subjects_changing(day, after=after, limit=page)
                if not batch:
                    break
                erased = ErasedPage()
                if self._erasure is not None:
                    erased = self._erasure.erase_due(uow, batch, today=day, now=now)
                left = [s for s in batch if s not in erased.gone]
                refreshed = self._evaluator.refresh(uow, left, today=day, now=now)
                kinds = [e.kind for e in refreshed.events]
                counts["subjects"] += len(batch)
                counts["started"] += kinds.count(EventKind.RESTRICTION_STARTED)
                counts["lifted"] += kinds.count(EventKind.RESTRICTION_LIFTED)
                counts["expired"] += kinds.count(EventKind.RESTRICTION_EXPIRED)
                counts["notices"] += len(refreshed.notices)
                counts["erased_subjects"] += erased.subjects
                counts["erased_records"] += erased.records
                detail = f"on={day.isoformat()} subjects={len(batch)}"
                uow.audit.append(
                    [AuditEntry("system", "state.sweep", None, "maintenance", now, detail)]
                )
                uow.commit()
                if erased.buckets:  # once committed: copies taken before no longer open
                    uow.data_keys.forget_old(set(erased.buckets))
            if progress is not None:
                progress(len(batch))
            after = batch[-1]
        if self._erasure is not None and counts["erased_records"]:
            self._erasure.finish()
        return SweepReport(on=day, **counts)
