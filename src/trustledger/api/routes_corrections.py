"""Corrections and withdrawals over HTTP: the source that submitted a record changes or withdraws it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from trustledger.api.auth import SourceKey
from trustledger.api.state import state_of
from trustledger.services.intake.corrections import Amendment

router = APIRouter(tags=["records"])

_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The same request was made before: the same answer, nothing written"},
    403: {"description": "The record was submitted by another source"},
    404: {"description": "No such record"},
    409: {"description": "The record was withdrawn (or withdrawn before with another reason)"},
}


class CorrectionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "changes": {"decided_on": "2026-05-02"},
                    "reason": "The judgment's date was keyed wrongly; see the court file.",
                },
                {
                    "changes": {"type": "air.threat", "attributes": {}},
                    "reason": "On retrial the court found a false threat, not smoking.",
                },
            ]
        },
    )

    changes: dict[str, Any] = Field(
        description="Any of occurred_on, decided_on, type, attributes, evidence_ref"
    )
    reason: str = Field(min_length=1, max_length=2000)


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "The judgment was quashed on retrial (case 2026-R-17)."}]
        },
    )

    reason: str = Field(min_length=1, max_length=2000)


class AmendmentOut(BaseModel):
    record_id: str
    action: str
    on: str
    created: bool
    changes: dict[str, Any]
    reason: str
    adverse: bool = Field(description="A correction that restricts more: its own notice first")
    notice_ids: list[str]


def _out(done: Amendment, request: Request, response: Response) -> AmendmentOut:
    state_of(request).feed.poll()  # this replica at once; the others follow within a second
    if not done.created:
        response.status_code = 200
    return AmendmentOut(
        record_id=done.record_id,
        action=done.action,
        on=done.on.isoformat(),
        created=done.created,
        changes=dict(done.changes),
        reason=done.reason,
        adverse=done.adverse,
        notice_ids=list(done.notice_ids),
    )


@router.post("/v1/records/{record_id}/correction", status_code=201, responses=_ANSWERS)
def correct_record(
    request: Request, response: Response, principal: SourceKey, record_id: str, body: CorrectionIn
) -> AmendmentOut:
    """The submitting source corrects its record; the subject gets a letter saying what changed.

    A correction that restricts more is a new decision: its own notice, notice period and appeal.
    One that restricts less takes effect at once.
    """
    done = state_of(request).registry.corrections.correct(
        record_id, source=principal.as_source(), changes=body.changes, reason=body.reason
    )
    return _out(done, request, response)


@router.post("/v1/records/{record_id}/withdrawal", status_code=201, responses=_ANSWERS)
def withdraw_record(
    request: Request, response: Response, principal: SourceKey, record_id: str, body: WithdrawalIn
) -> AmendmentOut:
    """The submitting source withdraws its record: it no longer counts, its restriction lifts."""
    done = state_of(request).registry.corrections.withdraw(
        record_id, source=principal.as_source(), reason=body.reason
    )
    return _out(done, request, response)
