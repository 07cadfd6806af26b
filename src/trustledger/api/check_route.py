"""The hot path: /v1/check answered by a lean ASGI layer in front of the FastAPI app.

FastAPI's routing, middleware, validation and encoding cost about three times the bare HTTP
work, and a national ticketing system asks this question tens of thousands of times a second.
This layer is the one endpoint of each check: every GET is answered here (routes_checks.py
documents it from the CheckQuery and CheckOut models), and every POST whose body BatchCheckIn
accepts (check_batch.plain_batch). Any other batch body is passed on to the FastAPI route, whose
validation of the same model names what is wrong with it, and which answers through the same
`answer_batch`.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from trustledger.api.auth import admit
from trustledger.api.check_batch import Batch, answer_batch, plain_batch
from trustledger.api.headers import RAW
from trustledger.api.limits import MAX_BODY_BYTES, limited_body, replaying
from trustledger.api.problems import problem_for
from trustledger.api.schemas import CheckQuery
from trustledger.api.state import AppState, app_state
from trustledger.domain.errors import InvalidInput, TrustLedgerError
from trustledger.services.access.keys import Principal

ALLOWED = b'{"allowed":true}'
# The content type and the security headers every answer carries (api.headers), as bytes.
ANSWER_HEADERS = ((b"content-type", b"application/json"), *RAW)
JSON = "application/json"


def parse_on(raw: str | None, today: date) -> date:
    if raw is None or raw == "":
        return today
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput("on", f"{raw!r} is not a date (YYYY-MM-DD)") from exc


def answer_body(
    state: AppState, checker: str, subject: str, mode: str, seat_class: str, on: date
) -> bytes:
    """Answer one check and account for it."""
    answer = state.checks.check(subject, mode, seat_class, on=on)
    if answer.allowed:
        state.check_log.allowed_check(checker)
        return ALLOWED
    number = state.scheme.normalize(subject)
    state.check_log.denied(checker, number, answer.reason or "", mode, on.isoformat())
    return orjson.dumps(answer.as_dict())


def query(raw: bytes) -> dict[str, str]:
    """The query string's parameters; plain ones without parse_qsl's general machinery."""
    text = raw.decode("latin-1")
    if "%" in text or "+" in text:
        return dict(parse_qsl(text))
    return dict(part.partition("=")[::2] for part in text.split("&") if part)


class CheckFastPath:
    """Wraps the whole app: answers /v1/check itself, passes everything else on."""

    def __init__(
        self, app: Starlette, *, then: ASGIApp | None = None, body_limit: int = MAX_BODY_BYTES
    ) -> None:
        """`then` takes what this layer passes on (another lean layer in front of `app`)."""
        self.app: ASGIApp = then or app
        self.state = app_state(app)
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/check":
            await self.app(scope, receive, send)
        elif scope["method"] == "GET":
            await self._answer(scope, receive, send, None)
        elif scope["method"] == "POST":
            await self._batch(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _batch(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The body read as the BodyLimit middleware reads it, then answered or passed on."""
        body = await limited_body(scope, receive, send, self.body_limit)
        if body is None:
            return
        batch = plain_batch(body) if json_content(scope) else None
        if batch is None:
            await self.app(scope, replaying(body, receive), send)
            return
        await self._answer(scope, receive, send, batch)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, batch: Batch | None
    ) -> None:
        state = self.state
        try:
            principal = scope_principal(state, scope, ("checker",))
            if batch is None:
                body = check_query(state, principal.name, scope["query_string"])
            else:
                subjects, mode, seat_class, on = batch
                on = on or state.clock.today()
                body = answer_batch(state, principal.name, subjects, mode, seat_class, on)
        except TrustLedgerError as exc:
            await problem_for(exc)(scope, receive, send)
            return
        headers = [*ANSWER_HEADERS, (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def authorization(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text: str = value.decode("latin-1")
            return text
    return None


def scope_principal(state: AppState, scope: Scope, roles: tuple[str, ...]) -> Principal:
    """The key a lean layer's request carries, admitted for one of `roles` (as api.auth's
    dependencies admit the app's)."""
    client = scope["client"][0] if scope.get("client") else "unknown"
    return admit(state.auth.principal(authorization(scope), client), roles)


def json_content(scope: Scope) -> bool:
    """Whether the body is declared application/json, which FastAPI reads as JSON (as it does
    application/*+json; without a content type it reads none: its strict default)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind: bytes = value.partition(b";")[0].strip().lower()
            return kind == b"application/json"
    return False


# The query's rules are the domain's (journey_scopes, the scheme, parse_on), with the names and
# the default of the model that documents them (CheckQuery).
DEFAULT_CLASS: str = CheckQuery.model_fields["class_"].default


def check_query(state: AppState, checker: str, raw: bytes) -> bytes:
    params = query(raw)
    subject = params.get("subject")
    if not subject:
        raise InvalidInput("subject", "is required")
    mode = params.get("mode")
    if not mode:
        raise InvalidInput("mode", "is required (air or rail)")
    on = parse_on(params.get("on"), state.clock.today())
    return answer_body(state, checker, subject, mode, params.get("class") or DEFAULT_CLASS, on)
