"""API keys with roles: `Authorization: Bearer <key>`; each route names the roles it admits.

Principals are cached for CACHE_SECONDS so the check path does not read the database per
request; a key's revocation or rotation does not wait out the cache: `follow` reads the key change
log several times a second (with the event feed, api.app) and drops the keys it names.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from trustledger.api.state import state_of
from trustledger.domain.errors import Forbidden, Unauthorized
from trustledger.domain.texts import N_, Message
from trustledger.services.access.keys import Keys, Principal
from trustledger.services.access.sign_ins import SignInGuard
from trustledger.services.ports import Clock

CACHE_SECONDS = 30.0
CACHE_LIMIT = 10_000


class Authenticator:
    def __init__(self, keys: Keys, *, clock: Clock, limits: SignInGuard) -> None:
        self._keys = keys
        self._clock = clock
        self._limits = limits
        self._by_secret: dict[str, tuple[float, Principal]] = {}
        self._by_id: dict[str, tuple[float, Principal]] = {}
        # Bumped whenever keys are dropped: a lookup that began before a drop does not cache
        # what it read, which may be the key as it was before its revocation.
        self._generation = 0
        self._seq = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Follow the key change log from its current end."""
        self._seq = self._keys.last_change()

    def principal(self, authorization: str | None, client: str) -> Principal:
        """The principal of a bearer key; a key not in the cache counts against `client`'s
        failed sign-ins if it is refused."""
        if not authorization:
            raise Unauthorized("Authorization: a 'Bearer <key>' header is required")
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Authorization: use the form 'Bearer <key>'")
        return self._cached(
            self._by_secret, secret.strip(), lambda s: self.sign_in(s, client, what="api key")
        )

    def sign_in(self, secret: str, client: str, *, what: str) -> Principal:
        """Authenticate a key, unless `client` failed too often (429); count a failure."""
        self._limits.check(client)
        try:
            return self._keys.authenticate(secret)
        except Unauthorized:
            self._limits.failed(client, what=what)
            raise

    def session_key(self, key_id: str) -> Principal:
        """The principal of a page session's key; 401 once it is revoked or expired."""
        return self._cached(self._by_id, key_id, self._keys.active)

    def _cached(
        self,
        cache: dict[str, tuple[float, Principal]],
        token: str,
        load: Callable[[str], Principal],
    ) -> Principal:
        now = time.monotonic()
        hit = cache.get(token)
        if hit is not None and hit[0] > now:
            principal = hit[1]
        else:
            generation = self._generation
            principal = load(token)
            with self._lock:
                if generation == self._generation:
                    if len(cache) > CACHE_LIMIT:
                        cache.clear()
                    cache[token] = (now + CACHE_SECONDS, principal)
        if principal.expired(self._clock.now()):
            cache.pop(token, None)
            raise Unauthorized(f"key {principal.key_id} has expired")
        return principal

    def follow(self) -> int:
        """Drop the cached keys changed since the last call; returns how many changes it read."""
        changes = self._keys.changes_since(self._seq)
        if changes:
            self.forget({c.key_id for c in changes})
            self._seq = changes[-1].seq
        return len(changes)

    def forget(self, key_ids: set[str]) -> None:
        with self._lock:
            self._generation += 1
            for cache in (self._by_secret, self._by_id):
                for token in [t for t, (_, p) in cache.items() if p.key_id in key_ids]:
                    del cache[token]


def admit(principal: Principal, roles: tuple[str, ...]) -> Principal:
    if principal.role not in roles:
        raise Forbidden(
            Message.of(
                N_("role %(role)r may not do this (allowed: %(roles)s)"),
                role=principal.role,
                roles=", ".join(roles),
            )
        )
    return principal


def require(*roles: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency admitting only keys of these roles: 401 without a valid key, 403 otherwise.

    Async so FastAPI does not hand it to a worker thread: the key is almost always cached.
    """

    async def dependency(request: Request) -> Principal:
        auth = state_of(request).auth
        client = request.client.host if request.client else "unknown"
        return admit(auth.principal(request.headers.get("authorization"), client), roles)

    dependency.__name__ = f"require_{'_'.join(roles)}"
    return dependency


def for_subject(principal: Principal, subject: str) -> None:
    """A subject key reads and appeals its own file only; its name is its identity number."""
    if principal.role == "subject" and principal.name.upper() != subject.strip().upper():
        raise Forbidden(N_("a subject key may act on its own file only"))


Officer = Annotated[Principal, Depends(require("officer"))]
OfficerOrAuditor = Annotated[Principal, Depends(require("officer", "auditor"))]
# An auditor sees aggregates and the audit log, never a file's content.
FileReader = Annotated[Principal, Depends(require("officer", "subject"))]
Appellant = Annotated[Principal, Depends(require("officer", "subject"))]
SourceKey = Annotated[Principal, Depends(require("source"))]
Checker = Annotated[Principal, Depends(require("checker"))]
FeedReader = Annotated[Principal, Depends(require("checker", "auditor"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
LogReader = Annotated[Principal, Depends(require("auditor", "subject"))]
