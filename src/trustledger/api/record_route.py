"""The single-record write: POST /v1/records with one record, answered by a lean ASGI layer.

A national deployment's sources send a steady stream of single records. Through FastAPI each one
paid for its routing, middleware, dependency solving, body parsing and response validation as
much as for a group-committed write itself (bench/writes.py). This layer answers every POST whose
body is one record RecordIn accepts (read by that same model from the raw bytes: one statement of
the rules, one parse); a list, a body RecordIn refuses or one not declared JSON is passed on to
the FastAPI route, which names what is wrong with it. Both write through `write_one` and encode
with `records_json`, so the answers are the same bytes.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Receive, Scope, Send

from trustledger.api.auth import admit
from trustledger.api.check_route import authorization, json_content
from trustledger.api.headers import RAW
from trustledger.api.limits import MAX_BODY_BYTES, limited_body, replaying
from trustledger.api.problems import problem_for
from trustledger.api.routes_records import records_json, write_one
from trustledger.api.schemas import RecordIn
from trustledger.api.state import AppState
from trustledger.domain.errors import TrustLedgerError
from trustledger.services.intake.records import IntakeResult
from trustledger.store.faults import unavailable

PATH = "/v1/records"
ANSWER_HEADERS = ((b"content-type", b"application/json"), *RAW)


def plain_record(body: bytes) -> dict[str, Any] | None:
    """The fields of a body that is one record RecordIn accepts, as the FastAPI route dumps them;
    None for anything else (a list, a field of the wrong type, bad JSON)."""
    try:
        record = RecordIn.model_validate_json(body)
    except ValidationError:
        return None
    return record.model_dump(exclude_none=True)


class RecordFastPath:
    """Wraps the app: answers a single-record POST /v1/records itself, passes the rest on."""

    def __init__(self, app: ASGIApp, *, state: AppState, body_limit: int = MAX_BODY_BYTES):
        self.app = app
        self.state = state
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await limited_body(scope, receive, send, self.body_limit)
        if body is None:
            return
        fields = plain_record(body) if json_content(scope) else None
        if fields is None:
            await self.app(scope, replaying(body, receive), send)
            return
        try:
            result = await self._write(scope, fields)
        except TrustLedgerError as exc:
            await problem_for(exc)(scope, receive, send)
            return
        except DBAPIError as exc:  # one the store did not translate: a 503 all the same
            await problem_for(unavailable(exc))(scope, receive, send)
            return
        answer = records_json([result])
        headers = [*ANSWER_HEADERS, (b"content-length", b"%d" % len(answer))]
        status = 201 if result.created else 200
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    async def _write(self, scope: Scope, fields: dict[str, Any]) -> IntakeResult:
        state = self.state
        client = scope["client"][0] if scope.get("client") else "unknown"
        principal = admit(state.auth.principal(authorization(scope), client), ("source",))
        source = principal.as_source()
        # In a worker thread, as the FastAPI route runs: the write waits for its group's commit.
        return await to_thread.run_sync(lambda: write_one(state, fields, source))
