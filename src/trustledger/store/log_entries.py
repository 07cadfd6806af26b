"""The bytes each transparency-log leaf covers: an event or an audit entry, as stored.

A leaf's data is a tag line (`trustledger/event` or `trustledger/audit`) and the row in
sorted-key compact UTF-8 JSON: an event with its full content as stored (`data`, the plain part,
and for a sealed row `sealed`, the ciphertext of the personal part, in base64: a row from before
sealing has no `sealed` key, so its leaf keeps its bytes), an audit entry with the fields its chain hash
covers (docs/store.md). Dates are `YYYY-MM-DD`, times `YYYY-MM-DDTHH:MM:SS.ffffff` naive UTC.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from trustledger.domain.merkle import leaf_hash
from trustledger.store.audit import canonical
from trustledger.store.crypto import hex_of

EVENT = "event"
AUDIT = "audit"
EVENT_TAG = b"trustledger/event\n"
AUDIT_TAG = b"trustledger/audit\n"
AUDIT_FIELDS = ("seq", "actor", "action", "subject", "purpose", "detail", "at", "prev_hash")


def event_bytes(row: Any) -> bytes:
    body = {
        "actor": row.actor,
        "created_at": row.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "data": row.data,
        "kind": row.kind,
        "on": row.on.isoformat(),
        "record_id": row.record_id,
        "seq": row.seq,
        "subject": row.subject,
    }
    if row.sealed is not None:
        body["sealed"] = base64.b64encode(bytes(row.sealed)).decode()
    return EVENT_TAG + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def audit_bytes(row: Any) -> bytes:
    fields = {name: getattr(row, name) for name in AUDIT_FIELDS}
    return AUDIT_TAG + canonical(**fields | {"prev_hash": hex_of(row.prev_hash)})


def leaf_of(kind: str, row: Any) -> bytes:
    """The RFC 9162 leaf hash of a stored event or audit row."""
    return leaf_hash(event_bytes(row) if kind == EVENT else audit_bytes(row))
