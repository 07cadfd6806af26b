"""Accounting for checks: each denial is audited individually, allowed checks are counted per checker.

Denials are queued and written by one background thread in batches, so a burst of checks never
waits on the database; `flush` writes what is queued (the server calls it on shutdown).
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

import structlog
from prometheus_client import Counter as PromCounter

from trustledger.domain.audit import AuditEntry
from trustledger.services.ports import Clock

log = structlog.get_logger()

CHECKS = PromCounter(
    "trustledger_checks_total", "Check answers by checker and outcome", ["checker", "outcome"]
)
FLUSH_SECONDS = 0.2


class AuditSink(Protocol):
    """Where denials are audited: services.audit.Audit, or a replica's log without a primary."""

    def record(self, entries: Sequence[AuditEntry]) -> None: ...


class CheckLog:
    def __init__(self, audit: AuditSink, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock
        self._queue: queue.SimpleQueue[AuditEntry] = queue.SimpleQueue()
        self.allowed: Counter[str] = Counter()
        self._counters: dict[tuple[str, str], Any] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def allowed_check(self, checker: str, n: int = 1) -> None:
        self.allowed[checker] += n
        self._counter(checker, "allowed").inc(n)

    def denied(self, checker: str, subject: str, reason: str, mode: str, on: str) -> None:
        self.denied_many(checker, (subject,), (reason,), mode, on)

    def denied_many(
        self, checker: str, subjects: Sequence[str], reasons: Sequence[str], mode: str, on: str
    ) -> None:
        """One audit entry per denied subject, each with its reason; at one time, the batch's."""
        self._counter(checker, "denied").inc(len(subjects))
        now: datetime = self._clock.now()
        put = self._queue.put
        for subject, reason in zip(subjects, reasons, strict=True):
            detail = f"mode={mode} on={on} reason={reason}"
            put(AuditEntry(checker, "check.deny", subject, "ticket check", now, detail))

    def _counter(self, checker: str, outcome: str) -> Any:
        # labels() takes a lock and builds a key: once per checker and outcome, not per check.
        counter = self._counters.get((checker, outcome))
        if counter is None:
            counter = self._counters[checker, outcome] = CHECKS.labels(checker, outcome)
        return counter

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="check-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except Exception:  # keep auditing after a passing database error; entries are retried
                log.exception("check_log.flush_failed")

    def flush(self) -> int:
        entries: list[AuditEntry] = []
        while True:
            try:
                entries.append(self._queue.get_nowait())
            except queue.Empty:
                break
        try:
            self._audit.record(entries)
        except Exception:
            for entry in entries:
                self._queue.put(entry)
            raise
        return len(entries)
