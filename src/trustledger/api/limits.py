"""Request size limits enforced before a body is parsed: past them, 413 problem+json."""

from __future__ import annotations

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustledger.api.problems import problem

# 10,000 checks of 18-character ids fit easily; a records batch of 10,000 is ~3 MB.
MAX_BODY_BYTES = 8 * 1024 * 1024


class BodyTooLarge(Exception):
    pass


class ClientGone(Exception):
    """The client disconnected before it had sent the whole body."""


def declared_too_large(scope: Scope, limit: int) -> bool:
    """Whether the request's Content-Length alone is past `limit`."""
    declared = dict(scope["headers"]).get(b"content-length")
    return declared is not None and declared.isdigit() and int(declared) > limit


def too_large(limit: int) -> Response:
    detail = f"body: larger than the limit of {limit} bytes"
    return problem(413, "Too large", detail, type_="too-large")


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body; BodyTooLarge as soon as it passes `limit` bytes, ClientGone if cut off."""
    chunks: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that gives `body` once, as one message, then whatever `receive` gives."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class BodyLimit:
    """Refuses bodies past `limit` bytes, by Content-Length or while streaming.

    It reads the whole body itself before the app runs and hands it on: FastAPI turns any error
    raised while it reads a body into a 400, so a limit enforced inside its read never reached
    the client as a 413. FastAPI holds the whole body before it parses it anyway.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await limited_body(scope, receive, send, self.limit)
        if body is not None:
            await self.app(scope, replaying(body, receive), send)


async def limited_body(scope: Scope, receive: Receive, send: Send, limit: int) -> bytes | None:
    """The request's body, or None when it was refused (413 sent) or the client left."""
    if declared_too_large(scope, limit):
        await too_large(limit)(scope, receive, send)
        return None
    try:
        return await read_body(receive, limit)
    except BodyTooLarge:
        await too_large(limit)(scope, receive, send)
    except ClientGone:
        pass
    return None
