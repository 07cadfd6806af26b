"""RFC 9457 problem+json: the one table from error class to HTTP status, shared by API and pages.

A page request (a route tagged "pages", or a browser asking for HTML where no route matched) gets
the same status, title, detail and field errors as an HTML page instead.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from trustledger.api.headers import PROTECTION
from trustledger.domain.errors import (
    Conflict,
    Forbidden,
    InvalidIdentity,
    InvalidInput,
    LetterAltered,
    NotFound,
    RulebookInvalid,
    SealedDataAltered,
    TooLarge,
    TooManyAttempts,
    TrustLedgerError,
    Unauthorized,
    Unavailable,
)
from trustledger.store.faults import unavailable
from trustledger.web.refusals import http_title, refusal_of
from trustledger.web.rendering import PAGES_TAG, error_page

PROBLEM_JSON = "application/problem+json"
# A 503 says when to try again: a database restart or failover takes seconds.
RETRY_AFTER_SECONDS = 2

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: tuple[tuple[type[TrustLedgerError], int], ...] = (
    (InvalidIdentity, 422),
    (InvalidInput, 422),
    (RulebookInvalid, 422),
    (TooLarge, 413),
    (NotFound, 404),
    (Conflict, 409),
    (Unauthorized, 401),
    (Forbidden, 403),
    (TooManyAttempts, 429),
    (Unavailable, 503),
    # A kept letter that no longer matches what was sent: the registry's fault, not the reader's.
    (LetterAltered, 500),
    # Sealed data that does not open under its key was altered where it is stored: likewise.
    (SealedDataAltered, 500),
)


def status_for(exc: TrustLedgerError) -> int:
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls)), 400)


def slug(exc: TrustLedgerError) -> str:
    name = type(exc).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def problem(status: int, title: str, detail: str, *, type_: str, **extra: Any) -> JSONResponse:
    body = {"type": f"/problems/{type_}", "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = PROTECTION | (status_headers(status) or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def status_headers(status: int) -> dict[str, str] | None:
    """The headers a problem of this status carries, on the API and on pages alike."""
    if status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if status == 503:
        return {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return None


def problem_for(exc: TrustLedgerError) -> JSONResponse:
    response = problem(status_for(exc), exc.title, exc.detail, type_=slug(exc), **_extra(exc))
    response.headers.update(headers_for(exc))
    return response


def headers_for(exc: TrustLedgerError) -> dict[str, str]:
    """The headers an error's answer carries besides its body (RFC 9110 Retry-After on 429)."""
    if isinstance(exc, TooManyAttempts):
        return {"Retry-After": str(exc.retry_after)}
    return {}


def _extra(exc: TrustLedgerError) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput):
        extra["errors"] = [{"field": exc.field, "reason": exc.reason}]
    if isinstance(exc, InvalidIdentity):
        extra["errors"][0]["code"] = exc.code
    if isinstance(exc, RulebookInvalid):
        extra["errors"] = [
            {"field": p.key, "reason": p.message, "file": p.file, "line": p.line}
            for p in exc.problems
        ]
    return extra


def is_page(request: Request) -> bool:
    route = request.scope.get("route")
    if route is not None:
        return PAGES_TAG in (getattr(route, "tags", None) or ())
    return "text/html" in request.headers.get("accept", "")


def _respond(
    request: Request, status: int, title: str, detail: str, *, type_: str, **extra: Any
) -> Response:
    if is_page(request):
        page = error_page(request, status, title, detail, extra.get("errors") or [])
        if status == 503:
            page.headers.update(status_headers(status) or {})
        return page
    return problem(status, title, detail, type_=type_, **extra)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _on_ours(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TrustLedgerError)
    status = status_for(exc)
    if is_page(request):
        # A page says the same in its reader's language: the messages, not the English text.
        errors = _extra(exc).get("errors") or []
        if isinstance(exc, InvalidInput):
            errors = [{**errors[0], "reason": exc.reason_message}]
        response = error_page(request, status, exc.title, exc.message, errors)
        if status == 503:
            response.headers.update(status_headers(status) or {})
        response.headers.update(headers_for(exc))
        return response
    return problem_for(exc)


async def _on_database(request: Request, exc: Exception) -> Response:
    """A database error that escaped the store's own translation (the unit of work's) is still
    a 503 with Retry-After, never a 500."""
    assert isinstance(exc, DBAPIError)
    return await _on_ours(request, unavailable(exc))


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field_name(tuple(e["loc"])), "reason": e["msg"]} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    if is_page(request):
        # A page says each refusal in its reader's words (the API keeps Pydantic's English).
        said = [
            {**e, "reason": refusal_of(raw)} for e, raw in zip(errors, exc.errors(), strict=True)
        ]
        return error_page(request, 422, "Invalid input", detail, said)
    return _respond(request, 422, "Invalid input", detail, type_="invalid-input", errors=errors)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail)
    if is_page(request):
        title = http_title(exc.status_code, detail)
        return _respond(request, exc.status_code, title, title, type_=f"http-{exc.status_code}")
    return _respond(request, exc.status_code, detail, detail, type_=f"http-{exc.status_code}")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TrustLedgerError, _on_ours)
    app.add_exception_handler(DBAPIError, _on_database)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
