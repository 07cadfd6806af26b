"""Due process over HTTP: appeals and their decisions, fulfilment, review cases, officers' queues."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from trustledger.api.auth import Appellant, Officer, SourceKey, for_subject
from trustledger.api.schemas import AppealIn, DecisionIn, FulfilmentIn
from trustledger.api.state import state_of
from trustledger.domain.errors import InvalidInput

router = APIRouter(tags=["due process"])

Limit = Annotated[int, Query(ge=1, le=500, description="At most this many, nearest deadline first")]


class ReviewDecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "restrict", "scopes": ["air"], "days": 90, "reasons": "Three debts."},
                {"outcome": "no_action", "reasons": "The debts are being paid in instalments."},
            ]
        },
    )

    outcome: Literal["restrict", "no_action"]
    reasons: str = Field(min_length=1, max_length=10_000)
    scopes: list[Literal["air", "rail", "rail_premium"]] = []
    days: int = Field(0, ge=0, le=365)


def _actor(principal: Any) -> str:
    return f"{principal.role}:{principal.name}"


def _follow(request: Request) -> None:
    """This process's index learns of the change at once; other replicas within a second."""
    state_of(request).feed.poll()


@router.post("/v1/subjects/{subject}/appeals", status_code=201)
def file_appeal(
    request: Request, principal: Appellant, subject: str, body: AppealIn
) -> dict[str, Any]:
    """The subject (with a subject key) or an officer on their behalf appeals a restriction.

    `record_id` names the record (or review case) whose restriction is appealed; it may be left
    out when the subject has one restriction only. The decision is due within 15 days.
    """
    for_subject(principal, subject)
    if principal.role == "subject" and not body.access_code:
        raise InvalidInput("access_code", "the code from your notice is required")
    filed = state_of(request).registry.appeals.file_appeal(
        subject,
        grounds=body.grounds,
        actor=_actor(principal),
        target=body.record_id,
        access_code=body.access_code if principal.role == "subject" else None,
    )
    _follow(request)
    return {
        "appeal_id": filed.appeal_id,
        "subject": filed.subject,
        "target": filed.target,
        "filed_on": filed.filed_on.isoformat(),
        "deadline": filed.deadline.isoformat(),
    }


@router.post("/v1/appeals/{appeal_id}/decision")
def decide_appeal(
    request: Request, principal: Officer, appeal_id: str, body: DecisionIn
) -> dict[str, Any]:
    """An officer decides with written reasons; an overturn reaches every check within a second."""
    decided = state_of(request).registry.appeals.decide_appeal(
        appeal_id,
        outcome=body.outcome,
        reasons=body.reasons,
        actor=_actor(principal),
        ends_on=body.ends_on,
        fence=principal.fence,
    )
    _follow(request)
    return {
        "appeal_id": decided.appeal_id,
        "subject": decided.subject,
        "outcome": decided.outcome.value,
        "decided_on": decided.decided_on.isoformat(),
        "ends_on": decided.ends_on.isoformat() if decided.ends_on else None,
        "notice_id": decided.notice_id,
    }


@router.post("/v1/records/{record_id}/fulfilment")
def report_fulfilment(
    request: Request, principal: SourceKey, record_id: str, body: FulfilmentIn | None = None
) -> dict[str, Any]:
    """The source that submitted the record reports the obligation met; rules that lift on
    fulfilment end their restriction today, with a notice to the subject."""
    met = body.on if body else None
    done = state_of(request).registry.fulfilment.report_fulfilment(
        record_id, source_name=principal.name, on=met
    )
    _follow(request)
    return {
        "record_id": done.record_id,
        "reported_on": done.reported_on.isoformat(),
        "met_on": done.met_on.isoformat(),
        "created": done.created,
        "lifted": list(done.lifted),
        "notice_ids": list(done.notice_ids),
    }


@router.get("/v1/appeals")
def list_appeals(
    request: Request,
    principal: Officer,
    status: Annotated[Literal["pending", "overdue"], Query()] = "pending",
    limit: Limit = 100,
) -> dict[str, Any]:
    """The officers' queue of undecided appeals; `overdue` ones have passed their deadline."""
    appeals = state_of(request).registry.appeals
    found = (
        appeals.list_overdue(limit=limit)
        if status == "overdue"
        else appeals.list_pending(limit=limit)
    )
    items = [
        {
            "appeal_id": a.appeal_id,
            "subject": a.subject,
            "target": a.target,
            "filed_on": a.filed_on.isoformat(),
            "deadline": a.deadline.isoformat(),
        }
        for a in found
    ]
    return {"appeals": items, "truncated": len(items) == limit}


@router.get("/v1/reviews")
def list_reviews(request: Request, principal: Officer, limit: Limit = 100) -> dict[str, Any]:
    """Review cases waiting for an officer (a score fell below the rulebook's threshold)."""
    found = state_of(request).registry.reviews.list_open_reviews(limit=limit)
    items = [
        {
            "case_id": c.case_id,
            "subject": c.subject,
            "opened_on": c.opened_on.isoformat(),
            "score": c.score,
            "below": c.below,
        }
        for c in found
    ]
    return {"reviews": items, "truncated": len(items) == limit}


@router.post("/v1/reviews/{case_id}/decision")
def decide_review(
    request: Request, principal: Officer, case_id: str, body: ReviewDecisionIn
) -> dict[str, Any]:
    """Only an officer's recorded decision restricts; a restriction gets its own notice first."""
    decided = state_of(request).registry.reviews.decide_review(
        case_id,
        outcome=body.outcome,
        reasons=body.reasons,
        actor=_actor(principal),
        scopes=body.scopes,
        days=body.days,
        fence=principal.fence,
    )
    _follow(request)
    r = decided.restriction
    return {
        "case_id": decided.case_id,
        "outcome": decided.outcome,
        "decided_on": decided.decided_on.isoformat(),
        "notice_id": decided.notice_id,
        "restriction": None
        if r is None
        else {
            "scopes": sorted(s.value for s in r.scopes),
            "starts_on": r.starts_on.isoformat() if r.starts_on else None,
            "ends_on": r.ends_on.isoformat() if r.ends_on else None,
        },
    }


@router.get("/v1/notices/undelivered")
def undelivered_notices(request: Request, principal: Officer, limit: Limit = 100) -> dict[str, Any]:
    """Notices with no address or out of delivery attempts: they need an officer (post them)."""
    found = state_of(request).registry.outbox.list_undelivered(limit=limit)
    items = [
        {
            "notice_id": n.notice_id,
            "subject": n.subject,
            "purpose": n.purpose,
            "issued_on": n.issued_on.isoformat(),
            "attempts": n.attempts,
            "last_error": n.last_error,
        }
        for n in found
    ]
    return {"notices": items, "truncated": len(items) == limit}
