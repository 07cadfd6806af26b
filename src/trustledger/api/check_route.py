"""The hot path: GET /v1/check answered by a lean ASGI layer in front of the FastAPI app.

FastAPI's routing, middleware, validation and encoding cost about three times the bare HTTP
work, and a national ticketing system asks this question tens of thousands of times a second.
The FastAPI route of the same path in routes_checks.py documents it in the OpenAPI schema; this
layer answers it first. Both go through `answer_check`, so the answers cannot differ.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from trustledger.api.auth import admit
from trustledger.api.problems import problem_for
from trustledger.domain.errors import InvalidInput, TrustLedgerError

ALLOWED = b'{"allowed":true}'
JSON = "application/json"


def parse_on(raw: str | None, today: date) -> date:
    if raw is None or raw == "":
        return today
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput("on", f"{raw!r} is not a date (YYYY-MM-DD)") from exc


def answer_body(
    state: State, checker: str, subject: str, mode: str, seat_class: str, on: date
) -> bytes:
    """Answer one check and account for it: the shared body of both routes."""
    answer = state.checks.check(subject, mode, seat_class, on=on)
    if answer.allowed:
        state.check_log.allowed_check(checker)
        return ALLOWED
    number = state.scheme.normalize(subject)
    state.check_log.denied(checker, number, answer.reason or "", mode, on.isoformat())
    return orjson.dumps(answer.as_dict())


def answer_check(
    state: State, checker: str, subject: str, mode: str, seat_class: str, on: date
) -> Response:
    return Response(answer_body(state, checker, subject, mode, seat_class, on), media_type=JSON)


def query(raw: bytes) -> dict[str, str]:
    """The query string's parameters; plain ones without parse_qsl's general machinery."""
    text = raw.decode("latin-1")
    if "%" in text or "+" in text:
        return dict(parse_qsl(text))
    return dict(part.partition("=")[::2] for part in text.split("&") if part)


class CheckFastPath:
    """Wraps the whole app: answers GET /v1/check itself, passes everything else on."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/check" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        try:
            body = check_scope(self.app.state, scope)
        except TrustLedgerError as exc:
            await problem_for(exc)(scope, receive, send)
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def check_scope(state: State, scope: Scope) -> bytes:
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    principal = admit(state.auth.principal(authorization), ("checker",))
    params = query(scope["query_string"])
    subject = params.get("subject")
    if not subject:
        raise InvalidInput("subject", "is required")
    mode = params.get("mode")
    if not mode:
        raise InvalidInput("mode", "is required (air or rail)")
    on = parse_on(params.get("on"), state.clock.today())
    return answer_body(state, principal.name, subject, mode, params.get("class") or "standard", on)
