"""API keys as stored, and the append-only log of changes to them that servers follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
