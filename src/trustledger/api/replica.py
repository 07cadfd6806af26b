"""`serve --replica`: checks, the event feed and /healthz from a read-only database (a standby).

A replica refuses every write with a 503 naming the primary as where writes go: any method but
GET, HEAD and OPTIONS, except the batch check (a POST that only reads). Its check denials are
audited on the primary when the replica is told its URL (TRUSTLEDGER_PRIMARY), and queued there
while it is away; without one they go to the structured log as `check.deny` lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from trustledger.api.problems import problem
from trustledger.domain.audit import AuditEntry

log = structlog.get_logger()

READS = frozenset({"GET", "HEAD", "OPTIONS"})
READING_POSTS = frozenset({"/v1/check"})


class ReadOnly:
    """Answers writes with a 503 before they reach the app; everything else passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _writes(scope["method"], scope["path"]):
            detail = "this server is a read-only check replica: send writes to the primary"
            await problem(503, "Service unavailable", detail, type_="read-only-replica")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def _writes(method: str, path: str) -> bool:
    return method not in READS and not (method == "POST" and path in READING_POSTS)


class LoggedDenials:
    """Where a replica without a primary URL puts its denials' audit entries: its log."""

    def record(self, entries: Sequence[AuditEntry]) -> None:
        for e in entries:
            log.info("check.deny", actor=e.actor, subject=e.subject, detail=e.detail, at=str(e.at))
