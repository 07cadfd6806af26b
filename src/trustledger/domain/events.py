"""Typed event payloads: one class per event kind, the one place that knows each kind's data.

An `Event` stores its payload as the JSON-able dict `to_data()` returns (the store, the export and
the transparency log's leaves read exactly those bytes); writers build a payload class and call
`as_event`, readers call `Kind.of(event)` or `payload_of(event)`. Older stored shapes are read
here and nowhere else (`_upgraded`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Self

from trustledger.domain.records import CORRECTABLE_FIELDS, Event, EventKind, Record
from trustledger.domain.rulebook import Scope


class NoticePurpose(StrEnum):
    """Why a notice was sent; the letter's template and wording follow from it."""

    RESTRICTION = "restriction"
    REVIEW = "review"
    LIFTED = "lifted"
    EXPIRED = "expired"
    DECISION = "decision"
    CORRECTION = "correction"
    WITHDRAWAL = "withdrawal"
    ERASURE = "erasure"  # an officer's decision on the subject's erasure request


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    OVERTURNED = "overturned"
    MODIFIED = "modified"


class ReviewOutcome(StrEnum):
    RESTRICT = "restrict"
    NO_ACTION = "no_action"


class ErasureOutcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


# Value-to-member tables: an enum's call is slow, and payloads are read on every evaluation.
_PURPOSES = {p.value: p for p in NoticePurpose}
_SCOPES = {s.value: s for s in Scope}


def _purpose(value: Any) -> NoticePurpose:
    found = _PURPOSES.get(value) if isinstance(value, str) else None
    return found if found is not None else NoticePurpose(value)


def _scopes(values: Any) -> frozenset[Scope]:
    return frozenset(_SCOPES.get(v) or Scope(v) for v in values or ())


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)) if value else None


@dataclass(frozen=True, slots=True)
class Payload(ABC):
    """What every payload class has: its kind, its stored dict, and how it becomes an event."""

    kind: ClassVar[EventKind]

    @abstractmethod
    def to_data(self) -> dict[str, Any]:
        """The JSON-able dict an event of this kind stores."""

    @classmethod
    @abstractmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """The payload read back from a stored dict (older shapes included)."""

    @classmethod
    def of(cls, event: Event) -> Self:
        """The payload of `event`, whose kind must be this class's (or a subclass's)."""
        if getattr(cls, "kind", None) is event.kind:  # the common case, on every evaluation
            return cls.from_data(_upgraded(event))
        payload = PAYLOADS[event.kind]
        if not issubclass(payload, cls):
            raise ValueError(f"a {event.kind.value} event holds no {cls.__name__}")
        found = payload.from_data(_upgraded(event))
        assert isinstance(found, cls)
        return found

    def as_event(
        self, subject: str, on: date, *, record_id: str | None = None, actor: str = "system"
    ) -> Event:
        return Event(self.kind, subject, on, self.to_data(), record_id, actor)


@dataclass(frozen=True, slots=True)
class Recorded(Payload):
    kind: ClassVar[EventKind] = EventKind.RECORDED
    record: Record

    def to_data(self) -> dict[str, Any]:
        return self.record.payload()

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(Record.from_payload(data))


@dataclass(frozen=True, slots=True)
class Corrected(Payload):
    """`changes`: the corrected fields' new values as a record payload holds them."""

    kind: ClassVar[EventKind] = EventKind.CORRECTED
    changes: Mapping[str, Any]
    correction_id: str
    reason: str
    previous: Mapping[str, Any]  # the same fields' values before
    adverse: bool  # it bars more: a new decision with its own notice

    def to_data(self) -> dict[str, Any]:
        return dict(self.changes) | {
            "correction_id": self.correction_id,
            "reason": self.reason,
            "previous": dict(self.previous),
            "adverse": self.adverse,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            changes={k: v for k, v in data.items() if k in CORRECTABLE_FIELDS},
            correction_id=str(data.get("correction_id", "")),
            reason=str(data.get("reason", "")),
            previous=dict(data.get("previous") or {}),
            adverse=bool(data.get("adverse", False)),
        )


@dataclass(frozen=True, slots=True)
class Withdrawn(Payload):
    kind: ClassVar[EventKind] = EventKind.WITHDRAWN
    reason: str

    def to_data(self) -> dict[str, Any]:
        return {"reason": self.reason}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(str(data.get("reason", "")))


@dataclass(frozen=True, slots=True)
class Overturned(Payload):
    """`appeal_id` when an appeal decision overturned it, None when a history load says so."""

    kind: ClassVar[EventKind] = EventKind.OVERTURNED
    record_id: str
    appeal_id: str | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"record_id": self.record_id}
        if self.appeal_id is not None:
            data["appeal_id"] = self.appeal_id
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        appeal_id = data.get("appeal_id")
        return cls(str(data["record_id"]), str(appeal_id) if appeal_id is not None else None)


@dataclass(frozen=True, slots=True)
class Fulfilled(Payload):
    """`met_on`: the day the source says the obligation was met (the event's date: when known)."""

    kind: ClassVar[EventKind] = EventKind.FULFILLED
    record_id: str
    met_on: date

    def to_data(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "met_on": self.met_on.isoformat()}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(str(data["record_id"]), date.fromisoformat(str(data["met_on"])))


@dataclass(frozen=True, slots=True)
class NoticeIssued(Payload):
    """`access_code_hash` is None only in a rulebook case's notices, which no one opens."""

    kind: ClassVar[EventKind] = EventKind.NOTICE_ISSUED
    notice_id: str
    target: str
    purpose: NoticePurpose
    access_code_hash: str | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "notice_id": self.notice_id,
            "target": self.target,
            "purpose": self.purpose.value,
        }
        if self.access_code_hash is not None:
            data["access_code_hash"] = self.access_code_hash
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        code = data.get("access_code_hash")
        return cls(
            str(data["notice_id"]),
            str(data["target"]),
            _purpose(data["purpose"]),
            str(code) if code is not None else None,
        )


@dataclass(frozen=True, slots=True)
class AppealFiled(Payload):
    kind: ClassVar[EventKind] = EventKind.APPEAL_FILED
    appeal_id: str
    target: str  # the restriction's id: a record_id, a decision id or a review case_id
    grounds: str
    deadline: date

    def to_data(self) -> dict[str, Any]:
        return {
            "appeal_id": self.appeal_id,
            "target": self.target,
            "grounds": self.grounds,
            "deadline": self.deadline.isoformat(),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            str(data["appeal_id"]),
            str(data["target"]),
            str(data.get("grounds", "")),
            date.fromisoformat(str(data["deadline"])),
        )


@dataclass(frozen=True, slots=True)
class AppealDecided(Payload):
    kind: ClassVar[EventKind] = EventKind.APPEAL_DECIDED
    appeal_id: str
    outcome: AppealOutcome
    reasons: str
    ends_on: date | None = None  # a modified restriction's new last day

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appeal_id": self.appeal_id,
            "outcome": self.outcome.value,
            "reasons": self.reasons,
        }
        if self.ends_on is not None:
            data["ends_on"] = self.ends_on.isoformat()
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            str(data["appeal_id"]),
            AppealOutcome(str(data["outcome"])),
            str(data["reasons"]),
            _date(data.get("ends_on")),
        )


@dataclass(frozen=True, slots=True)
class ReviewOpened(Payload):
    kind: ClassVar[EventKind] = EventKind.REVIEW_OPENED
    case_id: str
    score: int
    below: int

    def to_data(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "score": self.score, "below": self.below}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(str(data["case_id"]), int(data["score"]), int(data["below"]))


@dataclass(frozen=True, slots=True)
class ReviewDecided(Payload):
    kind: ClassVar[EventKind] = EventKind.REVIEW_DECIDED
    case_id: str
    outcome: ReviewOutcome
    scopes: frozenset[Scope]
    days: int
    reasons: str

    def to_data(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "outcome": self.outcome.value,
            "scopes": sorted(s.value for s in self.scopes),
            "days": self.days,
            "reasons": self.reasons,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            str(data["case_id"]),
            ReviewOutcome(str(data["outcome"])),
            _scopes(data.get("scopes")),
            int(data.get("days", 0)),
            str(data.get("reasons", "")),
        )


@dataclass(frozen=True, slots=True)
class ErasureRequested(Payload):
    """The subject asks that a record with no effect left be erased before its retention ends
    (PIPL art. 47); an officer decides by `deadline`. The event is the record's: it is sealed
    under the record's key and goes with it."""

    kind: ClassVar[EventKind] = EventKind.ERASURE_REQUESTED
    case_id: str
    record_id: str
    reason: str
    deadline: date

    def to_data(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "record_id": self.record_id,
            "reason": self.reason,
            "deadline": self.deadline.isoformat(),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            str(data["case_id"]),
            str(data["record_id"]),
            str(data.get("reason", "")),
            date.fromisoformat(str(data["deadline"])),
        )


@dataclass(frozen=True, slots=True)
class ErasureDecided(Payload):
    """An officer's decision on an erasure request; a grant's case id is the erasure's basis."""

    kind: ClassVar[EventKind] = EventKind.ERASURE_DECIDED
    case_id: str
    outcome: ErasureOutcome
    reasons: str

    def to_data(self) -> dict[str, Any]:
        return {"case_id": self.case_id, "outcome": self.outcome.value, "reasons": self.reasons}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(str(data["case_id"]), ErasureOutcome(str(data["outcome"])), str(data["reasons"]))


@dataclass(frozen=True, slots=True)
class Transition(Payload):
    """A restriction as it stood when it started, was lifted or expired (three kinds, one shape)."""

    restriction_id: str
    scopes: frozenset[Scope] = field(default_factory=frozenset)
    reason: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    lifted_on: date | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "restriction_id": self.restriction_id,
            "scopes": sorted(s.value for s in self.scopes),
            "reason": self.reason,
            "starts_on": _day(self.starts_on),
            "ends_on": _day(self.ends_on),
            "lifted_on": _day(self.lifted_on),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            str(data["restriction_id"]),
            _scopes(data.get("scopes")),
            str(data.get("reason") or ""),
            _date(data.get("starts_on")),
            _date(data.get("ends_on")),
            _date(data.get("lifted_on")),
        )


@dataclass(frozen=True, slots=True)
class RestrictionStarted(Transition):
    kind: ClassVar[EventKind] = EventKind.RESTRICTION_STARTED


@dataclass(frozen=True, slots=True)
class RestrictionLifted(Transition):
    kind: ClassVar[EventKind] = EventKind.RESTRICTION_LIFTED


@dataclass(frozen=True, slots=True)
class RestrictionExpired(Transition):
    kind: ClassVar[EventKind] = EventKind.RESTRICTION_EXPIRED


# An erasure's basis: the end of retention, or else the id of an officer's decision.
RETENTION_BASIS = "retention"


@dataclass(frozen=True, slots=True)
class Erased(Payload):
    """Records whose personal data was erased (their keys destroyed): the log's entry saying so.

    `whole`: nothing of the subject was left readable, so the subject's own data went too.
    `ended_on`: the last day of retention of the records erased at its end (None when an
    officer's decision erased them earlier). Names no personal data: ids, rule codes, days.
    `awaits`: the erasure letters not yet delivered when the subject's last records went; the
    subject's own key and address (what they need) stay until each is delivered or posted, then
    a second `erased` event, of no records and `whole`, takes them.
    """

    kind: ClassVar[EventKind] = EventKind.ERASED
    record_ids: tuple[str, ...]
    rules: tuple[str, ...]
    basis: str
    ended_on: date | None = None
    whole: bool = False
    awaits: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "record_ids": list(self.record_ids),
            "all": self.whole,
            "rules": list(self.rules),
            "ended_on": _day(self.ended_on),
            "basis": self.basis,
        }
        if self.awaits:  # absent otherwise: the events before it read as they were written
            data["awaits"] = list(self.awaits)
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            tuple(str(r) for r in data.get("record_ids") or ()),
            tuple(str(r) for r in data.get("rules") or ()),
            str(data["basis"]),
            _date(data.get("ended_on")),
            bool(data.get("all", False)),
            tuple(str(n) for n in data.get("awaits") or ()),
        )


PAYLOADS: Mapping[EventKind, type[Payload]] = {
    cls.kind: cls
    for cls in (
        Recorded,
        Corrected,
        Withdrawn,
        Overturned,
        Fulfilled,
        NoticeIssued,
        AppealFiled,
        AppealDecided,
        ReviewOpened,
        ReviewDecided,
        RestrictionStarted,
        RestrictionLifted,
        RestrictionExpired,
        Erased,
        ErasureRequested,
        ErasureDecided,
    )
}


def payload_of(event: Event) -> Payload:
    """The typed payload of any event; match on its class to read it."""
    return Payload.of(event)


def _upgraded(event: Event) -> Mapping[str, Any]:
    """An older stored shape as today's.

    History loads (services/intake/history.py) and rulebook cases wrote `fulfilled` and `overturned`
    with no data: the record is the event's, and the obligation was met the day it was reported.
    """
    data, kind = event.data, event.kind
    if kind is EventKind.FULFILLED and "met_on" not in data:
        return {"record_id": event.record_id or "", "met_on": event.on.isoformat()} | dict(data)
    if kind is EventKind.OVERTURNED and "record_id" not in data:
        return {"record_id": event.record_id or ""} | dict(data)
    return data
