"""The ports the services need, as Protocols: the store implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from trustledger.domain.errors import TrustLedgerError
from trustledger.domain.evaluation import Restriction, SubjectState
from trustledger.domain.records import Event

# Re-exported: the key store's port has its own module.
from trustledger.services.key_store import ApiKey as ApiKey
from trustledger.services.key_store import KeyStore as KeyStore
from trustledger.services.log_ports import LogStore
from trustledger.services.restriction_columns import RestrictionColumns


class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime:
        """Naive UTC."""
        ...


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


@dataclass(frozen=True, slots=True)
class Derived:
    """A subject's evaluated state with the compact key the check index files restrictions under."""

    state: SubjectState
    compact_key: int
    # The first day after state.on on which the state changes with no new event (a restriction
    # starts or ends, points lapse): the daily sweep re-derives the subjects whose day has come.
    next_change_on: date | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    subject: str | None
    purpose: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class AuditVerdict:
    intact: bool
    entries: int
    first_broken: int | None = None  # the seq of the first entry that does not verify
    reason: str | None = None


class EventLog(Protocol):
    def append(self, events: Sequence[Event], *, at: datetime) -> int:
        """Store the events in order; return the seq of the last one (0 when none)."""
        ...

    def for_subjects(self, subjects: Iterable[str]) -> dict[str, list[Event]]:
        """Each subject's events in seq order; subjects without events are absent."""
        ...

    def since(self, seq: int, *, limit: int) -> list[Event]: ...

    def last_seq(self) -> int: ...

    def subjects_after(self, subject: str, *, limit: int) -> list[str]:
        """Subjects with events, in order, after `subject`: for paging through everyone."""
        ...

    def count_subjects(self) -> int: ...


class RecordIndex(Protocol):
    def find_many(self, record_ids: Iterable[str]) -> dict[str, StoredRecord]:
        """The stored records among `record_ids`, by record_id."""
        ...

    def get(self, record_id: str) -> StoredRecord | None: ...

    def add(self, records: Sequence[StoredRecord]) -> None: ...


class DerivedStore(Protocol):
    def replace(self, items: Sequence[Derived]) -> None:
        """Replace the derived rows of these subjects."""
        ...

    def clear(self) -> None: ...

    def restrictions_of(self, subjects: Iterable[str]) -> dict[str, list[Restriction]]:
        """The stored restrictions of these subjects (absent: none)."""
        ...

    def barring_pages(self, *, ending_from: date, size: int) -> Iterator[RestrictionColumns]:
        """Every restriction with dates ending on or after `ending_from`, in pages of at most
        `size`: what the check index loads."""
        ...


class AuditTrail(Protocol):
    def append(self, entries: Sequence[AuditEntry]) -> None: ...

    def verify(self) -> AuditVerdict: ...


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"  # sent by email, or posted by an officer
    UNDELIVERED = "undelivered"  # no address, or out of attempts: in the officers' queue


@dataclass(frozen=True, slots=True)
class NoticeLetter:
    """A notice's letter as issued, and its delivery through the outbox.

    `access_code` (plaintext) is kept only until the letter is delivered, by email or by post:
    the outbox must be able to send it again. Once delivered, the code is masked in `text` and
    `html` and dropped; only its hash stays, in the NOTICE_ISSUED event.
    """

    notice_id: str
    subject: str
    purpose: str
    target: str
    issued_on: date
    subject_line: str
    text: str
    html: str
    created_at: datetime
    access_code: str | None = None
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    channel: str | None = None  # "email" or "post" once delivered


@dataclass(frozen=True, slots=True)
class AppealSummary:
    appeal_id: str
    subject: str
    target: str  # the record_id or review case_id of the restriction appealed
    filed_on: date
    deadline: date


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    case_id: str
    subject: str
    opened_on: date
    score: int
    below: int


class NoticeStore(Protocol):
    def add(self, letters: Sequence[NoticeLetter]) -> None: ...

    def update(self, letters: Sequence[NoticeLetter]) -> None:
        """Store the delivery fields, text and html of these (already stored) letters."""
        ...

    def get(self, notice_id: str) -> NoticeLetter | None: ...

    def for_subject(self, subject: str) -> list[NoticeLetter]:
        """Oldest first."""
        ...

    def due(self, now: datetime, *, limit: int) -> list[NoticeLetter]:
        """Pending letters whose next attempt is due, the longest waiting first."""
        ...

    def undelivered(self, *, limit: int) -> list[NoticeLetter]:
        """The officers' queue, oldest first."""
        ...


class ContactBook(Protocol):
    def set(self, contacts: Mapping[str, str], *, at: datetime) -> None:
        """Subject -> email address; replaces an earlier address."""
        ...

    def get_many(self, subjects: Iterable[str]) -> dict[str, str]: ...


class Dockets(Protocol):
    """The officers' lists, read from derived state, and the sweep's list of subjects due."""

    def appeal_subject(self, appeal_id: str) -> str | None: ...

    def case_subject(self, case_id: str) -> str | None: ...

    def pending_appeals(self, *, deadline_before: date | None, limit: int) -> list[AppealSummary]:
        """Undecided appeals by deadline; only those past due when `deadline_before` is given."""
        ...

    def open_reviews(self, *, limit: int) -> list[ReviewSummary]: ...

    def subjects_changing(self, on: date, *, after: str, limit: int) -> list[str]:
        """Subjects after `after`, in order, whose next_change_on is on or before `on`."""
        ...


class DeliveryFailed(TrustLedgerError):
    """A mailer could not hand a letter over; the outbox tries again later."""

    title = "Delivery failed"


# The flattened record the batch recompute reads (trustledger.batch.recompute), column by column.
FLAT_COLUMNS = (
    "record_id",
    "subject",
    "type",
    "occurred_on",  # ISO date text, from the record's payload
    "decided_on",  # ISO date text
    "recorded_on",
    "source",
    "case_ref",
    "evidence_ref",
    "attributes",  # JSON object text
    "noticed_on",  # the first restriction notice, or None
    "fulfilled_on",
    "overturned_on",  # by the source or by an appeal decided `overturned`
)


class RecordExport(Protocol):
    def count(self) -> int:
        """How many records are stored."""
        ...

    def chunks(self, *, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Every record as a tuple of FLAT_COLUMNS (as corrected), `size` at a time."""
        ...


class UnitOfWork(Protocol):
    """One transaction; nothing is kept unless `commit` is called before the block ends."""

    # Read-only properties, so an implementation may hold more specific repositories.
    @property
    def events(self) -> EventLog: ...

    @property
    def records(self) -> RecordIndex: ...

    @property
    def derived(self) -> DerivedStore: ...

    @property
    def audit(self) -> AuditTrail: ...

    @property
    def keys(self) -> KeyStore: ...

    @property
    def notices(self) -> NoticeStore: ...

    @property
    def contacts(self) -> ContactBook: ...

    @property
    def dockets(self) -> Dockets: ...

    @property
    def exports(self) -> RecordExport: ...

    @property
    def log(self) -> LogStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, readonly: bool = False) -> UnitOfWork: ...


# Progress of long work: called with the amount done since the last call.
Advance = Callable[[int], None]
