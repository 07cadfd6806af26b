"""An event as a row of the log stores it, and back: the sealed format's row <-> `Event`.

A row's `subject` is the pseudonym, `data` the plain part, `sealed` the personal part and the
number (docs/store.md); its plain data is stored without what the row's own columns hold.

Since issue 17 a new row's `data` leaves out an id equal to the row's `record_id` (a recorded
event's `record_id`, a notice's or an appeal's `target`, a transition's `restriction_id`), a
recorded event's `source` when it is the row's `actor` as stored, and holds an access code's
SHA-256 as 43 characters of base64 rather than 64 hex digits: about 110 bytes a record in
bench/intake.py. Reading puts them back (`read_data`), so everything above the store gets the
payload its kind's `to_data` wrote; a row written before, holding them, reads as it is. The
transparency log's leaves and `audit verify --checkpoints` cover the row as stored, whichever
shape it has: no stored row is ever rewritten.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from trustledger.domain.personal_data import joined, scope_of
from trustledger.domain.records import Event, EventKind
from trustledger.store.data_keys import SqlDataKeys

# Per kind, the fields that name what the row's `record_id` column names, when they do. Each is
# always written by its kind's `to_data`, and was by every writer before, so a field missing from
# a row can only have been left out here. Not `fulfilled` and `overturned`: history loads stored
# them with no data (domain/events.py `_upgraded`), which must read as it always did.
ROW_IDS: Mapping[EventKind, tuple[str, ...]] = {
    EventKind.RECORDED: ("record_id",),
    EventKind.ERASURE_REQUESTED: ("record_id",),
    EventKind.NOTICE_ISSUED: ("target",),
    EventKind.APPEAL_FILED: ("target",),
    EventKind.RESTRICTION_STARTED: ("restriction_id",),
    EventKind.RESTRICTION_LIFTED: ("restriction_id",),
    EventKind.RESTRICTION_EXPIRED: ("restriction_id",),
}
SOURCE = "source"
CODE_HASH = "access_code_hash"
HEX = frozenset("0123456789abcdef")
HEX_DIGEST = 64  # characters of a SHA-256 in hex, as rows before issue 17 hold it
B64_DIGEST = 43  # the same 32 bytes in base64, its padding left out


def stored_data(
    kind: EventKind, plain: Mapping[str, Any], *, record_id: str | None, actor: str
) -> dict[str, Any]:
    """What a new row's `data` holds of an event's plain part (`actor` as the row stores it)."""
    data = dict(plain)
    if record_id is not None:
        for name in ROW_IDS.get(kind, ()):
            if data.get(name) == record_id:
                del data[name]
    if kind is EventKind.RECORDED and data.get(SOURCE) == actor:
        del data[SOURCE]
    code = data.get(CODE_HASH)
    if kind is EventKind.NOTICE_ISSUED and isinstance(code, str) and _hex_digest(code):
        data[CODE_HASH] = base64.b64encode(bytes.fromhex(code)).decode()[:B64_DIGEST]
    return data


def read_data(
    kind: EventKind, data: Mapping[str, Any], *, record_id: str | None, actor: str
) -> Mapping[str, Any]:
    """A stored row's plain data as its kind wrote it: what `stored_data` left out put back."""
    missing: dict[str, Any] = {}
    if record_id is not None:
        missing = {name: record_id for name in ROW_IDS.get(kind, ()) if name not in data}
    if kind is EventKind.RECORDED and SOURCE not in data:
        missing[SOURCE] = actor
    code = data.get(CODE_HASH)
    if kind is EventKind.NOTICE_ISSUED and isinstance(code, str) and len(code) == B64_DIGEST:
        missing[CODE_HASH] = base64.b64decode(code + "=").hex()
    return {**data, **missing} if missing else data


def _hex_digest(value: str) -> bool:
    """Lowercase hex of 32 bytes: what the base64 reads back to exactly."""
    return len(value) == HEX_DIGEST and all(c in HEX for c in value)


# The key of the sealed part that carries the identity number (readers strip it).
SUBJECT = "_subject"
# A subject acting for themselves (on the portal) is the actor `subject:<number>`; stored as
# `subject:<pseudonym>` in a sealed row, as the audit trail stores it, so the number is in no
# plain column of the log, and read back as the number.
SUBJECT_ACTOR = "subject:"


def stored_actor(actor: str, subject: str, pseudonym: str) -> str:
    return SUBJECT_ACTOR + pseudonym if actor == SUBJECT_ACTOR + subject else actor


def _read_actor(actor: str, pseudonym: str, subject: str) -> str:
    return SUBJECT_ACTOR + subject if actor == SUBJECT_ACTOR + pseudonym else actor


def open_events(keys: SqlDataKeys, rows: Sequence[Any]) -> Iterator[Event]:
    """Events of stored rows, in their order, with the subject's number and their full data;
    the rows' keys are unwrapped in one go. An erased event (its key destroyed) is left out."""
    keys.preload({row.subject for row in rows if row.sealed is not None})
    for row in rows:
        if row.sealed is None:
            yield event_from_row(row)
            continue
        personal = keys.open(row.subject, scope_of(row.record_id), row.sealed)
        if personal is not None:
            subject = personal.pop(SUBJECT)
            yield event_from_row(
                row,
                subject=subject,
                data=joined(plain_data(row), personal),
                actor=_read_actor(row.actor, row.subject, subject),
            )


# Value-to-member: an enum's call is slow, and every evaluation reads a subject's events.
_KINDS = {k.value: k for k in EventKind}


def plain_data(row: Any) -> Mapping[str, Any]:
    """A row's plain data with what the row's columns hold put back (`stored_data`)."""
    return read_data(_KINDS[row.kind], row.data, record_id=row.record_id, actor=row.actor)


def event_from_row(
    row: Any,
    *,
    subject: str | None = None,
    data: Mapping[str, Any] | None = None,
    actor: str | None = None,
) -> Event:
    return Event(
        kind=_KINDS[row.kind],
        subject=row.subject if subject is None else subject,
        on=row.on,
        data=plain_data(row) if data is None else data,
        record_id=row.record_id,
        actor=row.actor if actor is None else actor,
        seq=row.seq,
    )
