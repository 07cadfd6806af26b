"""Every stored record flattened with the dates of what happened to it, streamed in chunks.

The dates come from one aggregation over the events table, not from evaluating anyone: the first
restriction notice, the first overturn (an appeal decided `overturned` included) and the first
fulfilment of each record. Corrections, rare, are applied per record as the domain applies them.
A subject whose history holds an appeal, a review case, a correction or a withdrawal (rare too)
carries that whole history, for the batch recompute to evaluate in the domain core.

The plain columns are read in SQL; the personal ones (subject, case_ref, evidence_ref,
attributes) by opening each row's sealed part in Python, a chunk's keys unwrapped at once. An
erased record (its key destroyed) is left out, and so are erased events of a history.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Connection, Select, String, and_, case, func, literal, or_, select

from trustledger.domain.events import AppealOutcome, Corrected, NoticePurpose, Recorded
from trustledger.domain.personal_data import scope_of
from trustledger.domain.records import CORE_ONLY_KINDS, Event, EventKind, Record, history_text
from trustledger.services.reading.export import FLAT_COLUMNS
from trustledger.store import tables as t
from trustledger.store.data_keys import SqlDataKeys
from trustledger.store.event_rows import SUBJECT, open_events

_MARKED = (
    EventKind.NOTICE_ISSUED,
    EventKind.OVERTURNED,
    EventKind.FULFILLED,
    EventKind.APPEAL_DECIDED,
    EventKind.CORRECTED,
)
# The JSON paths below read fields that domain/events.py's AppealDecided, NoticeIssued and
# Recorded write (tests/unit/test_events.py holds them to it); a correction is read by Corrected.
# Where the payload's fields sit in a flat row, for the records a correction changes.
_PAYLOAD_FIELDS = ("type", "occurred_on", "decided_on", "evidence_ref", "attributes")
_AT = {
    name: FLAT_COLUMNS.index(name)
    for name in ("subject", "record_id", "case_ref", "events", *_PAYLOAD_FIELDS)
}
_IN_LIMIT = 500  # subjects per IN (...) list: well under SQLite's bound on parameters
# After the flat columns, a query row carries the record's corrections and its sealed part; an
# opened row, its corrections and the subject as stored (the pseudonym).
_CORRECTIONS = len(FLAT_COLUMNS)
_SEALED = _STORED = _CORRECTIONS + 1


def _marks() -> Any:
    e = t.events
    kind, data = e.c.kind, e.c.data

    def first(condition: Any) -> Any:
        return func.min(case((condition, e.c.on)))

    overturn = or_(
        kind == EventKind.OVERTURNED.value,
        and_(
            kind == EventKind.APPEAL_DECIDED.value,
            data["outcome"].as_string() == AppealOutcome.OVERTURNED.value,
        ),
    )
    notice = and_(
        kind == EventKind.NOTICE_ISSUED.value,
        data["purpose"].as_string() == NoticePurpose.RESTRICTION.value,
    )
    return (
        select(
            e.c.record_id,
            first(notice).label("noticed_on"),
            first(kind == EventKind.FULFILLED.value).label("fulfilled_on"),
            first(overturn).label("overturned_on"),
            func.count(case((kind == EventKind.CORRECTED.value, 1))).label("corrections"),
        )
        .where(e.c.record_id.is_not(None), kind.in_([k.value for k in _MARKED]))
        .group_by(e.c.record_id)
        .subquery("marks")
    )


def _flat_query() -> Select[Any]:
    e, marks = t.events, _marks()
    data = e.c.data
    payload = {
        name: data[name].as_string().label(name)
        for name in ("type", "occurred_on", "decided_on", "case_ref", "evidence_ref")
    }
    # A recorded row leaves its source out when it is the row's actor (store/event_rows.py).
    payload["source"] = func.coalesce(data["source"].as_string(), e.c.actor).label("source")
    columns = {
        "record_id": e.c.record_id,
        "subject": e.c.subject,
        **payload,
        "recorded_on": e.c.on.label("recorded_on"),
        "attributes": data["attributes"].as_string().label("attributes"),
        "noticed_on": marks.c.noticed_on,
        "fulfilled_on": marks.c.fulfilled_on,
        "overturned_on": marks.c.overturned_on,
        "events": literal(None, String).label("events"),
    }
    return (
        select(*(columns[name] for name in FLAT_COLUMNS), marks.c.corrections, e.c.sealed)
        .select_from(e.outerjoin(marks, marks.c.record_id == e.c.record_id))
        .where(e.c.kind == EventKind.RECORDED.value)
        .order_by(e.c.seq)
    )


class SqlRecordExport:
    def __init__(self, conn: Connection, keys: SqlDataKeys) -> None:
        self._conn = conn
        self._keys = keys

    def count(self) -> int:
        query = select(func.count()).where(t.events.c.kind == EventKind.RECORDED.value)
        return int(self._conn.execute(query).scalar_one())

    def chunks(self, *, size: int) -> Iterator[list[tuple[Any, ...]]]:
        # A server-side cursor on PostgreSQL; SQLite's cursor already steps through the rows.
        result = self._conn.execution_options(stream_results=True, yield_per=size).execute(
            _flat_query()
        )
        core = self._core_subjects()
        for part in result.partitions(size):
            rows = self._opened([tuple(row) for row in part])
            if any(row[_CORRECTIONS] for row in rows):
                rows = self._corrected(rows)
            if core:
                rows = self._with_histories(rows, core)
            yield [row[:_CORRECTIONS] for row in rows]

    def _opened(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows with their personal columns opened (erased ones left out), and as last column
        the subject as stored."""
        keys = self._keys
        keys.preload({row[_AT["subject"]] for row in rows if row[_SEALED] is not None})
        opened = []
        for row in rows:
            stored, sealed = row[_AT["subject"]], row[_SEALED]
            if sealed is None:  # a row from before sealing: its columns came from `data`
                opened.append((*row[:_SEALED], stored))
                continue
            personal = keys.open(stored, scope_of(row[_AT["record_id"]]), sealed)
            if personal is None:
                continue
            values = list(row[:_SEALED])
            values[_AT["subject"]] = personal[SUBJECT]
            values[_AT["case_ref"]] = personal.get("case_ref")
            values[_AT["evidence_ref"]] = personal.get("evidence_ref")
            values[_AT["attributes"]] = orjson.dumps(personal.get("attributes") or {}).decode()
            opened.append((*values, stored))
        return opened

    def _core_subjects(self) -> set[str]:
        e = t.events
        query = select(e.c.subject).where(e.c.kind.in_([k.value for k in CORE_ONLY_KINDS]))
        return set(self._conn.execute(query.distinct()).scalars())

    def _with_histories(self, rows: list[tuple[Any, ...]], core: set[str]) -> list[tuple[Any, ...]]:
        """Rows of subjects in `core` with their whole history as JSON text (by seq)."""
        wanted = sorted({row[_STORED] for row in rows} & core)
        if not wanted:
            return rows
        histories: dict[str, list[Event]] = {}
        e = t.events
        for start in range(0, len(wanted), _IN_LIMIT):
            query = (
                select(e)
                .where(e.c.subject.in_(wanted[start : start + _IN_LIMIT]))
                .order_by(e.c.seq)
            )
            for event in open_events(self._keys, self._conn.execute(query).all()):
                histories.setdefault(event.subject, []).append(event)
        texts = {s: history_text(h) for s, h in histories.items()}
        at = _AT["events"]
        return [
            (*row[:at], texts[row[_AT["subject"]]], *row[at + 1 :])
            if row[_AT["subject"]] in texts
            else row
            for row in rows
        ]

    def _corrected(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Rows whose record was corrected, with the payload as the corrections left it."""
        wanted = {row[_AT["record_id"]]: row[_STORED] for row in rows if row[_CORRECTIONS]}
        e = t.events
        query = (
            select(e)
            .where(
                e.c.subject.in_(sorted(set(wanted.values()))),
                e.c.kind.in_([EventKind.RECORDED.value, EventKind.CORRECTED.value]),
            )
            .order_by(e.c.on, e.c.seq)
        )
        found = [row for row in self._conn.execute(query) if row.record_id in wanted]
        records: dict[str, Record] = {}
        for event in open_events(self._keys, found):
            record_id, data = event.record_id or "", event.data
            if event.kind is EventKind.RECORDED:
                records.setdefault(record_id, Recorded.from_data(data).record)
            elif record_id in records:
                records[record_id] = records[record_id].corrected(Corrected.from_data(data).changes)
        return [_with_payload(row, records.get(row[_AT["record_id"]])) for row in rows]


def _with_payload(row: tuple[Any, ...], record: Record | None) -> tuple[Any, ...]:
    if record is None:
        return row
    values = list(row)
    payload = record.payload()
    for name in _PAYLOAD_FIELDS:
        value = payload[name]
        values[_AT[name]] = orjson.dumps(value).decode() if name == "attributes" else value
    return tuple(values)
