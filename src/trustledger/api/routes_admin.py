"""Health, audit verification and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from trustledger.api.auth import Auditor
from trustledger.api.schemas import AuditVerdictOut, Health

router = APIRouter()


@router.get("/healthz", tags=["admin"])
def healthz(request: Request) -> Health:
    """Liveness and how far this process's check index has followed the event log."""
    feed = request.app.state.feed
    return Health(status="ok", seq=feed.seq, restrictions=feed.loaded)


@router.get("/v1/audit/verify", tags=["audit"])
def audit_verify(request: Request, principal: Auditor) -> AuditVerdictOut:
    """Recompute every audit entry's hash and link; name the first one that does not verify."""
    v = request.app.state.registry.audit.verify()
    return AuditVerdictOut(
        intact=v.intact, entries=v.entries, first_broken=v.first_broken, reason=v.reason
    )


@router.get("/metrics", tags=["admin"], include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
