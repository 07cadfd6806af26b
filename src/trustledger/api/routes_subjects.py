"""A subject's file: its explanation as of a date and its history; every read audited with a purpose."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from trustledger.api.auth import FileReader, for_subject
from trustledger.api.file_schemas import EventOut, EventsOut, FileOut
from trustledger.api.state import state_of
from trustledger.domain.errors import InvalidInput
from trustledger.domain.explanation import explain
from trustledger.services.access.keys import Principal

router = APIRouter(tags=["subjects"])

Purpose = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Why the file is read; required for officers and auditors (audited)",
        examples=["appeal review"],
    ),
]


def _purpose(principal: Principal, purpose: str | None) -> str:
    if principal.role == "subject":
        return purpose or "own file"
    if not purpose or not purpose.strip():
        raise InvalidInput("purpose", "say why you read this file (it is audited)")
    return purpose


def _read(
    request: Request, principal: Principal, subject: str, purpose: str | None, as_of: date | None
) -> FileOut:
    for_subject(principal, subject)
    registry = state_of(request).registry
    actor = principal.actor
    state = registry.files.read(
        subject,
        actor=actor,
        purpose=_purpose(principal, purpose),
        as_of=as_of,
        fence=principal.fence,
    )
    return FileOut.model_validate(explain(state))


@router.get("/v1/subjects/{subject}")
def subject_file(
    request: Request, principal: FileReader, subject: str, purpose: Purpose = None
) -> FileOut:
    """The subject's file today: score, band, records with their rules, restrictions, appeals."""
    return _read(request, principal, subject, purpose, None)


@router.get("/v1/subjects/{subject}/explain")
def subject_explain(
    request: Request,
    principal: FileReader,
    subject: str,
    as_of: Annotated[
        date | None, Query(description="Explain as of this date; default today")
    ] = None,
    purpose: Purpose = None,
) -> FileOut:
    """Why the subject stands where they stand on a date, from what the registry knew by then."""
    return _read(request, principal, subject, purpose, as_of)


# Event kinds whose payload names a record's contents; a subject sees their own, others by role.
HIDDEN_KEYS = frozenset({"access_code_hash"})


@router.get("/v1/subjects/{subject}/events")
def subject_events(
    request: Request,
    principal: FileReader,
    subject: str,
    purpose: Purpose = None,
    after: Annotated[int, Query(ge=0, description="Return events after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventsOut:
    """The subject's history, oldest first, paginated: pass `next_after` as `after` for more."""
    for_subject(principal, subject)
    registry = state_of(request).registry
    actor = principal.actor
    events = registry.files.history(
        subject,
        actor=actor,
        purpose=_purpose(principal, purpose),
        after=after,
        limit=limit,
        fence=principal.fence,
    )
    items = [
        EventOut(
            seq=e.seq,
            kind=e.kind.value,
            on=e.on,
            record_id=e.record_id,
            actor=e.actor,
            data={k: v for k, v in e.data.items() if k not in HIDDEN_KEYS},
        )
        for e in events
    ]
    return EventsOut(events=items, next_after=items[-1].seq if len(items) == limit else None)
