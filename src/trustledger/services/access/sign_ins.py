"""Failed sign-ins (API key, console key, portal access code) counted per client and per
identity number; past a limit, TooManyAttempts (429 with Retry-After), and the refusal audited.

The counters are a port (store.attempts keeps them in this process or in Redis). Identity numbers
reach them only as a hash: the counters are no register of people.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import TooManyAttempts
from trustledger.domain.texts import N_, Message
from trustledger.services.ports import Clock

CLIENT, IDENTITY = "client", "identity"


class AttemptCounter(Protocol):
    def refused_for(self, kind: str, key: str) -> int | None:
        """Seconds until `key` may try again, or None while it is under its kind's limit."""
        ...

    def hit(self, kind: str, key: str) -> bool:
        """Count one failure; True when that failure used up the limit."""
        ...


class Recorder(Protocol):
    """Where a refusal is audited: services.audit.chain.Audit, or a replica's primary or log."""

    def record(self, entries: Sequence[AuditEntry]) -> None: ...


CLIENT_WORDS = N_("too many failed sign-ins from this client; try again in %(seconds)s s")
NUMBER_WORDS = N_("too many failed sign-ins for this identity number; try again in %(seconds)s s")


class SignInGuard:
    def __init__(self, counter: AttemptCounter, *, audit: Recorder, clock: Clock) -> None:
        self._counter = counter
        self._audit = audit
        self._clock = clock

    def auditing_to(self, audit: Recorder) -> SignInGuard:
        """The same counters with refusals audited elsewhere: a read-only replica writes none."""
        return SignInGuard(self._counter, audit=audit, clock=self._clock)

    def check(self, client: str, identity: str | None = None) -> None:
        """TooManyAttempts when this client, or this identity number, failed too often."""
        for kind, key in _counted(client, identity):
            retry = self._counter.refused_for(kind, key)
            if retry is not None:
                whom = CLIENT_WORDS if kind == CLIENT else NUMBER_WORDS
                raise TooManyAttempts(Message.of(whom, seconds=retry), retry_after=retry)

    def failed(self, client: str, identity: str | None = None, *, what: str) -> None:
        """Count one failed sign-in; the failure that uses up a limit is audited."""
        for kind, key in _counted(client, identity):
            if self._counter.hit(kind, key):
                entry = AuditEntry(
                    f"client:{client}",
                    "sign_in.limited",
                    identity,
                    what,
                    self._clock.now(),
                    f"the {kind} limit of failed sign-ins is reached",
                )
                self._audit.record([entry])


def _counted(client: str, identity: str | None) -> list[tuple[str, str]]:
    counted = [(CLIENT, client)]
    if identity is not None:
        counted.append((IDENTITY, hashlib.sha256(identity.encode()).hexdigest()[:32]))
    return counted
