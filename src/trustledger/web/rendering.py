"""Rendering pages: the Jinja environment, the headers every page carries, the error page."""

from __future__ import annotations

import base64
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from trustledger.bootstrap import Registry
from trustledger.web.sessions import Sessions, session_secret

HERE = Path(__file__).parent
# Every page route carries this tag: the error handlers answer its errors with an HTML page.
PAGES_TAG = "pages"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True

SCOPE_TEXT = {
    "air": "flights",
    "rail": "trains (every seat)",
    "rail_premium": "premium train seats (soft sleepers, G-train seats, first class)",
}

# The form fields' names as their labels say them, for error pages.
FIELD_LABELS = {
    "key": "Key",
    "number": "Identity number",
    "subject": "Identity number",
    "purpose": "Purpose",
    "access_code": "Access code",
    "grounds": "Grounds",
    "reasons": "Reasons",
    "outcome": "Decision",
    "ends_on": "New last day",
    "record_id": "Restriction",
    "days": "Days",
}

# Scripts and styles from this server only; pages show personal data, so nothing is cached.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on form posts.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _day(value: date | None, empty: str = "—") -> str:
    return value.isoformat() if value else empty


def _scopes(values: Any) -> str:
    return ", ".join(SCOPE_TEXT.get(str(v), str(v)) for v in sorted(str(v) for v in values))


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


templates.env.filters["day"] = _day
templates.env.filters["scopes"] = _scopes
templates.env.filters["b64"] = _b64


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def sessions_of(request: Request) -> Sessions:
    """The app's session signer, made on first use from the registry's settings."""
    sessions: Sessions | None = getattr(request.app.state, "page_sessions", None)
    if sessions is None:
        registry = registry_of(request)
        secret = session_secret(registry.settings, registry.db_url)
        sessions = Sessions(secret, key=request.app.state.auth.session_key)
        request.app.state.page_sessions = sessions
    return sessions


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    sessions = sessions_of(request)
    ctx = {
        "staff": sessions.staff(request),
        "portal": sessions.portal(request),
        "today": registry_of(request).clock.today(),
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers.update(HEADERS)
    return response


def error_page(
    request: Request, status: int, title: str, detail: str, errors: list[dict[str, Any]]
) -> Response:
    """The page for any error a page request meets; the API's handlers call it (one path)."""
    path = request.url.path
    home = next((p for p in ("/portal", "/stats") if path.startswith(p)), "/")
    context = {
        "status": status,
        "title": title,
        "detail": detail,
        "errors": errors,
        "home": home,
        "labels": FIELD_LABELS,
    }
    response = render(request, "error.html", context, status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Cookie realm="trustledger pages"'
    return response


@cache
def asset_version() -> str:
    """Changes when the stylesheet or script changes, so browsers fetch the new ones."""
    stamp = max((p.stat().st_mtime_ns for p in (HERE / "static").glob("*.*")), default=0)
    return format(stamp, "x")[-8:]


templates.env.globals["asset_version"] = asset_version
