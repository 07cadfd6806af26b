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

from trustledger.domain.audit import AuditEntry, AuditVerdict
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
    return _encoded(seq, actor, action, subject, purpose, detail, at_text(at), prev_hash)


def at_text(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _encoded(
    seq: int,
    actor: str,
    action: str,
    subject: str | None,
    purpose: str,
    detail: str,
    at: str,
    prev_hash: str,
) -> bytes:
    return orjson.dumps(
        {
            "action": action,
            "actor": actor,
            "at": at,
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
        # Entries queued together often share a time (a batch check's denials): each distinct
        # time is converted and formatted once.
        times: dict[datetime, tuple[datetime, str]] = {}
        for entry in entries:
            seq += 1
            time = times.get(entry.at)
            if time is None:
                # Stored at the precision the hash covers, so the row reads back as it was hashed.
                naive = entry.at.replace(tzinfo=None)
                time = times[entry.at] = (naive, at_text(naive))
            encoded = _encoded(
                seq, entry.actor, entry.action, entry.subject, entry.purpose, entry.detail,
                time[1], prev,
            )  # fmt: skip
            row = {
                "seq": seq,
                "actor": entry.actor,
                "action": entry.action,
                "subject": entry.subject,
                "purpose": entry.purpose,
                "detail": entry.detail,
                "at": time[0],
                "prev_hash": prev,
            }
            prev = row["hash"] = hashlib.sha256(encoded).hexdigest()
            rows.append(row)
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
