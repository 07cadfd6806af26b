"""`serve --replica`: checks, the event feed and /healthz from a read-only database (a standby).

A replica refuses every write with a 503 naming the primary as where writes go: any method but
GET, HEAD and OPTIONS, except the batch check (a POST that only reads), and every GET that would
write: a file read or a portal page is audited (invariant 7), so a replica serves only the reads
in SERVED and refuses the rest the same way. The log's checkpoint is answered from what the
primary stored (routes_log.py). Its check denials are audited on the primary when the replica is
told its URL (TRUSTLEDGER_PRIMARY), and queued there while it is away; without one they go to
the structured log as `check.deny` lines. Its sign-in refusals go the same way, and it leaves
a key's "last used" to the primary.
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
# The reads that write nothing: checks, the feed, health and metrics, the log's proofs and its
# stored checkpoint, aggregates, the queues, the API's documentation and the static assets.
SERVED = frozenset(
    {
        "/healthz",
        "/metrics",
        "/v1/check",
        "/v1/events",
        "/v1/stats",
        "/v1/audit/verify",
        "/v1/audit/checkpoint",
        "/v1/audit/inclusion",
        "/v1/audit/consistency",
        "/v1/appeals",
        "/v1/reviews",
        "/v1/notices/undelivered",
        "/openapi.json",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
    }
)
SERVED_UNDER = ("/static/",)
REFUSED = "this server is a read-only check replica: send writes to the primary"


class ReadOnly:
    """Answers writes with a 503 before they reach the app; the reads in SERVED pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _writes(scope["method"], scope["path"]):
            await problem(503, "Service unavailable", REFUSED, type_="read-only-replica")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def _writes(method: str, path: str) -> bool:
    if method == "POST" and path in READING_POSTS:
        return False
    if method not in READS:
        return True
    return path not in SERVED and not path.startswith(SERVED_UNDER)


class LoggedDenials:
    """Where a replica without a primary URL puts its audit entries (check denials, sign-in
    refusals): its log, one line named by the entry's action."""

    def record(self, entries: Sequence[AuditEntry]) -> None:
        for e in entries:
            log.info(e.action, actor=e.actor, subject=e.subject, detail=e.detail, at=str(e.at))
