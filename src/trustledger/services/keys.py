"""API keys: shown once, stored as a SHA-256 hash; a source key carries the types it may submit."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from trustledger.domain.errors import InvalidInput, Unauthorized
from trustledger.services.ports import ApiKey, AuditEntry, Clock, UnitOfWorkFactory
from trustledger.services.submissions import Source

ROLES = ("source", "checker", "officer", "auditor", "subject")
KEY_PREFIX = "tl_"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TYPE_PATTERN = re.compile(r"[a-z0-9_.*?\[\]!-]{1,64}")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a key belongs to: a name, a role and, for a source, the record types it may submit."""

    key_id: str
    name: str
    role: str
    types: tuple[str, ...]

    def as_source(self) -> Source:
        return Source(self.name, self.types)


@dataclass(frozen=True, slots=True)
class CreatedKey:
    principal: Principal
    secret: str  # the key itself: shown once, never stored


def hash_key(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: there is nothing to guess.
    return hashlib.sha256(secret.encode()).hexdigest()


class Keys:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def create(
        self, *, role: str, name: str, types: Sequence[str] = (), actor: str = "cli"
    ) -> CreatedKey:
        _check(role, name, types)
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        key = ApiKey(f"key_{secrets.token_hex(8)}", hash_key(secret), name, role, tuple(types), now)
        with self._uow() as uow:
            uow.keys.add(key)
            detail = f"{key.key_id} {role} {name} {' '.join(types)}".strip()
            uow.audit.append([AuditEntry(actor, "key.create", None, "administration", now, detail)])
            uow.commit()
        return CreatedKey(Principal(key.key_id, name, role, key.types), secret)

    def authenticate(self, secret: str) -> Principal:
        with self._uow(readonly=True) as uow:
            key = uow.keys.by_hash(hash_key(secret))
        if key is None:
            raise Unauthorized("unknown API key")
        return Principal(key.key_id, key.name, key.role, key.types)

    def source(self, name: str) -> Source:
        """The source named `name`: the record types of all its keys together."""
        with self._uow(readonly=True) as uow:
            keys = uow.keys.named(name, "source")
        if not keys:
            raise InvalidInput(
                "source", f"no source key named {name!r} (create one with keys create)"
            )
        patterns = dict.fromkeys(p for k in keys for p in k.types)
        return Source(name, tuple(patterns))


def _check(role: str, name: str, types: Sequence[str]) -> None:
    if role not in ROLES:
        raise InvalidInput("role", f"{role!r} is not one of {', '.join(ROLES)}")
    if not NAME.fullmatch(name):
        raise InvalidInput("name", "must be 1 to 64 letters, digits, '_', '.' or '-'")
    if role != "source" and types:
        raise InvalidInput("types", "only source keys carry record types")
    if role == "source" and not types:
        raise InvalidInput("types", "a source key needs at least one record type pattern")
    for pattern in types:
        if not TYPE_PATTERN.fullmatch(pattern):
            raise InvalidInput("types", f"{pattern!r} is not a record type pattern such as rail.*")
