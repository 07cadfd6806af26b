"""The single-record write: POST /v1/records with one record, answered by a lean ASGI layer.

A national deployment's sources send a steady stream of single records. Through FastAPI each one
paid for its routing, middleware, dependency solving, body parsing and response validation as
much as for a group-committed write itself (bench/writes.py). This layer answers every POST whose
body is one record RecordIn accepts (read by that same model from the raw bytes: one statement of
the rules, one parse); a list, a body RecordIn refuses or one not declared JSON is passed on to
the FastAPI route, which names what is wrong with it. Both encode with `records_json`, so the
answers are the same bytes.

With group commit on, the body is validated here (bad input is answered at once, alone) and
queued for the write queue's writer thread; the request awaits its group's commit holding no
thread, and the check index has taken the group's writes when it is answered (the queue's
after-commit poll, wired where the queue is made: Registry.writes). With it off, each record is
written alone in a worker thread, as the route does.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from anyio import to_thread
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Receive, Scope, Send

from trustledger.api.check_route import json_content, scope_principal
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
        self._wakeups: Wakeups | None = None

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
        source = scope_principal(state, scope, ("source",)).as_source()
        registry = state.registry
        if not registry.settings.group_commit:
            return await to_thread.run_sync(lambda: write_one(state, fields, source))
        writes = registry.writes
        submission = writes.prepare(fields, source=source)
        wakeups = self._wakeups_here()
        committed: asyncio.Future[None] = wakeups.loop.create_future()
        writes.enqueue(submission, lambda: wakeups.settle(committed))
        await committed
        return submission.result()

    def _wakeups_here(self) -> Wakeups:
        loop = asyncio.get_running_loop()
        if self._wakeups is None or self._wakeups.loop is not loop:
            self._wakeups = Wakeups(loop)
        return self._wakeups


class Wakeups:
    """Requests whose writes the writer thread settled, woken in their event loop by one call
    for all that are ready (a group's), not one wake-up of the loop each."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._ready: list[asyncio.Future[None]] = []
        self._lock = threading.Lock()

    def settle(self, committed: asyncio.Future[None]) -> None:
        """In the writer thread: `committed` is to be woken."""
        with self._lock:
            first = not self._ready
            self._ready.append(committed)
        if first:  # otherwise a wake-up is already on its way, and takes this one too
            self.loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        with self._lock:
            ready, self._ready = self._ready, []
        for committed in ready:
            if not committed.done():
                committed.set_result(None)
