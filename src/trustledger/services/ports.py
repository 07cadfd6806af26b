"""The ports the services need, and only those: Protocols the store implements and tests fake.

The unit of work's repositories, the log's signer and the clock live here; a port with one use
case and one adapter (a mailer, a letter renderer, a statistics source) sits beside that use case.
The values that cross these ports are the domain's (domain/records, derived, audit, keys, ...)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from trustledger.checks import RestrictionColumns
from trustledger.domain.audit import AuditEntry, AuditVerdict
from trustledger.domain.checkpoints import VerifierKey
from trustledger.domain.derived import Derived
from trustledger.domain.dockets import AppealSummary, ErasureSummary, ReviewSummary
from trustledger.domain.evaluation import Restriction
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.keys import ApiKey, KeyChange
from trustledger.domain.log_leaves import Leaf, LoggedEntry, StoredCheckpoint
from trustledger.domain.notice_letters import Contact, NoticeLetter
from trustledger.domain.records import Event, Record, StoredRecord
from trustledger.domain.texts import Language


class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime:
        """Naive UTC."""
        ...


class EventLog(Protocol):
    def append(self, events: Sequence[Event], *, at: datetime) -> None:
        """Store the events in order."""
        ...

    def for_subjects(self, subjects: Iterable[str]) -> dict[str, list[Event]]:
        """Each subject's events in seq order; subjects without events are absent."""
        ...

    def for_pseudonyms(self, pseudonyms: Iterable[str]) -> dict[str, list[Event]]:
        """Each subject's events in seq order by how the store names subjects (what
        `subjects_after` and StoredRecord.subject give), keyed by the subject's number."""
        ...

    def since(self, seq: int, *, limit: int) -> list[Event]: ...

    def subjects_since(self, seq: int, *, limit: int) -> list[tuple[int, str]]:
        """(seq, subject) of each event `since` gives, without reading the events themselves."""
        ...

    def last_seq(self) -> int: ...

    def subjects_after(self, subject: str, *, limit: int) -> list[str]:
        """Subjects with events as the store names them (for `for_pseudonyms`), in order, after
        `subject`: for paging through everyone."""
        ...

    def count_subjects(self) -> int: ...


class RecordIndex(Protocol):
    """Records as the store keeps them: StoredRecord's subject, case_ref and payload_hash are
    in the store's keyed forms, compared with `stored_form`'s, never read as the values."""

    def stored_form(self, record: Record, *, recorded_on: date) -> StoredRecord: ...

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

    def undelivered(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[NoticeLetter]:
        """The officers' queue, oldest first; only subjects inside `fence`."""
        ...


class ContactBook(Protocol):
    def set(self, contacts: Mapping[str, Contact], *, at: datetime) -> None:
        """Subject -> contact; replaces an earlier one."""
        ...

    def get_many(self, subjects: Iterable[str]) -> dict[str, str]:
        """Subject -> email address."""
        ...

    def languages(self, subjects: Iterable[str]) -> dict[str, Language]:
        """Subject -> the language their contact asked for (subjects with none are left out)."""
        ...


class Dockets(Protocol):
    """The officers' lists, read from derived state, and the sweep's list of subjects due."""

    def appeal_subject(self, appeal_id: str) -> str | None: ...

    def case_subject(self, case_id: str) -> str | None: ...

    def erasure_subject(self, case_id: str) -> str | None: ...

    def pending_erasures(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[ErasureSummary]:
        """Undecided erasure requests inside `fence`, the nearest deadline first."""
        ...

    def pending_appeals(
        self, *, deadline_before: date | None, limit: int, fence: Jurisdiction = OPEN
    ) -> list[AppealSummary]:
        """Undecided appeals by deadline; only those past due when `deadline_before` is given.
        Every queue holds only subjects inside `fence`, and `limit` counts those."""
        ...

    def open_reviews(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[ReviewSummary]: ...

    def subjects_changing(self, on: date, *, after: str, limit: int) -> list[str]:
        """Subjects after `after`, in order, whose next_change_on is on or before `on`."""
        ...

    def count_changing(self, on: date) -> int:
        """How many subjects `subjects_changing(on, ...)` pages over."""
        ...


class RecordExport(Protocol):
    def count(self) -> int:
        """How many records are stored."""
        ...

    def chunks(self, *, size: int) -> Iterator[list[tuple[Any, ...]]]:
        """Every record as a tuple of services.export.FLAT_COLUMNS (as corrected), `size` at a time."""
        ...


class KeyStore(Protocol):
    def add(self, key: ApiKey) -> None: ...

    def by_hash(self, key_hash: str) -> ApiKey | None: ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def named(self, name: str, role: str) -> list[ApiKey]: ...

    def listed(self, role: str | None) -> list[ApiKey]:
        """Every key (of this role), oldest first."""
        ...

    def revoke(self, key_id: str, *, at: datetime, reason: str) -> None: ...

    def expire(self, key_id: str, *, at: datetime) -> None:
        """Set the key's expiry to `at`."""
        ...

    def touch(self, key_id: str, *, at: datetime) -> None:
        """Note that the key was used at `at`."""
        ...

    def changed(self, key_id: str, change: str, *, at: datetime) -> None:
        """Append a change of this key to the log servers follow."""
        ...

    def changes_since(self, seq: int, *, limit: int) -> list[KeyChange]: ...

    def last_change(self) -> int: ...


class LogStore(Protocol):
    def integrate(self) -> int:
        """Append a leaf for every event and audit entry not yet in the log; the new size."""
        ...

    def size(self) -> int: ...

    def root(self, size: int) -> bytes: ...

    def inclusion(self, index: int, size: int) -> list[bytes]: ...

    def consistency(self, first: int, second: int) -> list[bytes]: ...

    def leaf(self, index: int) -> Leaf | None: ...

    def leaf_of(self, kind: str, ref: int) -> int | None: ...

    def walk(self) -> Iterator[Leaf]:
        """Every leaf in order with its row's hash recomputed from the row as stored now."""
        ...

    def unlogged(self) -> list[tuple[str, int]]:
        """The first event and audit entry at or below the last one logged that has no leaf."""
        ...

    def names(self, subject: str) -> frozenset[str]:
        """How the rows name this subject (what Leaf.subject may hold)."""
        ...

    def about(self, subject: str, actions: Iterable[str]) -> list[LoggedEntry]:
        """Audit entries about a subject with these actions, with their leaf index if logged."""
        ...

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None: ...

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...


class DataKeys(Protocol):
    """The keys personal data is sealed under (store/data_keys.py): a subject's own ("") and one
    per record. What an erasure needs of them; the stores seal and open with them themselves."""

    def pseudonym(self, subject: str) -> str: ...

    def scopes_of(self, pseudonym: str) -> list[str]: ...

    def destroy(self, pseudonym: str, scopes: Sequence[str]) -> list[str]:
        """Delete these keys; the scopes that had one."""
        ...

    def rotate(self, pseudonyms: Iterable[str]) -> set[str]:
        """Rewrap the rest of these pseudonyms' buckets under new key-encryption keys."""
        ...

    def forget_old(self, buckets: set[str]) -> None:
        """After the commit: the vault forgets the buckets' old keys (backups stop opening)."""
        ...

    def forget_unused(self) -> set[str]:
        """Old versions no stored key uses forgotten (an erasure stopped before forget_old)."""
        ...


class ErasureStore(Protocol):
    """What an erasure removes besides keys (store/erasures.py)."""

    def keep_tallies(self, subject: str, record_ids: Collection[str] | None) -> int:
        """The derived rows statistics count, of these records (None: all), kept under a subject
        that names no one."""
        ...

    def drop_contact(self, subject: str, pseudonym: str) -> None: ...

    def drop_derived(self, subjects: Iterable[str]) -> None: ...


class LogSigner(Protocol):
    @property
    def key(self) -> VerifierKey: ...

    def sign(self, message: bytes) -> bytes: ...


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

    @property
    def data_keys(self) -> DataKeys: ...

    @property
    def erasures(self) -> ErasureStore: ...

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
