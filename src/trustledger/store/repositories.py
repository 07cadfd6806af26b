"""Repositories over one connection: explicit row <-> domain mapping; they never commit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, delete, func, or_, select

from trustledger.checks.columns import NO_DAY, RestrictionColumns
from trustledger.domain.barring import format_scopes, parse_scopes
from trustledger.domain.derived import Derived
from trustledger.domain.evaluation import ErasureCase, Restriction, RestrictionStatus, SubjectState
from trustledger.domain.personal_data import scope_of, split
from trustledger.domain.records import Event, Record, StoredRecord
from trustledger.domain.submissions import payload_hash
from trustledger.store import tables as t
from trustledger.store.bulk import IN_BATCH, delete_where_in, groups, insert_rows, one_of
from trustledger.store.crypto import PSEUDONYM_CHARS, hex_of
from trustledger.store.data_keys import SqlDataKeys
from trustledger.store.event_rows import (
    SUBJECT,
    event_from_row,
    open_events,
    stored_actor,
    stored_data,
)


def _batches(items: Iterable[str], size: int = IN_BATCH) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class SqlEventLog:
    """The event log in the sealed format (docs/store.md, "Personal data and its keys"): a row's
    `subject` is the pseudonym, `data` the plain part, `sealed` the personal part and the number.
    Rows from before (sealed NULL) read as they always did."""

    def __init__(self, conn: Connection, keys: SqlDataKeys) -> None:
        self._conn = conn
        self._keys = keys

    def append(self, events: Sequence[Event], *, at: datetime) -> None:
        keys = self._keys
        pseudonyms = {s: keys.pseudonym(s) for s in {e.subject for e in events}}
        # Every key the batch seals with, unwrapped or made in a query or two, not one per event.
        keys.provide({(pseudonyms[e.subject], scope_of(e.record_id)) for e in events})
        rows = []
        for e in events:
            pseudonym = pseudonyms[e.subject]
            plain, personal = split(e.kind, e.data)
            sealed = keys.seal(pseudonym, scope_of(e.record_id), {**personal, SUBJECT: e.subject})
            actor = stored_actor(e.actor, e.subject, pseudonym)
            rows.append(
                {
                    "kind": e.kind.value,
                    "subject": pseudonym,
                    "on": e.on,
                    "record_id": e.record_id,
                    "data": stored_data(e.kind, plain, record_id=e.record_id, actor=actor),
                    "actor": actor,
                    "created_at": at,
                    "sealed": sealed,
                }
            )
        insert_rows(self._conn, t.events, rows)

    def for_subjects(self, subjects: Iterable[str]) -> dict[str, list[Event]]:
        wanted = set(subjects)
        # Sealed rows by pseudonym; a row from before sealing by the number itself.
        stored = {self._keys.pseudonym(s) for s in wanted} | wanted
        found = self.for_pseudonyms(stored)
        return {s: events for s, events in found.items() if s in wanted}

    def for_pseudonyms(self, pseudonyms: Iterable[str]) -> dict[str, list[Event]]:
        """Each subject's events by the `subject` the rows store (a pseudonym, or the number in a
        row from before sealing), keyed by the subject's number; erased events are left out."""
        rows: list[Any] = []
        batches = groups(self._conn, sorted(set(pseudonyms)))
        for batch in batches:
            where = one_of(self._conn, t.events.c.subject, batch)
            rows.extend(self._conn.execute(select(t.events).where(where).order_by(t.events.c.seq)))
        found: dict[str, list[Event]] = {}
        for event in open_events(self._keys, rows):
            found.setdefault(event.subject, []).append(event)
        if len(batches) > 1:  # a subject's old and sealed rows may sit in two batches
            for events in found.values():
                events.sort(key=lambda e: e.seq)
        return found

    def since(self, seq: int, *, limit: int) -> list[Event]:
        """The follower's path, with no key (a replica has none): a sealed event's subject is
        read from subject_state by its pseudonym, and its data is the plain part only. A sealed
        event whose pseudonym has no subject_state row is skipped."""
        e, state = t.events, t.subject_state
        query = (
            select(e, state.c.subject.label("known_as"))
            .select_from(e.outerjoin(state, state.c.pseudonym == e.c.subject))
            .where(e.c.seq > seq, or_(e.c.sealed.is_(None), state.c.subject.is_not(None)))
            .order_by(e.c.seq)
            .limit(limit)
        )
        return [
            event_from_row(row, subject=row.subject if row.sealed is None else row.known_as)
            for row in self._conn.execute(query)
        ]

    def subjects_since(self, seq: int, *, limit: int) -> list[tuple[int, str]]:
        """`since` as (seq, subject) only, the check feed's poll after every write: it needs no
        event's data, so none is read or decoded."""
        e, state = t.events, t.subject_state
        query = (
            select(e.c.seq, e.c.subject, e.c.sealed.is_(None).label("plain"), state.c.subject)
            .select_from(e.outerjoin(state, state.c.pseudonym == e.c.subject))
            .where(e.c.seq > seq, or_(e.c.sealed.is_(None), state.c.subject.is_not(None)))
            .order_by(e.c.seq)
            .limit(limit)
        )
        return [
            (seq, stored if plain else known_as)
            for seq, stored, plain, known_as in self._conn.execute(query)
        ]

    def last_seq(self) -> int:
        return int(
            self._conn.execute(select(func.coalesce(func.max(t.events.c.seq), 0))).scalar_one()
        )

    def subjects_after(self, subject: str, *, limit: int) -> list[str]:
        """Pseudonyms (and the numbers of rows from before sealing) for `for_pseudonyms`."""
        query = (
            select(t.events.c.subject)
            .where(t.events.c.subject > subject)
            .group_by(t.events.c.subject)
            .order_by(t.events.c.subject)
            .limit(limit)
        )
        return list(self._conn.execute(query).scalars())

    def count_subjects(self) -> int:
        query = select(func.count(func.distinct(t.events.c.subject)))
        return int(self._conn.execute(query).scalar_one())


class SqlRecordIndex:
    """Records in their keyed forms: the subject's pseudonym, and keyed hashes of the case
    reference and the payload, which compare equal without naming either."""

    def __init__(self, conn: Connection, keys: SqlDataKeys) -> None:
        self._conn = conn
        self._keys = keys

    def stored_form(self, record: Record, *, recorded_on: date) -> StoredRecord:
        keyed = self._keys.keyed_hash
        return StoredRecord(
            record_id=record.record_id,
            source=record.source,
            case_ref=keyed("case_ref", record.source, record.case_ref),
            subject=self._keys.pseudonym(record.subject),
            type=record.type,
            payload_hash=keyed("payload", payload_hash(record)),
            recorded_on=recorded_on,
        )

    def find_many(self, record_ids: Iterable[str]) -> dict[str, StoredRecord]:
        # By primary key: (source, case_ref) names the record id, and a lookup on the pair's
        # index degrades to a scan of the source's rows while planner statistics lag a bulk load.
        found: dict[str, StoredRecord] = {}
        for batch in groups(self._conn, set(record_ids)):
            query = select(t.records).where(one_of(self._conn, t.records.c.record_id, batch))
            found.update((row.record_id, self._stored(row)) for row in self._conn.execute(query))
        return found

    def get(self, record_id: str) -> StoredRecord | None:
        row = self._conn.execute(
            select(t.records).where(t.records.c.record_id == record_id)
        ).first()
        return self._stored(row) if row is not None else None

    def add(self, records: Sequence[StoredRecord]) -> None:
        insert_rows(
            self._conn,
            t.records,
            [
                {
                    "record_id": r.record_id,
                    "source": r.source,
                    "case_ref": bytes.fromhex(r.case_ref),
                    "subject": r.subject,
                    "type": r.type,
                    "payload_hash": bytes.fromhex(r.payload_hash),
                    "recorded_on": r.recorded_on,
                }
                for r in records
            ],
        )

    def _stored(self, row: Any) -> StoredRecord:
        # The keyed hashes are stored as their 32 bytes (0015) and compared as hex.
        stored = StoredRecord(
            record_id=row.record_id,
            source=row.source,
            case_ref=hex_of(row.case_ref),
            subject=row.subject,
            type=row.type,
            payload_hash=hex_of(row.payload_hash),
            recorded_on=row.recorded_on,
        )
        if _PSEUDONYM.fullmatch(row.subject) and _KEYED.fullmatch(stored.case_ref):
            return stored
        # A row from before sealing (plain subject and case_ref, the payload's sha256): its
        # hashes keyed so that they compare with `stored_form`; the subject stays as stored,
        # which is where that subject's old events are found (EventLog.for_pseudonyms).
        keyed = self._keys.keyed_hash
        return replace(
            stored,
            case_ref=keyed("case_ref", stored.source, stored.case_ref),
            payload_hash=keyed("payload", stored.payload_hash),
        )


# The keyed forms' shapes (store/crypto.py): a row whose subject and case_ref have them is sealed.
_PSEUDONYM = re.compile(f"[0-9a-f]{{{PSEUDONYM_CHARS}}}")
_KEYED = re.compile("[0-9a-f]{64}")


class SqlDerivedStore:
    """subject_state, restrictions, review_cases, appeals, erasure_cases: rebuilt per subject,
    never edited in place."""

    TABLES = (t.subject_state, t.restrictions, t.review_cases, t.appeals, t.erasure_cases)

    def __init__(self, conn: Connection, keys: SqlDataKeys) -> None:
        self._conn = conn
        self._keys = keys

    def replace(self, items: Sequence[Derived]) -> None:
        subjects = [d.state.subject for d in items]
        for table in self.TABLES:
            delete_where_in(self._conn, table, "subject", subjects)
        pseudonym = self._keys.pseudonym
        insert_rows(
            self._conn,
            t.subject_state,
            [_state_row(d) | {"pseudonym": pseudonym(d.state.subject)} for d in items],
        )
        insert_rows(
            self._conn,
            t.restrictions,
            [_restriction_row(d, i) for d in items for i in range(len(d.state.restrictions))],
        )
        insert_rows(
            self._conn,
            t.review_cases,
            [_case_row(d.state, i) for d in items for i in range(len(d.state.review_cases))],
        )
        insert_rows(
            self._conn,
            t.appeals,
            [_appeal_row(d.state, i) for d in items for i in range(len(d.state.appeals))],
        )
        insert_rows(
            self._conn,
            t.erasure_cases,
            [_erasure_row(d.state, c) for d in items for c in d.state.erasure_cases],
        )

    def clear(self) -> None:
        for table in self.TABLES:
            # Rows an erasure kept for statistics (store/erasures.py) name no one (a space is in
            # no identity number) and no event rebuilds them.
            self._conn.execute(delete(table).where(~table.c.subject.contains(" ")))

    def restrictions_of(self, subjects: Iterable[str]) -> dict[str, list[Restriction]]:
        found: dict[str, list[Restriction]] = {}
        table = t.restrictions
        for batch in _batches(subjects):
            query = select(table).where(table.c.subject.in_(batch)).order_by(table.c.restriction_id)
            for row in self._conn.execute(query):
                found.setdefault(row.subject, []).append(_restriction(row))
        return found

    def barring_pages(self, *, ending_from: date, size: int) -> Iterator[RestrictionColumns]:
        table = t.restrictions
        # One scan in storage order, with no index walk (4x faster on SQLite than paging in
        # subject order). A subject's rows come in storage order: on SQLite the rowid order its
        # run in the subject index had; on PostgreSQL heap order, as no index promised another.
        query = select(
            table.c.compact_key,
            table.c.restriction_id,
            table.c.reason,
            table.c.first_barred,
            table.c.last_barred,
            table.c.scope_mask,
        ).where(table.c.ends_on >= ending_from, table.c.starts_on.is_not(None))
        statement = str(query.compile(self._conn, compile_kwargs={"literal_binds": True}))
        # Read as plain tuples from the driver's cursor, in `conn`'s transaction: a SQLAlchemy Row
        # per row cost as much as the query, and its date parsing more (dates come as ISO text
        # from SQLite, as dates from psycopg: _ordinals parses a column at once). psycopg's named
        # cursor streams from the server; sqlite3's reads as it is fetched.
        driver: Any = self._conn.connection.driver_connection
        postgres = self._conn.dialect.name == "postgresql"
        cursor = driver.cursor(name="trustledger_barring") if postgres else driver.cursor()
        try:
            cursor.execute(statement)
            while rows := cursor.fetchmany(size):
                yield _restriction_columns(rows)
        finally:
            cursor.close()


def _restriction_columns(rows: Sequence[tuple[Any, ...]]) -> RestrictionColumns:
    keys, ids, reasons, firsts, lasts, masks = zip(*rows, strict=True)
    return RestrictionColumns(
        np.fromiter(keys, dtype=np.int64, count=len(rows)),
        list(ids),
        list(reasons),
        _ordinals(firsts),
        _ordinals(lasts),
        np.fromiter(masks, dtype=np.int64, count=len(rows)),
    )


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _ordinals(values: Sequence[str | date | None]) -> NDArray[np.int64]:
    """Day ordinals of a column of ISO date strings or of dates; NO_DAY where a value is null."""
    first = next((v for v in values if v is not None), None)
    if isinstance(first, date):  # a column holds one type: the driver's
        days = [NO_DAY if v is None else v.toordinal() for v in values]  # type: ignore[union-attr]
        return np.array(days, dtype=np.int64)
    nulls = values.count(None)
    if nulls == len(values):
        return np.full(len(values), NO_DAY, dtype=np.int64)
    if nulls:  # numpy reads "NaT" ~10x faster than it converts None
        values = ["NaT" if v is None else v for v in values]
    parsed = np.array(values, dtype="datetime64[D]")
    out = parsed.astype(np.int64) + _EPOCH_ORDINAL
    out[np.isnat(parsed)] = NO_DAY
    return out


_STATUSES = {s.value: s for s in RestrictionStatus}


def _restriction(row: Any) -> Restriction:
    # Positional and with cached scopes: the check index loads a million of these at start-up.
    return Restriction(
        row.restriction_id,
        row.subject,
        parse_scopes(row.scopes),
        row.reason,
        row.legal_basis,
        row.record_id,
        row.case_id,
        row.noticed_on,
        row.starts_on,
        row.ends_on,
        row.lifted_on,
        _STATUSES[row.status],
        row.appeal_by,
    )


def _state_row(d: Derived) -> dict[str, Any]:
    s = d.state
    return {
        "subject": s.subject,
        "score": s.score,
        "band": s.band,
        "review_due": s.review_due,
        "as_of": s.on,
        "next_change_on": d.next_change_on,
    }


def _appeal_row(s: SubjectState, index: int) -> dict[str, Any]:
    a = s.appeals[index]
    return {
        "appeal_id": a.appeal_id,
        "subject": s.subject,
        "target": a.target,
        "filed_on": a.filed_on,
        "deadline": a.deadline,
        "decided_on": a.decided_on,
        "outcome": a.outcome.value if a.outcome else None,
    }


def _restriction_row(d: Derived, index: int) -> dict[str, Any]:
    r = d.state.restrictions[index]
    return {
        "restriction_id": r.restriction_id,
        "subject": r.subject,
        "compact_key": d.compact_key,
        "scopes": format_scopes(r.scopes),
        "reason": r.reason,
        "legal_basis": r.legal_basis,
        "record_id": r.record_id,
        "case_id": r.case_id,
        "noticed_on": r.noticed_on,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "lifted_on": r.lifted_on,
        "appeal_by": r.appeal_by,
        "status": r.status.value,
        **_span_columns(r),
    }


def _span_columns(r: Restriction) -> dict[str, Any]:
    span = r.span
    if span is None:
        return {"first_barred": None, "last_barred": None, "scope_mask": 0}
    return {"first_barred": span.first, "last_barred": span.last, "scope_mask": span.mask}


def _erasure_row(s: SubjectState, c: ErasureCase) -> dict[str, Any]:
    return {
        "case_id": c.case_id,
        "subject": s.subject,
        "record_id": c.record_id,
        "filed_on": c.filed_on,
        "deadline": c.deadline,
        "decided_on": c.decided_on,
        "outcome": c.outcome.value if c.outcome else None,
    }


def _case_row(s: SubjectState, index: int) -> dict[str, Any]:
    c = s.review_cases[index]
    return {
        "case_id": c.case_id,
        "subject": s.subject,
        "opened_on": c.opened_on,
        "score": c.score,
        "below": c.below,
        "decided_on": c.decided_on,
        "outcome": c.outcome.value if c.outcome else None,
    }
