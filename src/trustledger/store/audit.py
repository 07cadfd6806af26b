"""The audit chain: each entry's SHA-256 covers a canonical encoding of it and the previous hash.

Appends happen inside the unit of work's transaction, which holds the write lock (PostgreSQL
advisory lock, SQLite BEGIN IMMEDIATE), so concurrent writers extend one linear chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from trustledger.services.ports import AuditEntry, AuditVerdict
from trustledger.store import tables as t
from trustledger.store.bulk import insert_rows

GENESIS = "0" * 64
VERIFY_BATCH = 10_000


def canonical(
    *,
    seq: int,
    actor: str,
    action: str,
    subject: str | None,
    purpose: str,
    detail: str,
    at: datetime,
    prev_hash: str,
) -> bytes:
    """Sorted-key compact UTF-8 JSON, time as naive UTC with microseconds: same on both engines."""
    return orjson.dumps(
        {
            "action": action,
            "actor": actor,
            "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "detail": detail,
            "prev_hash": prev_hash,
            "purpose": purpose,
            "seq": seq,
            "subject": subject,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def entry_hash(**fields: Any) -> str:
    return hashlib.sha256(canonical(**fields)).hexdigest()


class SqlAuditTrail:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        last = self._conn.execute(
            select(t.audit_log.c.seq, t.audit_log.c.hash)
            .order_by(t.audit_log.c.seq.desc())
            .limit(1)
        ).first()
        seq, prev = (last.seq, last.hash) if last is not None else (0, GENESIS)
        rows = []
        for entry in entries:
            seq += 1
            # Stored at the precision the hash covers, so the row reads back as it was hashed.
            fields: dict[str, Any] = {
                "seq": seq,
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "purpose": entry.purpose,
                "detail": entry.detail,
                "at": entry.at.replace(tzinfo=None),
                "prev_hash": prev,
            }
            prev = entry_hash(**fields)
            rows.append(fields | {"hash": prev})
        insert_rows(self._conn, t.audit_log, rows)

    def verify(self) -> AuditVerdict:
        """Walk the chain from the first entry; report the first that does not verify."""
        prev, expected_seq, count = GENESIS, 1, 0
        after = 0
        while True:
            rows = self._conn.execute(
                select(t.audit_log)
                .where(t.audit_log.c.seq > after)
                .order_by(t.audit_log.c.seq)
                .limit(VERIFY_BATCH)
            ).all()
            if not rows:
                return AuditVerdict(intact=True, entries=count)
            for row in rows:
                problem = _check(row, expected_seq, prev)
                if problem is not None:
                    return AuditVerdict(False, count, first_broken=row.seq, reason=problem)
                prev, expected_seq, count = row.hash, expected_seq + 1, count + 1
            after = rows[-1].seq


def _check(row: Any, expected_seq: int, prev: str) -> str | None:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing (next is {row.seq})"
    if row.prev_hash != prev:
        return "previous hash does not match the entry before it"
    fields = {
        name: getattr(row, name)
        for name in ("seq", "actor", "action", "subject", "purpose", "detail", "at", "prev_hash")
    }
    if entry_hash(**fields) != row.hash:
        return "hash does not match the entry's contents"
    return None
