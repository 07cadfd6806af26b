"""Due process over HTTP: appeals and their decisions, fulfilment, review cases, officers' queues."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from trustledger.api.auth import Appellant, Officer, SourceKey, for_subject
from trustledger.api.due_schemas import (
    AppealDecisionOut,
    AppealOut,
    AppealsOut,
    DecidedRestrictionOut,
    FulfilmentOut,
    ReviewDecisionOut,
    ReviewOut,
    ReviewsOut,
    UndeliveredNoticeOut,
    UndeliveredOut,
)
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


def _follow(request: Request) -> None:
    """This process's index learns of the change at once; other replicas within a second."""
    state_of(request).feed.poll()


@router.post("/v1/subjects/{subject}/appeals", status_code=201)
def file_appeal(request: Request, principal: Appellant, subject: str, body: AppealIn) -> AppealOut:
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
        actor=principal.actor,
        target=body.record_id,
        access_code=body.access_code if principal.role == "subject" else None,
    )
    _follow(request)
    return AppealOut.model_validate(filed, from_attributes=True)


@router.post("/v1/appeals/{appeal_id}/decision")
def decide_appeal(
    request: Request, principal: Officer, appeal_id: str, body: DecisionIn
) -> AppealDecisionOut:
    """An officer decides with written reasons; an overturn reaches every check within a second."""
    decided = state_of(request).registry.appeals.decide_appeal(
        appeal_id,
        outcome=body.outcome,
        reasons=body.reasons,
        actor=principal.actor,
        ends_on=body.ends_on,
        fence=principal.fence,
    )
    _follow(request)
    return AppealDecisionOut.model_validate(decided, from_attributes=True)


@router.post("/v1/records/{record_id}/fulfilment")
def report_fulfilment(
    request: Request, principal: SourceKey, record_id: str, body: FulfilmentIn | None = None
) -> FulfilmentOut:
    """The source that submitted the record reports the obligation met; rules that lift on
    fulfilment end their restriction today, with a notice to the subject."""
    met = body.on if body else None
    done = state_of(request).registry.fulfilment.report_fulfilment(
        record_id, source_name=principal.name, on=met
    )
    _follow(request)
    return FulfilmentOut.model_validate(done, from_attributes=True)


@router.get("/v1/appeals")
def list_appeals(
    request: Request,
    principal: Officer,
    status: Annotated[Literal["pending", "overdue"], Query()] = "pending",
    limit: Limit = 100,
) -> AppealsOut:
    """The officers' queue of undecided appeals; `overdue` ones have passed their deadline.
    A fenced officer sees only subjects inside their jurisdiction."""
    appeals = state_of(request).registry.appeals
    found = (
        appeals.list_overdue(limit=limit, fence=principal.fence)
        if status == "overdue"
        else appeals.list_pending(limit=limit, fence=principal.fence)
    )
    items = [AppealOut.model_validate(a, from_attributes=True) for a in found]
    return AppealsOut(appeals=items, truncated=len(items) == limit)


@router.get("/v1/reviews")
def list_reviews(request: Request, principal: Officer, limit: Limit = 100) -> ReviewsOut:
    """Review cases waiting for an officer (a score fell below the rulebook's threshold), inside
    the officer's jurisdiction."""
    reviews = state_of(request).registry.reviews
    found = reviews.list_open_reviews(limit=limit, fence=principal.fence)
    items = [ReviewOut.model_validate(c, from_attributes=True) for c in found]
    return ReviewsOut(reviews=items, truncated=len(items) == limit)


@router.post("/v1/reviews/{case_id}/decision")
def decide_review(
    request: Request, principal: Officer, case_id: str, body: ReviewDecisionIn
) -> ReviewDecisionOut:
    """Only an officer's recorded decision restricts; a restriction gets its own notice first."""
    decided = state_of(request).registry.reviews.decide_review(
        case_id,
        outcome=body.outcome,
        reasons=body.reasons,
        actor=principal.actor,
        scopes=body.scopes,
        days=body.days,
        fence=principal.fence,
    )
    _follow(request)
    r = decided.restriction
    return ReviewDecisionOut(
        case_id=decided.case_id,
        outcome=decided.outcome,
        decided_on=decided.decided_on,
        notice_id=decided.notice_id,
        restriction=None
        if r is None
        else DecidedRestrictionOut(
            scopes=sorted(s.value for s in r.scopes), starts_on=r.starts_on, ends_on=r.ends_on
        ),
    )


@router.get("/v1/notices/undelivered")
def undelivered_notices(request: Request, principal: Officer, limit: Limit = 100) -> UndeliveredOut:
    """Notices with no address or out of delivery attempts: they need an officer (post them).
    Only subjects inside the officer's jurisdiction."""
    outbox = state_of(request).registry.outbox
    found = outbox.list_undelivered(limit=limit, fence=principal.fence)
    items = [
        UndeliveredNoticeOut(
            notice_id=n.notice_id,
            subject=n.subject,
            purpose=n.purpose,
            issued_on=n.issued_on,
            attempts=n.attempts,
            last_error=n.last_error,
        )
        for n in found
    ]
    return UndeliveredOut(notices=items, truncated=len(items) == limit)
