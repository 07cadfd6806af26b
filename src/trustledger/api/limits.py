"""Request size limits enforced before a body is parsed: past them, 413 problem+json."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustledger.api.problems import problem

# 10,000 checks of 18-character ids fit easily; a records batch of 10,000 is ~3 MB.
MAX_BODY_BYTES = 8 * 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses bodies past `limit` bytes, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"body: larger than the limit of {self.limit} bytes"
        response = problem(413, "Too large", detail, type_="too-large")
        await response(scope, receive, send)
