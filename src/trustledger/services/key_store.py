"""The key store's port: API keys as stored, and the append-only log of changes to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    key_hash: str
    name: str
    role: str
    types: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    last_used_at: datetime | None = None
    # An officer's jurisdiction: region codes (prefixes of the identity number's region) and
    # the sources whose records it may read; empty means no fence of that kind.
    regions: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def refusal(self, now: datetime) -> str | None:
        """Why this key may not be used at `now`, or None when it may."""
        if self.revoked_at is not None:
            return f"key {self.key_id} was revoked: {self.revoked_reason or 'no reason given'}"
        if self.expires_at is not None and self.expires_at <= now:
            return f"key {self.key_id} expired at {self.expires_at.isoformat(timespec='seconds')}Z"
        return None


@dataclass(frozen=True, slots=True)
class KeyChange:
    """One revocation, rotation or change of expiry: what servers follow to drop cached keys."""

    seq: int
    key_id: str
    change: str


class KeyStore(Protocol):
    def add(self, key: ApiKey) -> None: ...

    def by_hash(self, key_hash: str) -> ApiKey | None: ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def named(self, name: str, role: str) -> list[ApiKey]: ...

    def listed(self, role: str | None) -> list[ApiKey]:
        """Every key (of this role), oldest first."""
        ...

    def revoke(self, key_id: str, *, at: datetime, reason: str) -> None: ...

    def expire(self, key_id: str, *, at: datetime) -> None:
        """Set the key's expiry to `at`."""
        ...

    def touch(self, key_id: str, *, at: datetime) -> None:
        """Note that the key was used at `at`."""
        ...

    def changed(self, key_id: str, change: str, *, at: datetime) -> None:
        """Append a change of this key to the log servers follow."""
        ...

    def changes_since(self, seq: int, *, limit: int) -> list[KeyChange]: ...

    def last_change(self) -> int: ...
