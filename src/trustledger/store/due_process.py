"""Repositories for due process: the notices outbox, subjects' contacts, the officers' dockets."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from trustledger.domain.dockets import AppealSummary, ReviewSummary
from trustledger.domain.events import NoticePurpose
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.notice_letters import Contact, DeliveryStatus, NoticeLetter
from trustledger.domain.texts import Language
from trustledger.services.due_process.letters import LetterWriter, Words, WrittenLater, kept_words
from trustledger.store import tables as t
from trustledger.store.bulk import insert_rows
from trustledger.store.jurisdiction import within
from trustledger.store.repositories import _batches

# The fields delivery changes; everything else about a letter is fixed when it is issued (a
# letter kept as its words has them masked once delivered).
MUTABLE = (
    "kept",
    "sha256",  # taken when sent, for a letter of a bulk import
    "access_code",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "delivered_at",
    "channel",
)


class SqlNoticeStore:
    """Notices and their letters; `letters` writes a letter kept as its facts again when read."""

    def __init__(self, conn: Connection, letters: LetterWriter | None = None) -> None:
        self._conn = conn
        self._letters = letters

    def add(self, letters: Sequence[NoticeLetter]) -> None:
        insert_rows(self._conn, t.notices, [_notice_row(n) for n in letters])

    def update(self, letters: Sequence[NoticeLetter]) -> None:
        if not letters:
            return
        statement = (
            update(t.notices)
            .where(t.notices.c.notice_id == bindparam("key"))
            .values({name: bindparam(f"v_{name}") for name in MUTABLE})
        )
        rows = [
            {"key": n.notice_id} | {f"v_{k}": v for k, v in _notice_row(n).items() if k in MUTABLE}
            for n in letters
        ]
        self._conn.execute(statement, rows)

    def get(self, notice_id: str) -> NoticeLetter | None:
        row = self._conn.execute(
            select(t.notices).where(t.notices.c.notice_id == notice_id)
        ).first()
        return self._notice(row) if row is not None else None

    def for_subject(self, subject: str) -> list[NoticeLetter]:
        query = (
            select(t.notices)
            .where(t.notices.c.subject == subject)
            .order_by(t.notices.c.created_at, t.notices.c.notice_id)
        )
        return [self._notice(row) for row in self._conn.execute(query)]

    def due(self, now: datetime, *, limit: int) -> list[NoticeLetter]:
        c = t.notices.c
        query = (
            select(t.notices)
            .where(c.status == DeliveryStatus.PENDING.value, c.next_attempt_at <= now)
            .order_by(c.next_attempt_at, c.notice_id)
            .limit(limit)
        )
        return [self._notice(row) for row in self._conn.execute(query)]

    def undelivered(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[NoticeLetter]:
        c = t.notices.c
        query = (
            select(t.notices)
            .where(c.status == DeliveryStatus.UNDELIVERED.value, within(fence, c.subject))
            .order_by(c.created_at, c.notice_id)
            .limit(limit)
        )
        return [self._notice(row) for row in self._conn.execute(query)]

    def _notice(self, row: Any) -> NoticeLetter:
        letter = NoticeLetter(
            notice_id=row.notice_id,
            subject=row.subject,
            purpose=NoticePurpose(row.purpose),
            target=row.target,
            issued_on=row.issued_on,
            subject_line=row.subject_line,
            body=Words("", ""),
            created_at=row.created_at,
            access_code=row.access_code,
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            channel=row.channel,
            language=Language(row.language) if row.language else None,
            facts=row.facts,
            template_version=row.template_version,
            sha256=row.sha256,
        )
        if row.kept is not None:
            text, html = zlib.decompress(row.kept).decode().split("\0")
            return replace(letter, body=kept_words(letter, text, html))
        if self._letters is None:
            raise RuntimeError("this unit of work has no letter writer to read letters with")
        return replace(letter, body=WrittenLater(self._letters, letter))


def kept_bytes(text: str, html: str) -> bytes:
    """A letter's words as the `kept` column holds them."""
    return zlib.compress(f"{text}\0{html}".encode(), 9)


def _notice_row(n: NoticeLetter) -> dict[str, Any]:
    return {
        "notice_id": n.notice_id,
        "subject": n.subject,
        "purpose": n.purpose,
        "target": n.target,
        "issued_on": n.issued_on,
        "subject_line": n.subject_line,
        "access_code": n.access_code,
        "status": n.status.value,
        "attempts": n.attempts,
        "last_error": n.last_error,
        "next_attempt_at": n.next_attempt_at,
        "delivered_at": n.delivered_at,
        "channel": n.channel,
        "created_at": n.created_at,
        "language": n.language.value if n.language else None,
        "facts": dict(n.facts) if n.facts is not None else None,
        "template_version": n.template_version,
        "sha256": n.sha256,
        # Written from its facts when read; a letter from before facts were kept, as its words.
        "kept": kept_bytes(n.text, n.html) if n.template_version is None else None,
    }


class SqlContactBook:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def set(self, contacts: Mapping[str, Contact], *, at: datetime) -> None:
        # Delete and insert: the same statements on both engines, under the writer lock.
        for batch in _batches(contacts):
            self._conn.execute(delete(t.contacts).where(t.contacts.c.subject.in_(batch)))
        rows = [
            {
                "subject": s,
                "email": c.email,
                "language": c.language.value if c.language else None,
                "updated_at": at,
            }
            for s, c in sorted(contacts.items())
        ]
        insert_rows(self._conn, t.contacts, rows)

    def languages(self, subjects: Iterable[str]) -> dict[str, Language]:
        found: dict[str, Language] = {}
        c = t.contacts.c
        for batch in _batches(sorted(set(subjects))):
            query = select(c.subject, c.language).where(
                c.subject.in_(batch), c.language.is_not(None)
            )
            found.update((row.subject, Language(row.language)) for row in self._conn.execute(query))
        return found

    def get_many(self, subjects: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for batch in _batches(sorted(set(subjects))):
            query = select(t.contacts.c.subject, t.contacts.c.email).where(
                t.contacts.c.subject.in_(batch)
            )
            found.update((row.subject, row.email) for row in self._conn.execute(query))
        return found


class SqlDockets:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def appeal_subject(self, appeal_id: str) -> str | None:
        query = select(t.appeals.c.subject).where(t.appeals.c.appeal_id == appeal_id)
        return self._conn.execute(query).scalar_one_or_none()

    def case_subject(self, case_id: str) -> str | None:
        query = select(t.review_cases.c.subject).where(t.review_cases.c.case_id == case_id)
        return self._conn.execute(query).scalar_one_or_none()

    def pending_appeals(
        self, *, deadline_before: date | None, limit: int, fence: Jurisdiction = OPEN
    ) -> list[AppealSummary]:
        c = t.appeals.c
        query = select(t.appeals).where(c.decided_on.is_(None), within(fence, c.subject))
        if deadline_before is not None:
            query = query.where(c.deadline < deadline_before)
        query = query.order_by(c.deadline, c.appeal_id).limit(limit)
        return [
            AppealSummary(row.appeal_id, row.subject, row.target, row.filed_on, row.deadline)
            for row in self._conn.execute(query)
        ]

    def open_reviews(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[ReviewSummary]:
        c = t.review_cases.c
        query = (
            select(t.review_cases)
            .where(c.decided_on.is_(None), within(fence, c.subject))
            .order_by(c.opened_on, c.case_id)
            .limit(limit)
        )
        return [
            ReviewSummary(row.case_id, row.subject, row.opened_on, row.score, row.below)
            for row in self._conn.execute(query)
        ]

    def subjects_changing(self, on: date, *, after: str, limit: int) -> list[str]:
        c = t.subject_state.c
        query = (
            select(c.subject)
            .where(c.next_change_on <= on, c.subject > after)
            .order_by(c.subject)
            .limit(limit)
        )
        return list(self._conn.execute(query).scalars())
