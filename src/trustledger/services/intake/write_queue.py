"""Group commit: concurrent single-record submissions share one transaction.

Each submission is validated in its caller's thread (bad input fails there, alone), then queued.
Whoever then holds the writer takes what has gathered and writes it in one unit of work, in
arrival order, with one commit; every submission of the group is answered after that commit.
Writes stay serialized (one writer at a time, as the unit of work's lock has them), so the
event log and the audit chain stay linear. Idempotency stays exact because the group is written
as a sequence: a retry of a record earlier in the same group is answered as already stored, a
reused case_ref with other contents is that submission's Conflict. A group that fails for any
other reason is written again one submission at a time, so one bad record fails only itself
(and when the database is away, each fails alone as it would without grouping).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from trustledger.domain.errors import Conflict
from trustledger.domain.notice_letters import Contact
from trustledger.domain.records import Record
from trustledger.domain.submissions import Source, contact_of
from trustledger.services.intake.records import Intake, IntakeResult, Outcome
from trustledger.services.ports import Clock, UnitOfWorkFactory

# Records in one transaction at most: bounds how long one commit holds the writer.
MAX_GROUP = 256


@dataclass(slots=True, eq=False)
class Submission:
    """One validated record waiting for its group's commit, then its outcome or error."""

    record: Record
    source: Source
    contact: Contact | None
    outcome: IntakeResult | None = None
    error: BaseException | None = None

    @property
    def settled(self) -> bool:
        return self.outcome is not None or self.error is not None

    def settle(self, outcome: Outcome) -> None:
        if isinstance(outcome, Conflict):
            self.error = outcome
        else:
            self.outcome = outcome

    def result(self) -> IntakeResult:
        if self.error is not None:
            raise self.error
        assert self.outcome is not None
        return self.outcome


class WriteQueue:
    """`submit` answers as `Intake.submit` does; concurrent calls share commits."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        intake: Intake,
        clock: Clock,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._uow = uow
        self._intake = intake
        self._clock = clock
        self._max_group = max_group
        self._queue: list[Submission] = []
        self._queued = threading.Lock()  # guards _queue only, held for an append or a slice
        self._writer = threading.Lock()  # held by the one thread writing a group
        self.groups = 0  # transactions committed
        self.records = 0  # submissions answered from them

    def submit(self, body: Mapping[str, Any], *, source: Source) -> IntakeResult:
        """Store one record; raises InvalidInput, Forbidden, or Conflict for a reused case_ref."""
        submission = self.prepare(body, source=source)
        with self._queued:
            self._queue.append(submission)
        with self._writer:
            # Another writer may have taken this submission into its group meanwhile.
            while not submission.settled:
                self.commit(self._take())
        return submission.result()

    def prepare(self, body: Mapping[str, Any], *, source: Source) -> Submission:
        """The validated submission of a body; raises InvalidInput or Forbidden naming the field."""
        record = self._intake.validate(body, source=source, today=self._clock.today())
        return Submission(record, source, contact_of(body))

    def _take(self) -> list[Submission]:
        with self._queued:
            group = self._queue[: self._max_group]
            del self._queue[: self._max_group]
        return group

    def commit(self, group: Sequence[Submission]) -> None:
        """Write a group in one transaction and settle each submission with its outcome."""
        try:
            outcomes = self._write(group)
        except Exception as exc:
            if len(group) == 1:
                group[0].error = exc
            else:
                for submission in group:  # each alone, so that only the bad one fails
                    self.commit([submission])
        else:
            for submission, outcome in zip(group, outcomes, strict=True):
                submission.settle(outcome)
        finally:
            for submission in group:  # never leave a caller waiting on a group that broke off
                if not submission.settled:
                    submission.error = RuntimeError("the write of this record was interrupted")

    def _write(self, group: Sequence[Submission]) -> list[Outcome]:
        if not group:
            return []
        outcomes: list[Outcome] = []
        with self._uow() as uow:
            for source, run in groupby(group, key=lambda s: s.source):
                items = list(run)
                outcomes += self._intake.write(
                    uow,
                    [s.record for s in items],
                    source=source,
                    contacts=[s.contact for s in items],
                )
            uow.commit()
        self.groups += 1
        self.records += len(group)
        return outcomes
