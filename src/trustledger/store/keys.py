"""The key store: API keys as rows, and the append-only log of their changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from trustledger.domain.keys import ApiKey, KeyChange
from trustledger.store import tables as t


class SqlKeyStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, key: ApiKey) -> None:
        self._conn.execute(
            insert(t.api_keys).values(
                key_id=key.key_id,
                key_hash=key.key_hash,
                name=key.name,
                role=key.role,
                types=list(key.types),
                created_at=key.created_at,
                expires_at=key.expires_at,
                regions=list(key.regions),
                sources=list(key.sources),
            )
        )

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return self._one(t.api_keys.c.key_hash == key_hash)

    def get(self, key_id: str) -> ApiKey | None:
        return self._one(t.api_keys.c.key_id == key_id)

    def _one(self, where: Any) -> ApiKey | None:
        row = self._conn.execute(select(t.api_keys).where(where)).first()
        return _key(row) if row is not None else None

    def named(self, name: str, role: str) -> list[ApiKey]:
        query = (
            select(t.api_keys)
            .where(t.api_keys.c.name == name, t.api_keys.c.role == role)
            .order_by(t.api_keys.c.created_at, t.api_keys.c.key_id)
        )
        return [_key(row) for row in self._conn.execute(query)]

    def listed(self, role: str | None) -> list[ApiKey]:
        query = select(t.api_keys).order_by(t.api_keys.c.created_at, t.api_keys.c.key_id)
        if role is not None:
            query = query.where(t.api_keys.c.role == role)
        return [_key(row) for row in self._conn.execute(query)]

    def revoke(self, key_id: str, *, at: datetime, reason: str) -> None:
        self._set(key_id, revoked_at=at, revoked_reason=reason)

    def expire(self, key_id: str, *, at: datetime) -> None:
        self._set(key_id, expires_at=at)

    def touch(self, key_id: str, *, at: datetime) -> None:
        self._set(key_id, last_used_at=at)

    def _set(self, key_id: str, **values: Any) -> None:
        self._conn.execute(update(t.api_keys).where(t.api_keys.c.key_id == key_id).values(values))

    def changed(self, key_id: str, change: str, *, at: datetime) -> None:
        self._conn.execute(insert(t.key_changes).values(key_id=key_id, change=change, at=at))

    def changes_since(self, seq: int, *, limit: int) -> list[KeyChange]:
        c = t.key_changes.c
        query = select(c.seq, c.key_id, c.change).where(c.seq > seq).order_by(c.seq).limit(limit)
        return [KeyChange(row.seq, row.key_id, row.change) for row in self._conn.execute(query)]

    def last_change(self) -> int:
        query = select(func.coalesce(func.max(t.key_changes.c.seq), 0))
        return int(self._conn.execute(query).scalar_one())


def _key(row: Any) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        key_hash=row.key_hash,
        name=row.name,
        role=row.role,
        types=tuple(row.types),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        last_used_at=row.last_used_at,
        regions=tuple(row.regions or ()),
        sources=tuple(row.sources or ()),
    )
