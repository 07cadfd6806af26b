"""Rendering pages: the Jinja environment of each language, the headers every page carries, the error page."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from trustledger.bootstrap import Registry
from trustledger.domain.explanation import RECORD_STATUS_TEXT
from trustledger.domain.texts import Language, LocalizedText, Message, Quoted
from trustledger.i18n.catalogs import Translator, translator
from trustledger.i18n.negotiation import choose_language
from trustledger.web.letters import READ_IN
from trustledger.web.page_state import page_state
from trustledger.web.sessions import Sessions, session_secret
from trustledger.web.wording import FIELD_LABELS, FORM_FIELD_LABELS, SCOPE_TEXT, WORDINGS

HERE = Path(__file__).parent
# Every page route carries this tag: the error handlers answer its errors with an HTML page.
PAGES_TAG = "pages"
# The cookie the language switch on every page sets.
LANGUAGE_COOKIE = "tl_language"
# Each language named in itself, for the switch.
LANGUAGE_NAMES = ((Language.ZH_HANS.value, "中文"), (Language.EN.value, "English"))

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
    # The page's words depend on the cookie and on Accept-Language.
    "Vary": "Cookie, Accept-Language",
}


def scopes_text(values: Iterable[object], tr: Translator) -> str:
    """What restriction scopes bar, listed as the language lists them ("flights and trains")."""
    return tr.listing([tr.gettext(SCOPE_TEXT.get(v, v)) for v in sorted(str(v) for v in values)])


def _wording(tr: Translator, words: dict[str, str]) -> Callable[[object], str]:
    return lambda value: tr.gettext(words.get(str(value), str(value)))


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def render_message(message: Message, tr: Translator) -> Markup:
    """A domain message in the reader's language, as HTML: the words a person typed (Quoted) are
    marked so, and every parameter is escaped."""
    if not message.text:
        return Markup("")
    params = {name: _param(value, tr) for name, value in message.params}
    text = Markup(escape(tr.gettext(message.text)))
    return text % params if params else text


def _param(value: object, tr: Translator) -> object:
    if isinstance(value, Message):
        return render_message(value, tr)
    if isinstance(value, tuple):
        return Markup(escape(tr.gettext(", "))).join(escape(_param(v, tr)) for v in value)
    if isinstance(value, Quoted):
        return Markup('<span class="quoted">%s</span>') % value
    if isinstance(value, LocalizedText):
        return tr.text(value)
    if isinstance(value, date):
        return tr.day(value)
    return value


@cache
def templates_for(language: Language) -> Jinja2Templates:
    """The page templates with `language`'s catalog, dates and names installed."""
    tr = translator(language)
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(tr.gettext, tr.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["day"] = tr.day
    env.filters["number"] = tr.number
    env.filters["local"] = tr.text
    env.filters["scopes"] = lambda values: tr.gettext(", ").join(
        tr.gettext(SCOPE_TEXT.get(v, v)) for v in sorted(str(v) for v in values)
    )
    env.filters["tr"] = tr.gettext
    for name, words in WORDINGS.items():
        env.filters[name] = _wording(tr, words)
    env.filters["record_status"] = _wording(tr, RECORD_STATUS_TEXT)
    env.filters["message"] = lambda message: render_message(message, tr)
    env.filters["b64"] = _b64
    env.globals["asset_version"] = asset_version
    env.globals["lang"] = language.value
    env.globals["languages"] = LANGUAGE_NAMES
    env.globals["language_name"] = lambda value: dict(LANGUAGE_NAMES)[Language(value).value]
    env.globals["read_in"] = lambda value: READ_IN[Language(value)]
    return Jinja2Templates(env=env)


def registry_of(request: Request) -> Registry:
    return page_state(request).registry


def language_of(request: Request) -> Language:
    """The reader's language: the switch's cookie, else the browser's, else the deployment's."""
    return choose_language(
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language"),
        default=registry_of(request).language,
    )


def translator_of(request: Request) -> Translator:
    return translator(language_of(request))


def sessions_of(request: Request) -> Sessions:
    """The app's session signer, made on first use from the registry's settings."""
    state = page_state(request)
    sessions = state.page_sessions
    if sessions is None:
        registry = state.registry
        secret = session_secret(registry.settings, registry.db_url)
        sessions = Sessions(secret, key=state.auth.session_key)
        state.page_sessions = sessions
    return sessions


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    sessions = sessions_of(request)
    query = f"?{request.url.query}" if request.url.query else ""
    ctx = {
        "staff": sessions.staff(request),
        "portal": sessions.portal(request),
        "today": registry_of(request).clock.today(),
        "here": request.url.path + query,
        **(context or {}),
    }
    templates = templates_for(language_of(request))
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers.update(HEADERS)
    return response


def error_page(
    request: Request,
    status: int,
    title: str,
    detail: str | Message,
    errors: list[dict[str, Any]],
) -> Response:
    """The page for any error a page request meets; the API's handlers call it (one path)."""
    tr = translator_of(request)
    path = request.url.path
    home = next((p for p in ("/portal", "/stats") if path.startswith(p)), "/")
    context = {
        "status": status,
        "title": tr.gettext(title),
        "detail": _said(detail, tr),
        "errors": [{**e, "reason": _said(e.get("reason", ""), tr)} for e in errors],
        "home": home,
        # The switch leads back home, not to the failed request (its URL may hold a number).
        "here": home,
        "labels": {k: tr.gettext(v) for k, v in _labels(path).items()},
    }
    response = render(request, "error.html", context, status=status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Cookie realm="trustledger pages"'
    return response


def _labels(path: str) -> dict[str, str]:
    """The field labels of the form that `path` posts (/portal/erasure-requests, ...)."""
    parts = path.removeprefix("/portal").strip("/").split("/")
    return FORM_FIELD_LABELS.get(parts[0], FIELD_LABELS)


def _said(text: object, tr: Translator) -> str:
    """An error's words in the reader's language: a Message rendered, else a catalog message."""
    return render_message(text, tr) if isinstance(text, Message) else tr.gettext(str(text))


@cache
def asset_version() -> str:
    """Changes when the stylesheet or script changes, so browsers fetch the new ones."""
    stamp = max((p.stat().st_mtime_ns for p in (HERE / "static").glob("*.*")), default=0)
    return format(stamp, "x")[-8:]
