"""Erasure on request over HTTP: the subject asks, an officer grants or refuses (PIPL art. 47)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from trustledger.api.auth import Appellant, Officer, for_subject
from trustledger.api.due_schemas import TRUNCATED
from trustledger.api.routes_due import Limit
from trustledger.api.state import state_of
from trustledger.domain.errors import InvalidInput
from trustledger.domain.events import ErasureOutcome

router = APIRouter(tags=["due process"])


class ErasureRequestIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "record_id": "rec_5f1c0e9a2b7d4c3e8f60",
                    "reason": "The fine was paid and the restriction ended; it is no longer needed.",
                }
            ]
        },
    )

    record_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=1, max_length=10_000)
    access_code: str | None = Field(
        None, description="The code from a notice: required with a subject key, none for officers"
    )


class ErasureDecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"outcome": "granted", "reasons": "The record has no effect left."},
                {"outcome": "refused", "reasons": "A court asked that it be kept until 2027-03."},
            ]
        },
    )

    outcome: Literal["granted", "refused"]
    reasons: str = Field(min_length=1, max_length=10_000)


class ErasureOut(BaseModel):
    case_id: str
    subject: str
    record_id: str = Field(description="The record the subject asks to erase")
    filed_on: date
    deadline: date = Field(description="The officer's decision is due by then")


class ErasuresOut(BaseModel):
    erasures: list[ErasureOut]
    truncated: bool = Field(description=TRUNCATED)


class ErasureDecisionOut(BaseModel):
    case_id: str
    subject: str
    record_id: str
    outcome: ErasureOutcome = Field(description="granted: the record is erased; refused: it stays")
    reasons: str
    decided_on: date
    notice_id: str | None = Field(
        description="The letter telling the subject of the decision; none when a grant is resumed"
    )


@router.post("/v1/subjects/{subject}/erasure-requests", status_code=201)
def request_erasure(
    request: Request, principal: Appellant, subject: str, body: ErasureRequestIn
) -> ErasureOut:
    """The subject (with a subject key) or an officer on their behalf asks that a record with no
    effect left be erased now, before its retention ends; an officer decides within 15 days. A
    record that still counts, restricts or is under appeal is refused (422 naming it)."""
    for_subject(principal, subject)
    if principal.role == "subject" and not body.access_code:
        raise InvalidInput("access_code", "the code from your notice is required")
    filed = state_of(request).registry.erasure_requests.request(
        subject,
        record_id=body.record_id,
        reason=body.reason,
        actor=principal.actor,
        access_code=body.access_code if principal.role == "subject" else None,
    )
    return ErasureOut.model_validate(filed, from_attributes=True)


@router.get("/v1/erasure-requests")
def list_erasure_requests(request: Request, principal: Officer, limit: Limit = 100) -> ErasuresOut:
    """The officers' queue of undecided erasure requests, inside the officer's jurisdiction."""
    found = state_of(request).registry.erasure_requests.list_pending(
        limit=limit, fence=principal.fence
    )
    items = [ErasureOut.model_validate(c, from_attributes=True) for c in found]
    return ErasuresOut(erasures=items, truncated=len(items) == limit)


@router.post("/v1/erasure-requests/{case_id}/decision")
def decide_erasure_request(
    request: Request, principal: Officer, case_id: str, body: ErasureDecisionIn
) -> ErasureDecisionOut:
    """An officer grants (the record is erased: its key destroyed, an `erased` event says so) or
    refuses with written reasons; either way the subject gets a letter (a refusal's says where to
    complain) and reads the decision on the portal."""
    decided = state_of(request).registry.erasure_requests.decide(
        case_id,
        outcome=body.outcome,
        reasons=body.reasons,
        actor=principal.actor,
        fence=principal.fence,
    )
    return ErasureDecisionOut.model_validate(decided, from_attributes=True)
