"""The hot path: GET /v1/check as a lean Starlette endpoint (no FastAPI validation layer).

FastAPI's routing, validation and encoding cost about three times the bare HTTP work, and a
national ticketing system asks this question tens of thousands of times a second. The FastAPI
route of the same path in routes_checks.py documents it in the OpenAPI schema; this one, added
first, answers it. Both use the same CheckService, so the answers cannot differ.
"""

from __future__ import annotations

from datetime import date

import orjson
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response

from trustledger.api.auth import admit
from trustledger.domain.errors import InvalidInput

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


async def check_endpoint(request: Request) -> Response:
    state = request.app.state
    principal = admit(state.auth.principal(request.headers.get("authorization")), ("checker",))
    params = request.query_params
    subject = params.get("subject")
    if not subject:
        raise InvalidInput("subject", "is required")
    mode = params.get("mode")
    if not mode:
        raise InvalidInput("mode", "is required (air or rail)")
    on = parse_on(params.get("on"), state.clock.today())
    return answer_check(state, principal.name, subject, mode, params.get("class") or "standard", on)
