"""Records (adjudicated findings) and the append-only events that happen to them and their subjects."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any


class EventKind(StrEnum):
    RECORDED = "recorded"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"
    OVERTURNED = "overturned"
    FULFILLED = "fulfilled"
    NOTICE_ISSUED = "notice_issued"
    APPEAL_FILED = "appeal_filed"
    APPEAL_DECIDED = "appeal_decided"
    REVIEW_OPENED = "review_opened"
    REVIEW_DECIDED = "review_decided"
    RESTRICTION_STARTED = "restriction_started"
    RESTRICTION_LIFTED = "restriction_lifted"
    RESTRICTION_EXPIRED = "restriction_expired"
    ERASED = "erased"
    ERASURE_REQUESTED = "erasure_requested"
    ERASURE_DECIDED = "erasure_decided"


# Kinds a batch recompute in SQL does not fold: a batch hands a subject whose history holds one to
# the domain core itself (trustledger.batch.core_files), so these rules have one implementation.
CORE_ONLY_KINDS = frozenset(
    {
        EventKind.CORRECTED,
        EventKind.WITHDRAWN,
        EventKind.APPEAL_FILED,
        EventKind.APPEAL_DECIDED,
        EventKind.REVIEW_OPENED,
        EventKind.REVIEW_DECIDED,
    }
)

# Kinds that change what a subject's state is; the rest report a change of state that already happened.
STATE_KINDS = frozenset(
    {
        EventKind.RECORDED,
        EventKind.CORRECTED,
        EventKind.WITHDRAWN,
        EventKind.OVERTURNED,
        EventKind.FULFILLED,
        EventKind.NOTICE_ISSUED,
        EventKind.APPEAL_FILED,
        EventKind.APPEAL_DECIDED,
        EventKind.REVIEW_OPENED,
        EventKind.REVIEW_DECIDED,
        EventKind.ERASURE_REQUESTED,
        EventKind.ERASURE_DECIDED,
    }
)


@dataclass(frozen=True, slots=True)
class Record:
    """An adjudicated finding about one subject; `type` is a rule code such as `rail.smoking`."""

    record_id: str
    subject: str
    type: str
    occurred_on: date
    decided_on: date
    source: str
    case_ref: str
    evidence_ref: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The JSON-able body of a `recorded` event."""
        return {
            "record_id": self.record_id,
            "subject": self.subject,
            "type": self.type,
            "occurred_on": self.occurred_on.isoformat(),
            "decided_on": self.decided_on.isoformat(),
            "source": self.source,
            "case_ref": self.case_ref,
            "evidence_ref": self.evidence_ref,
            "attributes": dict(self.attributes),
        }

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Record:
        return cls(
            record_id=str(data["record_id"]),
            subject=str(data["subject"]),
            type=str(data["type"]),
            occurred_on=date.fromisoformat(str(data["occurred_on"])),
            decided_on=date.fromisoformat(str(data["decided_on"])),
            source=str(data["source"]),
            case_ref=str(data["case_ref"]),
            evidence_ref=data.get("evidence_ref"),
            attributes=dict(data.get("attributes") or {}),
        )

    def corrected(self, changes: Mapping[str, Any]) -> Record:
        """The record with the fields a `corrected` event names; identity fields never change."""
        merged = self.payload() | {k: v for k, v in changes.items() if k in CORRECTABLE_FIELDS}
        return replace(Record.from_payload(merged), record_id=self.record_id)


CORRECTABLE_FIELDS = frozenset({"occurred_on", "decided_on", "evidence_ref", "attributes", "type"})


@dataclass(frozen=True, slots=True)
class Event:
    """One append-only fact. `on` is the date it takes effect; `seq` its place in the log (0 until stored)."""

    kind: EventKind
    subject: str
    on: date
    data: Mapping[str, Any] = field(default_factory=dict)
    record_id: str | None = None
    actor: str = "system"
    seq: int = 0

    def as_json(self) -> dict[str, Any]:
        """The event as JSON-able values: how an export carries a subject's whole history."""
        return {
            "seq": self.seq,
            "kind": self.kind.value,
            "subject": self.subject,
            "on": self.on.isoformat(),
            "record_id": self.record_id,
            "actor": self.actor,
            "data": dict(self.data),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Event:
        return cls(
            kind=EventKind(value["kind"]),
            subject=str(value["subject"]),
            on=date.fromisoformat(value["on"]),
            data=value["data"],
            record_id=value["record_id"],
            actor=str(value["actor"]),
            seq=int(value["seq"]),
        )


def recorded(record: Record, *, on: date, actor: str = "system") -> Event:
    return Event(EventKind.RECORDED, record.subject, on, record.payload(), record.record_id, actor)


def known_by(events: list[Event], as_of: date) -> list[Event]:
    """What the registry knew at the end of `as_of`: the basis of every `--as-of` answer."""
    return [e for e in events if e.on <= as_of]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """What the registry keeps per record for idempotency: its key and the hash of its payload."""

    record_id: str
    source: str
    case_ref: str
    subject: str
    type: str
    payload_hash: str
    recorded_on: date


def history_text(events: Iterable[Event]) -> str:
    """A subject's events as one JSON text; sorted keys, so the same history gives the same text
    whichever engine stored it (PostgreSQL's JSONB reorders keys)."""
    values = [e.as_json() for e in events]
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def history_from_text(text: str) -> list[Event]:
    return [Event.from_json(value) for value in json.loads(text)]
