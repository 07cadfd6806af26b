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
from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from trustledger.api.auth import admit
from trustledger.api.problems import problem_for
from trustledger.domain.errors import InvalidInput, TrustLedgerError

ALLOWED = b'{"allowed":true}'


def parse_on(raw: str | None, today: date) -> date:
    if raw is None or raw == "":
        return today
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput("on", f"{raw!r} is not a date (YYYY-MM-DD)") from exc


def answer_check(
    state: State, checker: str, subject: str, mode: str, seat_class: str, on: date
) -> Response:
    """Answer one check and account for it: the shared body of both routes."""
    answer = state.checks.check(subject, mode, seat_class, on=on)
    if answer.allowed:
        state.check_log.allowed_check(checker)
        return Response(ALLOWED, media_type="application/json")
    number = state.scheme.normalize(subject)
    state.check_log.denied(checker, number, answer.reason or "", mode, on.isoformat())
    return Response(orjson.dumps(answer.as_dict()), media_type="application/json")


class CheckFastPath:
    """Answers GET /v1/check itself; everything else goes on to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/check" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        try:
            response = check_scope(scope)
        except TrustLedgerError as exc:
            response = problem_for(exc)
        await response(scope, receive, send)


def check_scope(scope: Scope) -> Response:
    state = scope["app"].state
    authorization = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
            break
    principal = admit(state.auth.principal(authorization), ("checker",))
    params = dict(parse_qsl(scope["query_string"].decode("latin-1")))
    subject = params.get("subject")
    if not subject:
        raise InvalidInput("subject", "is required")
    mode = params.get("mode")
    if not mode:
        raise InvalidInput("mode", "is required (air or rail)")
    on = parse_on(params.get("on"), state.clock.today())
    return answer_check(state, principal.name, subject, mode, params.get("class") or "standard", on)
