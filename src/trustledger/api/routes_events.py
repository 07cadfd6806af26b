"""GET /v1/events: server-sent events of restriction changes, resumable with Last-Event-ID.

For ticketing systems that keep their own cache. Each event names the subject, the change
(pending, started, lifted, expired), the scopes and the dates: never a record or its details.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from anyio import to_thread
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from trustledger.api.auth import FeedReader
from trustledger.api.state import state_of
from trustledger.bootstrap import Registry
from trustledger.domain.errors import InvalidInput, Unavailable
from trustledger.domain.events import NoticeIssued, NoticePurpose, Transition, payload_of
from trustledger.domain.records import Event, EventKind

router = APIRouter(tags=["checks"])

POLL_SECONDS = 0.5
PAGE = 1000
CHANGES = {
    EventKind.RESTRICTION_STARTED: "started",
    EventKind.RESTRICTION_LIFTED: "lifted",
    EventKind.RESTRICTION_EXPIRED: "expired",
}


def change_of(event: Event) -> str | None:
    if event.kind is EventKind.NOTICE_ISSUED:
        restricting = NoticeIssued.of(event).purpose is NoticePurpose.RESTRICTION
        return "pending" if restricting else None
    return CHANGES.get(event.kind)


def _restriction_id(event: Event) -> str:
    """The restriction a notice or a transition is about (change_of kept only those)."""
    match payload_of(event):
        case NoticeIssued(target=target):
            return target
        case Transition(restriction_id=restriction_id):
            return restriction_id
        case _:
            return ""


def _changes(registry: Registry, after: int) -> tuple[int, list[bytes]]:
    """The SSE frames for restriction changes after seq `after`, and the last seq read."""
    with registry.uow(readonly=True) as uow:
        events = uow.events.since(after, limit=PAGE)
        relevant = [(e, c) for e in events if (c := change_of(e))]
        found = uow.derived.restrictions_of({e.subject for e, _ in relevant})
    frames = []
    for event, change in relevant:
        target = _restriction_id(event)
        r = next((x for x in found.get(event.subject, []) if x.restriction_id == target), None)
        body: dict[str, object] = {
            "subject": event.subject,
            "change": change,
            "on": event.on.isoformat(),
        }
        if r is not None:
            body |= {
                "restriction_id": r.restriction_id,
                "scopes": sorted(s.value for s in r.scopes),
                "reason": r.reason,
                "starts_on": r.starts_on.isoformat() if r.starts_on else None,
                "ends_on": r.ends_on.isoformat() if r.ends_on else None,
                "lifted_on": r.lifted_on.isoformat() if r.lifted_on else None,
            }
        frames.append(b"id: %d\nevent: restriction\ndata: %s\n\n" % (event.seq, orjson.dumps(body)))
    return (events[-1].seq if events else after), frames


@router.get(
    "/v1/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def restriction_events(
    request: Request,
    principal: FeedReader,
    last_event_id: Annotated[str | None, Header()] = None,
    after: Annotated[
        int | None, Query(ge=0, description="Start after this seq (or Last-Event-ID)")
    ] = None,
) -> StreamingResponse:
    """A stream of restriction changes in event-log order; reconnect with Last-Event-ID to resume."""
    start = after or 0
    if last_event_id:
        if not last_event_id.isdigit():
            raise InvalidInput("Last-Event-ID", "must be an event seq (a whole number)")
        start = int(last_event_id)
    state = state_of(request)
    registry, drain = state.registry, state.drain

    async def stream() -> AsyncIterator[bytes]:
        seq = start
        yield b"retry: 2000\n\n"
        # A draining server ends the stream; the client reconnects elsewhere with Last-Event-ID.
        while not drain.draining and not await request.is_disconnected():
            try:
                last, frames = await to_thread.run_sync(_changes, registry, seq)
            except Unavailable:  # the stream is open: wait for the database rather than break it
                last, frames = seq, []
            for frame in frames:
                yield frame
            if last == seq:
                await asyncio.sleep(POLL_SECONDS)
            seq = last

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )
