"""The daily sweep: restrictions start and end, and points lapse, with no write to prompt them.

Each derived subject row carries the next day its state changes by the calendar alone; the sweep
re-derives just the subjects whose day has come, through the same refresh every write takes, so
it appends each transition event once and sends the "expired" notices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.records import EventKind
from trustledger.services.due_process.state import Evaluator
from trustledger.services.ports import Clock, UnitOfWorkFactory

PAGE = 500


@dataclass(frozen=True, slots=True)
class SweepReport:
    on: date
    subjects: int
    started: int
    lifted: int
    expired: int
    notices: int


class Sweep:
    def __init__(self, uow: UnitOfWorkFactory, *, evaluator: Evaluator, clock: Clock) -> None:
        self._uow = uow
        self._evaluator = evaluator
        self._clock = clock

    def advance(self, today: date | None = None, *, page: int = PAGE) -> SweepReport:
        """Bring every subject whose state changed by `today` (default: the clock's) up to date.

        One transaction per page of subjects; running it twice on a day changes nothing more.
        """
        now_day = self._clock.today()
        day = today or now_day
        if day > now_day:
            raise InvalidInput("on", f"{day} is in the future (today is {now_day})")
        counts = dict.fromkeys(("subjects", "started", "lifted", "expired", "notices"), 0)
        after = ""
        while True:
            now = self._clock.now()
            with self._uow() as uow:
                batch = uow.dockets.subjects_changing(day, after=after, limit=page)
                if not batch:
                    break
                refreshed = self._evaluator.refresh(uow, batch, today=day, now=now)
                kinds = [e.kind for e in refreshed.events]
                counts["subjects"] += len(batch)
                counts["started"] += kinds.count(EventKind.RESTRICTION_STARTED)
                counts["lifted"] += kinds.count(EventKind.RESTRICTION_LIFTED)
                counts["expired"] += kinds.count(EventKind.RESTRICTION_EXPIRED)
                counts["notices"] += len(refreshed.notices)
                detail = f"on={day.isoformat()} subjects={len(batch)}"
                uow.audit.append(
                    [AuditEntry("system", "state.sweep", None, "maintenance", now, detail)]
                )
                uow.commit()
            after = batch[-1]
        return SweepReport(on=day, **counts)
