"""The ports the services need, as Protocols: the store implements them, tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from trustledger.domain.evaluation import SubjectState
from trustledger.domain.records import Event


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


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    key_hash: str
    name: str
    role: str
    types: tuple[str, ...]
    created_at: datetime


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


class AuditTrail(Protocol):
    def append(self, entries: Sequence[AuditEntry]) -> None: ...

    def verify(self) -> AuditVerdict: ...


class KeyStore(Protocol):
    def add(self, key: ApiKey) -> None: ...

    def by_hash(self, key_hash: str) -> ApiKey | None: ...

    def named(self, name: str, role: str) -> list[ApiKey]: ...


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
