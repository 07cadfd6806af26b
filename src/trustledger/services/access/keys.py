"""API keys: shown once, stored as a SHA-256 hash; created, listed, revoked, rotated, expiring.

A source key carries the record types it may submit; an officer key may carry a jurisdiction.
Every change is audited and appended to the key change log, which servers follow to drop the
keys they cached (api.auth), so a revoked key is refused everywhere within a second.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput, NotFound, TrustLedgerError, Unauthorized
from trustledger.domain.jurisdiction import Jurisdiction
from trustledger.domain.key_rules import (
    ROLES,
    check_grace,
    check_jurisdiction,
    check_key,
    check_reason,
)
from trustledger.domain.keys import ApiKey, KeyChange
from trustledger.domain.submissions import Source
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

KEY_PREFIX = "tl_"
# How stale a key's "last used" may be: at most one write per key and process this often.
TOUCH_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a key belongs to: a name, a role and, for a source, the record types it may submit."""

    key_id: str
    name: str
    role: str
    types: tuple[str, ...]
    expires_at: datetime | None = None
    regions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def as_source(self) -> Source:
        return Source(self.name, self.types)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def fence(self) -> Jurisdiction:
        """Where an officer key may read and decide (no fence: everywhere)."""
        return Jurisdiction(self.regions, self.sources)

    @property
    def actor(self) -> str:
        """The key as the audit trail names whoever acted by it."""
        return f"{self.role}:{self.name}"


@dataclass(frozen=True, slots=True)
class CreatedKey:
    principal: Principal
    secret: str  # the key itself: shown once, never stored


def hash_key(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough: there is nothing to guess.
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_of(key: ApiKey) -> Principal:
    return Principal(
        key.key_id, key.name, key.role, key.types, key.expires_at, key.regions, key.sources
    )


class Keys:
    def __init__(self, uow: UnitOfWorkFactory, *, clock: Clock, touch: bool = True) -> None:
        self._uow = uow
        self._clock = clock
        self._touches = touch  # False on a read-only replica: "last used" is the primary's

    def create(
        self,
        *,
        role: str,
        name: str,
        types: Sequence[str] = (),
        expires: datetime | None = None,
        regions: Sequence[str] = (),
        sources: Sequence[str] = (),
        actor: str = "cli",
    ) -> CreatedKey:
        check_key(role, name, types)
        check_jurisdiction(role, regions, sources)
        now = self._clock.now()
        if expires is not None and expires <= now:
            raise InvalidInput("expires", "must be in the future")
        secret, key_hash = _new_secret()
        key = ApiKey(_new_id(), key_hash, name, role, tuple(types), now, expires_at=expires)
        key = replace(key, regions=tuple(regions), sources=tuple(sources))
        with self._uow() as uow:
            uow.keys.add(key)
            _audit(uow, actor, "key.create", now, _describe(key))
            uow.commit()
        return CreatedKey(principal_of(key), secret)

    def authenticate(self, secret: str) -> Principal:
        """The principal of a usable key; 401 for an unknown, revoked or expired one."""
        with self._uow(readonly=True) as uow:
            key = uow.keys.by_hash(hash_key(secret))
        if key is None:
            raise Unauthorized("unknown API key")
        now = self._clock.now()
        refusal = key.refusal(now)
        if refusal is not None:
            raise Unauthorized(refusal)
        stale = key.last_used_at is None or now - key.last_used_at > timedelta(
            seconds=TOUCH_SECONDS
        )
        if self._touches and stale:
            self._touch(key.key_id, now)
        return principal_of(key)

    def _touch(self, key_id: str, now: datetime) -> None:
        try:
            with self._uow() as uow:
                uow.keys.touch(key_id, at=now)
                uow.commit()
        except TrustLedgerError:
            pass  # "last used" is a courtesy: a busy or read-only database must not refuse the key

    def active(self, key_id: str) -> Principal:
        """The principal of key `key_id` if it may still be used (a page session's key)."""
        with self._uow(readonly=True) as uow:
            key = uow.keys.get(key_id)
        refusal = "unknown key" if key is None else key.refusal(self._clock.now())
        if key is None or refusal is not None:
            raise Unauthorized(refusal or "unknown key")
        return principal_of(key)

    def listed(self, role: str | None = None) -> list[ApiKey]:
        if role is not None and role not in ROLES:
            raise InvalidInput("role", f"{role!r} is not one of {', '.join(ROLES)}")
        with self._uow(readonly=True) as uow:
            return uow.keys.listed(role)

    def revoke(self, key_id: str, *, reason: str, actor: str = "cli") -> ApiKey:
        text = check_reason(reason)
        now = self._clock.now()
        with self._uow() as uow:
            key = _existing(uow, key_id)
            if key.revoked_at is not None:
                raise InvalidInput("key_id", f"{key_id} was already revoked")
            uow.keys.revoke(key_id, at=now, reason=text)
            uow.keys.changed(key_id, "revoked", at=now)
            _audit(uow, actor, "key.revoke", now, f"{key_id} {key.role} {key.name}: {text}")
            uow.commit()
        return replace(key, revoked_at=now, revoked_reason=text)

    def rotate(self, key_id: str, *, grace_hours: float = 0, actor: str = "cli") -> CreatedKey:
        """A new key like `key_id`, printed once; the old one works until the grace ends."""
        check_grace(grace_hours)
        now = self._clock.now()
        secret, key_hash = _new_secret()
        with self._uow() as uow:
            old = _existing(uow, key_id)
            refusal = old.refusal(now)
            if refusal is not None:
                raise InvalidInput("key_id", f"{refusal}; create a new key instead")
            new = replace(old, key_id=_new_id(), key_hash=key_hash, created_at=now)
            new = replace(new, last_used_at=None)
            ends = now + timedelta(hours=grace_hours)
            if old.expires_at is None or ends < old.expires_at:
                uow.keys.expire(key_id, at=ends)
            uow.keys.add(new)
            uow.keys.changed(key_id, "rotated", at=now)
            detail = f"{key_id} -> {new.key_id} {old.role} {old.name}; old key ends {ends:%Y-%m-%dT%H:%M:%S}Z"
            _audit(uow, actor, "key.rotate", now, detail)
            uow.commit()
        return CreatedKey(principal_of(new), secret)

    def changes_since(self, seq: int, *, limit: int = 1000) -> list[KeyChange]:
        with self._uow(readonly=True) as uow:
            return uow.keys.changes_since(seq, limit=limit)

    def last_change(self) -> int:
        with self._uow(readonly=True) as uow:
            return uow.keys.last_change()

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


def _new_secret() -> tuple[str, str]:
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, hash_key(secret)


def _new_id() -> str:
    return f"key_{secrets.token_hex(8)}"


def _existing(uow: UnitOfWork, key_id: str) -> ApiKey:
    key = uow.keys.get(key_id)
    if key is None:
        raise NotFound(f"key_id: no key {key_id!r} (see keys list)")
    return key


def _audit(uow: UnitOfWork, actor: str, action: str, at: datetime, detail: str) -> None:
    uow.audit.append([AuditEntry(actor, action, None, "administration", at, detail)])


def _describe(key: ApiKey) -> str:
    parts = [key.key_id, key.role, key.name, *key.types]
    if key.expires_at is not None:
        parts.append(f"expires={key.expires_at:%Y-%m-%dT%H:%M:%S}Z")
    if key.regions:
        parts.append(f"regions={','.join(key.regions)}")
    if key.sources:
        parts.append(f"sources={','.join(key.sources)}")
    return " ".join(parts)
