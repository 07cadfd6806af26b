"""Health, audit verification and Prometheus metrics."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from trustledger.api.auth import Auditor, OfficerOrAuditor
from trustledger.api.schemas import AuditVerdictOut, Health, StatsOut
from trustledger.api.state import state_of

router = APIRouter()


@router.get("/healthz", tags=["admin"])
def healthz(request: Request) -> Health:
    """Liveness and how far this process's check index has followed the event log."""
    state = state_of(request)
    feed = state.feed
    health = Health(
        status="ok",
        seq=feed.seq,
        restrictions=feed.loaded,
        in_flight=state.drain.in_flight,
        index=state.index_source,
    )
    lag = state.lag
    if lag is None:
        return health
    now = lag.lag(feed.seq)
    return health.model_copy(
        update={"role": "replica", "seconds_behind": now.seconds_behind, "primary": now.primary}
    )


@router.get("/v1/audit/verify", tags=["audit"])
def audit_verify(request: Request, principal: Auditor) -> AuditVerdictOut:
    """Recompute every audit entry's hash and link; name the first one that does not verify."""
    v = state_of(request).registry.audit.verify()
    return AuditVerdictOut(
        intact=v.intact, entries=v.entries, first_broken=v.first_broken, reason=v.reason
    )


@router.get("/metrics", tags=["admin"], include_in_schema=False)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/stats", tags=["statistics"])
def stats(
    request: Request,
    principal: OfficerOrAuditor,
    on: Annotated[
        date | None, Query(description="The day the figures are for; default today")
    ] = None,
    days: Annotated[int, Query(ge=1, le=366, description="How many days of new and ended")] = 30,
    per: Annotated[Literal["day", "week"], Query()] = "day",
) -> StatsOut:
    """Aggregates only, as on the statistics page: active restrictions by mode, rule and
    province, new and ended per day, appeals by outcome and time to decision. No figure names
    anyone, and a group of fewer than 10 people is shown as "<10", never its count."""
    snapshot = state_of(request).registry.stats.snapshot(on=on, days=days, per=per)
    return StatsOut.model_validate(snapshot.as_dict())
