"""Security headers on every answer the app gives (pages, static files, redirects, errors, JSON).

Pages set them too (web.rendering.HEADERS); this layer adds whichever are missing, so a
redirect, a static file or an error raised before a page renders carries them as well. The
interactive API docs (/docs, /redoc) load Swagger UI and ReDoc with inline scripts, so they get
only frame-ancestors. /v1/check is answered before this layer (api.check_route): JSON to
ticketing systems, not a page.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustledger.web.rendering import HEADERS

DOCS = ("/docs", "/redoc")
DOCS_CSP = "frame-ancestors 'none'"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith(DOCS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name == "Cache-Control" or name in headers:
                        continue
                    if name == "Content-Security-Policy" and docs:
                        value = DOCS_CSP
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
