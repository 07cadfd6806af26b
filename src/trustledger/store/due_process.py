"""Repositories for due process: the notices outbox, subjects' contacts, the officers' dockets."""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    update,
)

from trustledger.domain.dockets import AppealSummary, ErasureSummary, ReviewSummary
from trustledger.domain.events import NoticePurpose
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.notice_letters import Contact, DeliveryStatus, NoticeLetter
from trustledger.domain.personal_data import SUBJECT_SCOPE
from trustledger.domain.targets import RECORD_PREFIX, target_record
from trustledger.domain.texts import Language
from trustledger.services.due_process.letters import LetterWriter, Words, WrittenLater, kept_words
from trustledger.store import tables as t
from trustledger.store.bulk import groups, insert_rows, one_of, one_of_or_in, rows_where_in
from trustledger.store.crypto import hex_of
from trustledger.store.data_keys import SqlDataKeys
from trustledger.store.erasures import ANONYMOUS
from trustledger.store.jurisdiction import within
from trustledger.store.repositories import _batches

# The fields delivery changes; everything else about a letter is fixed when it is issued (a
# letter kept as its words has them masked once delivered). The kept words and the access code
# are sealed, so `sealed` is written again with them; `subject` too (and `facts` emptied), so
# that a row from before sealing is in the sealed format once it is next updated.
MUTABLE = (
    "subject",
    "kept",
    "sha256",  # taken when sent, for a letter of a bulk import
    "access_code",
    "status",
    "attempts",
    "last_error",
    "next_attempt_at",
    "delivered_at",
    "channel",
    "sealed",
)


class SqlNoticeStore:
    """Notices and their letters; `letters` writes a letter kept as its facts again when read.

    A sealed row holds the subject's pseudonym and its facts, kept words and access code sealed
    under the key of its record (or the subject's, for a review case's notice); the plain subject
    comes from subject_state.pseudonym, so the outbox and the officers' queue, which do not know
    it, find it with no key. A row whose key is destroyed (erased) is in no answer: the listings
    leave it out in SQL, so that a LIMIT still means "up to N letters".
    """

    def __init__(
        self, conn: Connection, keys: SqlDataKeys, letters: LetterWriter | None = None
    ) -> None:
        self._conn = conn
        self._keys = keys
        self._letters = letters

    def add(self, letters: Sequence[NoticeLetter]) -> None:
        self._keys.provide((self._keys.pseudonym(n.subject), _scope(n.target)) for n in letters)
        insert_rows(self._conn, t.notices, [self._row(n) for n in letters])

    def update(self, letters: Sequence[NoticeLetter]) -> None:
        if not letters:
            return
        self._keys.preload({self._keys.pseudonym(n.subject) for n in letters})
        statement = (
            update(t.notices)
            .where(t.notices.c.notice_id == bindparam("key"))
            .values({name: bindparam(f"v_{name}") for name in MUTABLE} | {"facts": null()})
        )
        rows = [
            {"key": n.notice_id} | {f"v_{k}": v for k, v in self._row(n).items() if k in MUTABLE}
            for n in letters
        ]
        self._conn.execute(statement, rows)

    def get(self, notice_id: str) -> NoticeLetter | None:
        found = self._read(_located().where(t.notices.c.notice_id == notice_id))
        return found[0] if found else None

    def for_subject(self, subject: str) -> list[NoticeLetter]:
        c = t.notices.c
        # A row from before sealing holds the plain subject.
        query = (
            select(t.notices, literal(subject).label("plain_subject"))
            .where(c.subject.in_([self._keys.pseudonym(subject), subject]), _not_erased())
            .order_by(c.created_at, c.notice_id)
        )
        return self._read(query)

    def due(self, now: datetime, *, limit: int) -> list[NoticeLetter]:
        c = t.notices.c
        query = (
            _located()
            .where(c.status == DeliveryStatus.PENDING.value, c.next_attempt_at <= now)
            .order_by(c.next_attempt_at, c.notice_id)
            .limit(limit)
        )
        return self._read(query)

    def undelivered(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[NoticeLetter]:
        """The officers' queue, read from plain columns only (its facts and code are not
        opened): a replica serves it with no key. `get` reads the letter itself."""
        c = t.notices.c
        query = (
            _located()
            .where(
                c.status == DeliveryStatus.UNDELIVERED.value,
                within(fence, _plain_subject()),
            )
            .order_by(c.created_at, c.notice_id)
            .limit(limit)
        )
        rows = self._conn.execute(query)
        return [self._notice(row, _plain(row) if row.sealed is None else {}) for row in rows]

    def _read(self, query: Select[Any]) -> list[NoticeLetter]:
        rows = self._conn.execute(query).all()
        self._keys.preload({row.subject for row in rows if row.sealed is not None})
        found = []
        for row in rows:
            opened = self._opened(row)
            if opened is not None:
                found.append(self._notice(row, opened))
        return found

    def _opened(self, row: Any) -> dict[str, Any] | None:
        if row.sealed is None:
            return _plain(row)
        value = self._keys.open(row.subject, _scope(row.target), row.sealed)
        if value is None:  # a key that no longer unwraps (a copy taken before an erasure)
            return None
        kept = value["kept"]
        return {
            "facts": value["facts"],
            "kept": base64.b64decode(kept) if kept is not None else None,
            "access_code": value["access_code"],
        }

    def _notice(self, row: Any, opened: Mapping[str, Any]) -> NoticeLetter:
        letter = NoticeLetter(
            notice_id=row.notice_id,
            subject=row.plain_subject,
            purpose=NoticePurpose(row.purpose),
            target=row.target,
            issued_on=row.issued_on,
            subject_line=row.subject_line,
            body=Words("", ""),
            created_at=row.created_at,
            access_code=opened.get("access_code"),
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            channel=row.channel,
            language=Language(row.language) if row.language else None,
            facts=opened.get("facts"),
            template_version=row.template_version,
            sha256=row.sha256,
            facts_sha256=None if row.facts_sha256 is None else hex_of(row.facts_sha256),
        )
        kept = opened.get("kept")
        if kept is not None:
            text, html = zlib.decompress(kept).decode().split("\0")
            return replace(letter, body=kept_words(letter, text, html))
        if self._letters is None:
            raise RuntimeError("this unit of work has no letter writer to read letters with")
        return replace(letter, body=WrittenLater(self._letters, letter))

    def _row(self, n: NoticeLetter) -> dict[str, Any]:
        pseudonym = self._keys.pseudonym(n.subject)
        # Written from its facts when read; a letter from before facts were kept, as its words.
        kept = kept_bytes(n.text, n.html) if n.template_version is None else None
        personal = {
            "facts": dict(n.facts) if n.facts is not None else None,
            "kept": base64.b64encode(kept).decode() if kept is not None else None,
            "access_code": n.access_code,
        }
        return {
            "notice_id": n.notice_id,
            "subject": pseudonym,
            "purpose": n.purpose,
            "target": n.target,
            "issued_on": n.issued_on,
            "subject_line": n.subject_line,
            "access_code": None,
            "status": n.status.value,
            "attempts": n.attempts,
            "last_error": n.last_error,
            "next_attempt_at": n.next_attempt_at,
            "delivered_at": n.delivered_at,
            "channel": n.channel,
            "created_at": n.created_at,
            "language": n.language.value if n.language else None,
            # `facts` is left NULL (a JSON None would be written as JSON null).
            "template_version": n.template_version,
            "sha256": n.sha256,
            # Its 32 bytes (0018); the letters' check compares the hex, as before.
            "facts_sha256": None if n.facts_sha256 is None else bytes.fromhex(n.facts_sha256),
            "kept": None,
            "sealed": self._keys.seal(pseudonym, _scope(n.target), personal),
        }


def kept_bytes(text: str, html: str) -> bytes:
    """A letter's words as the `kept` column holds them."""
    return zlib.compress(f"{text}\0{html}".encode(), 9)


def _plain(row: Any) -> dict[str, Any]:
    """What a row from before sealing keeps in its own columns."""
    return {"facts": row.facts, "kept": row.kept, "access_code": row.access_code}


def _scope(target: str) -> str:
    """A notice is sealed under its record's key (erasing the record erases it), a review
    case's under the subject's own."""
    return target_record(target) or SUBJECT_SCOPE


def _plain_subject() -> ColumnElement[str]:
    # A row from before sealing holds the plain subject and has no subject_state match.
    return func.coalesce(t.subject_state.c.subject, t.notices.c.subject)


def _not_erased() -> ColumnElement[bool]:
    """A row from before sealing, or one whose data key is still there: known with no key."""
    c, k = t.notices.c, t.data_keys.c
    is_record = c.target.startswith(RECORD_PREFIX, autoescape=True)
    # As _scope: a record's id, or a decision's on it (the record's id, ".c", a number).
    record_scope = or_(c.target == k.scope, c.target.startswith(k.scope + ".c"))
    scope = or_(and_(is_record, record_scope), and_(~is_record, k.scope == SUBJECT_SCOPE))
    return or_(c.sealed.is_(None), exists().where(k.pseudonym == c.subject, scope))


def _located() -> Select[Any]:
    """Notices with their plain subject, found through subject_state's pseudonym; a sealed row
    of a subject with no state (pruned when erased) or no key left is not among them."""
    c, s = t.notices.c, t.subject_state.c
    return (
        select(t.notices, _plain_subject().label("plain_subject"))
        .select_from(t.notices.outerjoin(t.subject_state, s.pseudonym == c.subject))
        .where(or_(c.sealed.is_(None), s.subject.is_not(None)), _not_erased())
    )


class SqlContactBook:
    """Contacts by pseudonym, the address sealed under the subject's own key (gone when the
    subject is erased: then there is no address). Rows from before sealing hold the plain
    subject and address, and are read as they are until written again."""

    def __init__(self, conn: Connection, keys: SqlDataKeys) -> None:
        self._conn = conn
        self._keys = keys

    def set(self, contacts: Mapping[str, Contact], *, at: datetime) -> None:
        # Delete and insert: the same statements on both engines, under the writer lock.
        located = self._located(contacts)
        for batch in _batches(sorted(located)):
            self._conn.execute(delete(t.contacts).where(t.contacts.c.subject.in_(batch)))
        self._keys.provide((self._keys.pseudonym(s), SUBJECT_SCOPE) for s in contacts)
        rows = []
        for s, contact in sorted(contacts.items()):
            pseudonym = self._keys.pseudonym(s)
            rows.append(
                {
                    "subject": pseudonym,
                    "email": None,
                    "sealed": self._keys.seal(pseudonym, SUBJECT_SCOPE, {"email": contact.email}),
                    "language": contact.language.value if contact.language else None,
                    "updated_at": at,
                }
            )
        insert_rows(self._conn, t.contacts, rows)

    def languages(self, subjects: Iterable[str]) -> dict[str, Language]:
        located = self._located(subjects)
        rows = rows_where_in(
            self._conn,
            t.contacts,
            ("subject", "language"),
            "subject",
            sorted(located),
            also="language IS NOT NULL",
        )
        return {located[row.subject]: Language(row.language) for row in rows}

    def get_many(self, subjects: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        c = t.contacts.c
        located = self._located(subjects)
        for batch in _batches(sorted(located)):
            rows = self._conn.execute(
                select(c.subject, c.email, c.sealed).where(c.subject.in_(batch))
            ).all()
            self._keys.preload({row.subject for row in rows if row.sealed is not None})
            for row in rows:
                if row.sealed is None:
                    found[located[row.subject]] = row.email
                    continue
                value = self._keys.open(row.subject, SUBJECT_SCOPE, row.sealed)
                if value is not None and value["email"] is not None:
                    found[located[row.subject]] = value["email"]
        return found

    def _located(self, subjects: Iterable[str]) -> dict[str, str]:
        """Where each subject's row may be (its pseudonym, or its plain number in a row from
        before sealing) -> the subject."""
        located: dict[str, str] = {}
        for s in set(subjects):
            located[self._keys.pseudonym(s)] = s
            located[s] = s
        return located


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
        # An appeal erased undecided with its record (nothing was left to decide: retention.py)
        # stays in the statistics, as overdue, under no one's name; no officer can decide it.
        kept = c.subject.contains(ANONYMOUS, autoescape=True)
        query = select(t.appeals).where(c.decided_on.is_(None), ~kept, within(fence, c.subject))
        if deadline_before is not None:
            query = query.where(c.deadline < deadline_before)
        query = query.order_by(c.deadline, c.appeal_id).limit(limit)
        rows = self._conn.execute(query).all()
        ended = self._records_ended(rows)
        return [
            AppealSummary(
                row.appeal_id,
                row.subject,
                row.target,
                row.filed_on,
                row.deadline,
                ended.get((target_record(row.target), "withdrawn")),
                ended.get((target_record(row.target), "overturned")),
            )
            for row in rows
        ]

    def _records_ended(self, appeals: Sequence[Any]) -> dict[tuple[str | None, str], date]:
        """(record_id, "withdrawn" | "overturned") -> the first such day, for the records the
        `appeals` are about: their subjects' events, stored under the pseudonym subject_state
        holds (no key needed: replicas list the queue) or, in a row from before sealing, the
        number. One query a group of subjects: all at once on PostgreSQL, in arrays (bulk)."""
        about: dict[str, set[str]] = {}
        for a in appeals:
            if (record_id := target_record(a.target)) is not None:
                about.setdefault(a.subject, set()).add(record_id)
        s, e = t.subject_state.c, t.events.c
        ended: dict[tuple[str | None, str], date] = {}
        for batch in groups(self._conn, sorted(about)):
            records = sorted(set().union(*(about[subject] for subject in batch)))
            sealed = select(s.pseudonym).where(
                one_of(self._conn, s.subject, batch), s.pseudonym.is_not(None)
            )
            query = (
                select(e.record_id, e.kind, func.min(e.on))
                .where(
                    one_of_or_in(self._conn, e.subject, batch, sealed),
                    e.kind.in_(("withdrawn", "overturned")),
                    one_of(self._conn, e.record_id, records),
                )
                .group_by(e.record_id, e.kind)
            )
            for record_id, kind, day in self._conn.execute(query):
                ended[(record_id, kind)] = day  # a record's events are all its subject's
        return ended

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

    def erasure_subject(self, case_id: str) -> str | None:
        query = select(t.erasure_cases.c.subject).where(t.erasure_cases.c.case_id == case_id)
        return self._conn.execute(query).scalar_one_or_none()

    def pending_erasures(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[ErasureSummary]:
        c = t.erasure_cases.c
        query = (
            select(t.erasure_cases)
            .where(c.decided_on.is_(None), within(fence, c.subject))
            .order_by(c.deadline, c.case_id)
            .limit(limit)
        )
        return [
            ErasureSummary(row.case_id, row.subject, row.record_id, row.filed_on, row.deadline)
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

    def count_changing(self, on: date) -> int:
        c = t.subject_state.c
        query = select(func.count()).where(c.next_change_on <= on)
        return int(self._conn.execute(query).scalar_one())
