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

`submit` blocks its caller's thread until the group's commit. `enqueue` does not: a writer thread
of the queue's own commits what has gathered and calls each submission's `settled` once it has an
outcome (the server's lean write path awaits that, so a waiting request holds no thread). Either
way, the hooks given to `after_commit` run after each group's commit and before any of its
submissions is settled: the server's check index takes the group's writes there, in one poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import structlog

from trustledger.domain.errors import Conflict
from trustledger.domain.notice_letters import Contact
from trustledger.domain.records import Record
from trustledger.domain.submissions import Source, contact_of
from trustledger.services.intake.records import Intake, IntakeResult, Outcome
from trustledger.services.ports import Clock, UnitOfWorkFactory

log = structlog.get_logger()

# Records in one transaction at most: bounds how long one commit holds the writer.
MAX_GROUP = 256
# How long the writer thread waits for a wave of submissions to finish arriving (`_gather`).
GATHER_PAUSE_SECONDS = 0.0005
GATHER_MAX_SECONDS = 0.002


@dataclass(slots=True, eq=False)
class Submission:
    """One validated record waiting for its group's commit, then its outcome or error."""

    record: Record
    source: Source
    contact: Contact | None
    outcome: IntakeResult | None = None
    error: BaseException | None = None
    settled_hook: Callable[[], None] | None = None  # `enqueue`'s: called once settled

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
        self._waiting = threading.Event()  # set when `enqueue` queued something
        self._thread: threading.Thread | None = None  # the writer thread, started by `enqueue`
        self._after: list[Callable[[], None]] = []
        self.groups = 0  # transactions committed
        self.records = 0  # submissions answered from them

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run `hook` after every group's commit, before its submissions are settled."""
        self._after.append(hook)

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

    def enqueue(self, submission: Submission, settled: Callable[[], None]) -> None:
        """Queue a prepared submission for the writer thread; `settled` is called (in the thread
        that committed it) once `submission.result()` has its answer."""
        submission.settled_hook = settled
        with self._queued:
            self._queue.append(submission)
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_forever, daemon=True)
                self._thread.start()
        self._waiting.set()

    def _write_forever(self) -> None:
        while True:
            self._waiting.wait()
            # Cleared before taking: a submission queued after this is taken below or wakes
            # the next wait.
            self._waiting.clear()
            self._gather()
            with self._writer:
                while group := self._take():
                    self.commit(group)

    def _gather(self) -> None:
        """Let a wave of submissions finish arriving before writing (the requests a commit
        answered come back together, each parsed in turn by the event loop): wait while the
        queue still grows, a short pause at a time, up to GATHER_MAX_SECONDS. Every record
        of a group shares its transaction's fixed costs, so bigger groups cost less a record."""
        deadline = time.monotonic() + GATHER_MAX_SECONDS
        queued = len(self._queue)
        while queued < self._max_group and time.monotonic() < deadline:
            time.sleep(GATHER_PAUSE_SECONDS)
            now = len(self._queue)
            if now == queued:
                return
            queued = now

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
            self._after_commit()
            for submission, outcome in zip(group, outcomes, strict=True):
                submission.settle(outcome)
        finally:
            for submission in group:  # never leave a caller waiting on a group that broke off
                if not submission.settled:
                    submission.error = RuntimeError("the write of this record was interrupted")
                _announce(submission)

    def _after_commit(self) -> None:
        for hook in self._after:
            try:
                hook()
            except Exception:  # the group is committed: a failed poll must not fail its answers
                log.exception("write_queue.after_commit_failed")

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


def _announce(submission: Submission) -> None:
    hook, submission.settled_hook = submission.settled_hook, None
    if hook is None:
        return
    try:
        hook()
    except Exception:  # the waiting side is gone (its event loop closed): nothing to tell
        log.exception("write_queue.settled_hook_failed")
