"""Security headers on every answer the server gives (pages, static files, redirects, errors, JSON).

Pages set them too (web.rendering.HEADERS); this layer adds whichever are missing, so a
redirect, a static file or an error raised before a page renders carries them as well. The
interactive API docs (/docs, /redoc) load Swagger UI and ReDoc with inline scripts, so they get
only frame-ancestors. Every answer but a static asset is `Cache-Control: no-store` (JSON holds a
subject's data or a key's view of it). What is answered before this layer carries the same
headers as constants: the check fast path appends RAW to its 200s (api.check_route), and every
problem answer has them from api.problems.problem (the check path's, the drain's and a replica's
503s included).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustledger.web.rendering import HEADERS

DOCS = ("/docs", "/redoc")
DOCS_CSP = "frame-ancestors 'none'"
STATIC = "/static/"
# What every answer carries, JSON or page: the page's CSP also fences a JSON answer opened as a
# document; nothing here varies by request.
PROTECTION = {
    name: HEADERS[name]
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")
} | {"Cache-Control": "no-store"}
RAW = tuple((name.lower().encode(), value.encode()) for name, value in PROTECTION.items())


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        docs, static = path.startswith(DOCS), path.startswith(STATIC)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name in headers or (name == "Cache-Control" and static):
                        continue
                    if name == "Content-Security-Policy" and docs:
                        value = DOCS_CSP
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
