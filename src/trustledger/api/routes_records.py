"""Records intake: a source submits one record or a list (all or nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Request, Response

from trustledger.api.auth import SourceKey
from trustledger.api.schemas import RecordIn, RecordOut, RecordsOut
from trustledger.api.state import AppState, state_of
from trustledger.domain.errors import InvalidInput, TooLarge
from trustledger.domain.submissions import Source
from trustledger.services.intake.records import IntakeResult

router = APIRouter(tags=["records"])

MAX_RECORDS = 10_000


def record_item(result: IntakeResult) -> dict[str, Any]:
    """A result as RecordOut's fields, in its order: orjson encodes it (the lean path's answer)."""
    r = result.record
    return {
        "record_id": r.record_id,
        "created": result.created,
        "subject": r.subject,
        "type": r.type,
        "case_ref": r.case_ref,
        "notices": [
            {
                "notice_id": n.notice_id,
                "target": n.target,
                "purpose": n.purpose.value,
                "issued_on": n.issued_on,
            }
            for n in result.notices
        ],
    }


def record_out(result: IntakeResult) -> RecordOut:
    return RecordOut.model_validate(record_item(result))


def records_json(results: Sequence[IntakeResult]) -> bytes:
    """RecordsOut's JSON of these results, encoded by orjson without building the models."""
    return orjson.dumps({"results": [record_item(r) for r in results]})


def write_one(state: AppState, body: dict[str, Any], source: Source) -> IntakeResult:
    """Store one record body; concurrent ones share a commit (group commit) unless the setting
    is off. The check index has the write when this returns: a group's is polled by the write
    queue after its commit (Registry.writes), a write alone's here."""
    registry = state.registry
    if registry.settings.group_commit:
        return registry.writes.submit(body, source=source)
    result = registry.intake.submit(body, source=source)
    state.feed.poll_after_write()
    return result


@router.post(
    "/v1/records",
    status_code=201,
    responses={
        200: {"description": "Every record had been submitted before with the same contents"},
        409: {"description": "A case_ref was submitted before with different contents"},
        413: {"description": "Body or batch too large"},
    },
)
def submit_records(
    request: Request,
    response: Response,
    principal: SourceKey,
    body: Annotated[RecordIn | list[RecordIn], Body()],
) -> RecordsOut:
    """Submit one record or a list of up to 10,000. A list is all or nothing; errors name the item.

    A single record that RecordIn accepts is answered before this route (api.record_route)."""
    state = state_of(request)
    registry = state.registry
    source = principal.as_source()
    if not isinstance(body, list):
        result = write_one(state, body.model_dump(exclude_none=True), source)
        if not result.created:
            response.status_code = 200
        return RecordsOut(results=[record_out(result)])
    if not body:
        raise InvalidInput("body", "an empty list submits nothing")
    if len(body) > MAX_RECORDS:
        raise TooLarge(f"body: at most {MAX_RECORDS} records in one request, not {len(body)}")
    results = registry.intake.submit_many(
        [b.model_dump(exclude_none=True) for b in body], source=source
    )
    state.feed.poll_after_write()
    if not any(r.created for r in results):
        response.status_code = 200
    return RecordsOut(results=[record_out(r) for r in results])
