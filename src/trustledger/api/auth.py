"""API keys with roles: `Authorization: Bearer <key>`; each route names the roles it admits."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from trustledger.domain.errors import Forbidden, Unauthorized
from trustledger.services.keys import Keys, Principal

# A key's principal is cached briefly: the check path must not hit the database per request.
CACHE_SECONDS = 30.0


class Authenticator:
    def __init__(self, keys: Keys) -> None:
        self._keys = keys
        self._cache: dict[str, tuple[float, Principal]] = {}

    def principal(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthorized("Authorization: a 'Bearer <key>' header is required")
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization: use the form 'Bearer <key>'")
        secret = secret.strip()
        now = time.monotonic()
        hit = self._cache.get(secret)
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = self._keys.authenticate(secret)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[secret] = (now + CACHE_SECONDS, principal)
        return principal


def admit(principal: Principal, roles: tuple[str, ...]) -> Principal:
    if principal.role not in roles:
        raise Forbidden(f"role {principal.role!r} may not do this (allowed: {', '.join(roles)})")
    return principal


def require(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting only keys of these roles: 401 without a valid key, 403 otherwise.

    Async so FastAPI does not hand it to a worker thread: the key is almost always cached.
    """

    async def dependency(request: Request) -> Principal:
        auth: Authenticator = request.app.state.auth
        return admit(auth.principal(request.headers.get("authorization")), roles)

    dependency.__name__ = f"require_{'_'.join(roles)}"
    return dependency


def for_subject(principal: Principal, subject: str) -> None:
    """A subject key reads and appeals its own file only; its name is its identity number."""
    if principal.role == "subject" and principal.name.upper() != subject.strip().upper():
        raise Forbidden("a subject key may act on its own file only")


Officer = Annotated[Principal, Depends(require("officer"))]
OfficerOrAuditor = Annotated[Principal, Depends(require("officer", "auditor"))]
Reader = Annotated[Principal, Depends(require("officer", "auditor", "subject"))]
Appellant = Annotated[Principal, Depends(require("officer", "subject"))]
SourceKey = Annotated[Principal, Depends(require("source"))]
Checker = Annotated[Principal, Depends(require("checker"))]
FeedReader = Annotated[Principal, Depends(require("checker", "auditor"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
