"""Accounting for checks: each denial is audited individually, allowed checks are counted per checker.

Denials are queued and written by one background thread in batches, so a burst of checks never
waits on the database; `flush` writes what is queued (the server calls it on shutdown).
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from datetime import datetime
from typing import Any

import structlog
from prometheus_client import Counter as PromCounter

from trustledger.services.audit import Audit
from trustledger.services.ports import AuditEntry, Clock

log = structlog.get_logger()

CHECKS = PromCounter(
    "trustledger_checks_total", "Check answers by checker and outcome", ["checker", "outcome"]
)
FLUSH_SECONDS = 0.2


class CheckLog:
    def __init__(self, audit: Audit, clock: Clock) -> None:
        self._audit = audit
        self._clock = clock
        self._queue: queue.SimpleQueue[AuditEntry] = queue.SimpleQueue()
        self.allowed: Counter[str] = Counter()
        self._allowed_counters: dict[str, Any] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def allowed_check(self, checker: str, n: int = 1) -> None:
        self.allowed[checker] += n
        counter = self._allowed_counters.get(checker)
        if (
            counter is None
        ):  # labels() takes a lock and builds a key: once per checker, not per check
            counter = self._allowed_counters[checker] = CHECKS.labels(checker, "allowed")
        counter.inc(n)

    def denied(self, checker: str, subject: str, reason: str, mode: str, on: str) -> None:
        CHECKS.labels(checker, "denied").inc()
        detail = f"mode={mode} on={on} reason={reason}"
        now: datetime = self._clock.now()
        self._queue.put(AuditEntry(checker, "check.deny", subject, "ticket check", now, detail))

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
