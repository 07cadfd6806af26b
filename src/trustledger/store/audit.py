"""The audit chain: each entry's SHA-256 covers a canonical encoding of it and the previous hash.

Appends happen inside the unit of work's transaction, which holds the write lock (PostgreSQL
advisory lock, SQLite BEGIN IMMEDIATE), so concurrent writers extend one linear chain.

An entry that names a subject is stored under the subject's pseudonym, its detail sealed under
the subject's own key ("sealed:" and base64). The hash covers the text as stored, so the chain
verifies with no key, and still after the subject's key is destroyed. `prev_hash` and `hash` are
stored as 32 bytes (migration 0012); what is hashed is their hex, as it always was.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from trustledger.domain.audit import AuditEntry, AuditVerdict
from trustledger.domain.personal_data import SUBJECT_SCOPE
from trustledger.store import tables as t
from trustledger.store.bulk import insert_rows
from trustledger.store.crypto import hex_of
from trustledger.store.data_keys import SqlDataKeys

GENESIS = "0" * 64
VERIFY_BATCH = 10_000
SEALED = "sealed:"
# The portal's reads are audited with the subject as the actor; stored under the pseudonym too.
SUBJECT_ACTOR = "subject:"


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


# Actions whose detail says only what the plain columns of the log may say (a mode, a day, a rule
# code): a ticket check's denial. Sealing it would protect nothing, and would make every batch
# check read its denied subjects' keys (bench/check.py's batch figure, issue 15). Likewise the
# entries whose detail is an id the registry made (a record, notice, review case or restriction),
# which the event log keeps plain beside the same pseudonym: sealed, such an id took 96 bytes of
# base64 instead of 36, about 100 bytes a record in a bulk intake (bench/RESULTS.md, issue 17).
# And a sign-in refused at its limit ("the identity limit ... is reached") and a file read
# ("as_of=DAY", "after=SEQ"): sealed, they made a key for whatever number was tried, so a guess
# or a typo left a key behind for a number the registry does not know.
PLAIN_DETAIL_ACTIONS = frozenset(
    {
        "check.deny",
        "sign_in.limited",
        "file.read",
        "file.history",
        "record.submit",
        "record.correct",
        "record.withdraw",
        "notice.issue",
        "review.open",
        "restriction.start",
        "restriction.lift",
        "restriction.expire",
    }
)


def _sealed_detail(entry: AuditEntry) -> bool:
    """Whether an entry naming a subject keeps its detail sealed: unless empty or plain."""
    return bool(entry.detail) and entry.action not in PLAIN_DETAIL_ACTIONS


class SqlAuditTrail:
    def __init__(self, conn: Connection, keys: SqlDataKeys) -> None:
        self._conn = conn
        self._keys = keys

    def append(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        # The driver's own SQL: built per call, SQLAlchemy's statement cost as much as the query.
        last = self._conn.exec_driver_sql(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).first()
        seq, prev = (last.seq, hex_of(last.hash)) if last is not None else (0, GENESIS)
        rows = []
        # Entries queued together often share a time (a batch check's denials): each distinct
        # time is converted and formatted once; each subject's pseudonym is taken once and its
        # keys read in one query.
        times: dict[datetime, tuple[datetime, str]] = {}
        pseudonyms = {
            e.subject: self._keys.pseudonym(e.subject) for e in entries if e.subject is not None
        }
        # The subjects' own keys made at once (a bulk intake audits a batch of new subjects).
        self._keys.provide(
            (pseudonyms[e.subject], SUBJECT_SCOPE)
            for e in entries
            if e.subject is not None and _sealed_detail(e)
        )
        for entry in entries:
            seq += 1
            time = times.get(entry.at)
            if time is None:
                # Stored at the precision the hash covers, so the row reads back as it was hashed.
                naive = entry.at.replace(tzinfo=None)
                time = times[entry.at] = (naive, at_text(naive))
            actor, subject, detail = entry.actor, entry.subject, entry.detail
            if subject is not None:
                pseudonym = pseudonyms[subject]
                if actor == SUBJECT_ACTOR + subject:
                    actor = SUBJECT_ACTOR + pseudonym
                if _sealed_detail(entry):
                    sealed = self._keys.seal(pseudonym, SUBJECT_SCOPE, {"detail": detail})
                    detail = SEALED + base64.b64encode(sealed).decode()
                subject = pseudonym
            encoded = _encoded(
                seq, actor, entry.action, subject, entry.purpose, detail, time[1], prev
            )  # fmt: skip
            row = {
                "seq": seq,
                "actor": actor,
                "action": entry.action,
                "subject": subject,
                "purpose": entry.purpose,
                "detail": detail,
                "at": time[0],
                "prev_hash": bytes.fromhex(prev),
            }
            digest = hashlib.sha256(encoded)
            row["hash"] = digest.digest()
            prev = digest.hexdigest()
            rows.append(row)
        insert_rows(self._conn, t.audit_log, rows)

    def of_subject(self, subject: str) -> list[AuditEntry]:
        """The entries that name `subject`, oldest first, their details opened (who read the
        file, and why). Once the subject's own key is destroyed their details read as ""."""
        c = t.audit_log.c
        pseudonym = self._keys.pseudonym(subject)
        # An entry from before sealing holds the plain subject and detail.
        query = select(t.audit_log).where(c.subject.in_([pseudonym, subject])).order_by(c.seq)
        found = []
        for row in self._conn.execute(query):
            detail, actor = row.detail, row.actor
            if row.subject == pseudonym and detail.startswith(SEALED):
                sealed = base64.b64decode(detail[len(SEALED) :])
                opened = self._keys.open(pseudonym, SUBJECT_SCOPE, sealed)
                detail = opened["detail"] if opened is not None else ""
            if row.subject == pseudonym and actor == SUBJECT_ACTOR + pseudonym:
                actor = SUBJECT_ACTOR + subject
            at = row.at.replace(tzinfo=UTC)
            found.append(AuditEntry(actor, row.action, subject, row.purpose, at, detail))
        return found

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
                prev, expected_seq, count = hex_of(row.hash), expected_seq + 1, count + 1
            after = rows[-1].seq


def _check(row: Any, expected_seq: int, prev: str) -> str | None:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing (next is {row.seq})"
    if hex_of(row.prev_hash) != prev:
        return "previous hash does not match the entry before it"
    fields = {name: getattr(row, name) for name in ("seq", "actor", "action", "subject", "purpose")}
    fields |= {"detail": row.detail, "at": row.at, "prev_hash": prev}
    if entry_hash(**fields) != hex_of(row.hash):
        return "hash does not match the entry's contents"
    return None
