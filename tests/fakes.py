"""In-memory fakes of the service ports: a unit of work whose commit copies state to the store."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

import orjson

from trustledger.domain.audit import AuditEntry, AuditVerdict
from trustledger.domain.derived import Derived
from trustledger.domain.dockets import AppealSummary, ErasureSummary, ReviewSummary
from trustledger.domain.evaluation import SubjectFile, SubjectState, first_notices
from trustledger.domain.jurisdiction import OPEN, Jurisdiction, record_sources
from trustledger.domain.keys import ApiKey, KeyChange
from trustledger.domain.notice_letters import Contact, DeliveryStatus, NoticeLetter
from trustledger.domain.records import (
    CORE_ONLY_KINDS,
    Event,
    EventKind,
    Record,
    StoredRecord,
    history_text,
)
from trustledger.domain.subject_file import Appeal
from trustledger.domain.submissions import payload_hash
from trustledger.domain.targets import target_record
from trustledger.domain.texts import Language
from trustledger.services.reading.export import FLAT_COLUMNS


@dataclass
class Memory:
    events: list[Event] = field(default_factory=list)
    records: dict[str, StoredRecord] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    keys: list[ApiKey] = field(default_factory=list)
    key_changes: list[KeyChange] = field(default_factory=list)
    notices: dict[str, NoticeLetter] = field(default_factory=dict)
    contacts: dict[str, str] = field(default_factory=dict)
    languages: dict[str, Language] = field(default_factory=dict)
    commits: int = 0


class FakeEvents:
    def __init__(self, m: Memory) -> None:
        self.m = m

    def append(self, events: Sequence[Event], *, at: datetime) -> None:
        for e in events:
            self.m.events.append(replace(e, seq=len(self.m.events) + 1))

    def for_subjects(self, subjects: Iterable[str]) -> dict[str, list[Event]]:
        wanted = set(subjects)
        found: dict[str, list[Event]] = {}
        for e in self.m.events:
            if e.subject in wanted:
                found.setdefault(e.subject, []).append(e)
        return found

    def for_pseudonyms(self, pseudonyms: Iterable[str]) -> dict[str, list[Event]]:
        # The fakes keep subjects as they are: a subject is its own pseudonym here.
        return self.for_subjects(pseudonyms)

    def since(self, seq: int, *, limit: int) -> list[Event]:
        return [e for e in self.m.events if e.seq > seq][:limit]

    def subjects_since(self, seq: int, *, limit: int) -> list[tuple[int, str]]:
        return [(e.seq, e.subject) for e in self.since(seq, limit=limit)]

    def last_seq(self) -> int:
        return len(self.m.events)

    def subjects_after(self, subject: str, *, limit: int) -> list[str]:
        return sorted({e.subject for e in self.m.events if e.subject > subject})[:limit]

    def count_subjects(self) -> int:
        return len({e.subject for e in self.m.events})


class FakeRecords:
    def __init__(self, m: Memory) -> None:
        self.m = m

    def stored_form(self, record: Record, *, recorded_on: date) -> StoredRecord:
        return StoredRecord(
            record.record_id,
            record.source,
            record.case_ref,
            record.subject,
            record.type,
            payload_hash(record),
            recorded_on,
        )

    def find_many(self, record_ids: Iterable[str]) -> dict[str, StoredRecord]:
        return {i: self.m.records[i] for i in set(record_ids) if i in self.m.records}

    def get(self, record_id: str) -> StoredRecord | None:
        return self.m.records.get(record_id)

    def add(self, records: Sequence[StoredRecord]) -> None:
        for r in records:
            assert r.record_id not in self.m.records
            self.m.records[r.record_id] = r


class FakeDerived:
    def __init__(self, m: Memory) -> None:
        self.m = m

    def replace(self, items: Sequence[Derived]) -> None:
        self.m.derived.update((d.state.subject, d) for d in items)

    def clear(self) -> None:
        self.m.derived.clear()


class FakeAudit:
    def __init__(self, m: Memory) -> None:
        self.m = m

    def append(self, entries: Sequence[AuditEntry]) -> None:
        self.m.audit.extend(entries)

    def verify(self) -> AuditVerdict:
        return AuditVerdict(True, len(self.m.audit))


class FakeKeys:
    def __init__(self, m: Memory) -> None:
        self.m = m

    def add(self, key: ApiKey) -> None:
        self.m.keys.append(key)

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return next((k for k in self.m.keys if k.key_hash == key_hash), None)

    def named(self, name: str, role: str) -> list[ApiKey]:
        return [k for k in self.m.keys if k.name == name and k.role == role]

    def get(self, key_id: str) -> ApiKey | None:
        return next((k for k in self.m.keys if k.key_id == key_id), None)

    def listed(self, role: str | None) -> list[ApiKey]:
        return [k for k in self.m.keys if role is None or k.role == role]

    def revoke(self, key_id: str, *, at: datetime, reason: str) -> None:
        self._set(key_id, revoked_at=at, revoked_reason=reason)

    def expire(self, key_id: str, *, at: datetime) -> None:
        self._set(key_id, expires_at=at)

    def touch(self, key_id: str, *, at: datetime) -> None:
        self._set(key_id, last_used_at=at)

    def _set(self, key_id: str, **values: Any) -> None:
        self.m.keys = [replace(k, **values) if k.key_id == key_id else k for k in self.m.keys]

    def changed(self, key_id: str, change: str, *, at: datetime) -> None:
        self.m.key_changes.append(KeyChange(len(self.m.key_changes) + 1, key_id, change))

    def changes_since(self, seq: int, *, limit: int) -> list[KeyChange]:
        return [c for c in self.m.key_changes if c.seq > seq][:limit]

    def last_change(self) -> int:
        return len(self.m.key_changes)


class FakeNotices:
    def __init__(self, m: Memory) -> None:
        self.m = m

    def add(self, letters: Sequence[NoticeLetter]) -> None:
        for n in letters:
            assert n.notice_id not in self.m.notices
            self.m.notices[n.notice_id] = n

    def update(self, letters: Sequence[NoticeLetter]) -> None:
        for n in letters:
            assert n.notice_id in self.m.notices
            self.m.notices[n.notice_id] = n

    def get(self, notice_id: str) -> NoticeLetter | None:
        return self.m.notices.get(notice_id)

    def for_subject(self, subject: str) -> list[NoticeLetter]:
        return [n for n in self.m.notices.values() if n.subject == subject]

    def due(self, now: datetime, *, limit: int) -> list[NoticeLetter]:
        due = [
            n
            for n in self.m.notices.values()
            if n.status is DeliveryStatus.PENDING and n.next_attempt_at and n.next_attempt_at <= now
        ]
        return sorted(due, key=lambda n: (n.next_attempt_at or now, n.notice_id))[:limit]

    def undelivered(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[NoticeLetter]:
        found = [
            n
            for n in self.m.notices.values()
            if n.status is DeliveryStatus.UNDELIVERED and admitted(self.m, fence, n.subject)
        ]
        return found[:limit]


class FakeContacts:
    def __init__(self, m: Memory) -> None:
        self.m = m

    def set(self, contacts: Mapping[str, Contact], *, at: datetime) -> None:
        self.m.contacts.update((s, c.email) for s, c in contacts.items())
        for s, c in contacts.items():
            if c.language is None:
                self.m.languages.pop(s, None)
            else:
                self.m.languages[s] = c.language

    def languages(self, subjects: Iterable[str]) -> dict[str, Language]:
        return {s: self.m.languages[s] for s in subjects if s in self.m.languages}

    def get_many(self, subjects: Iterable[str]) -> dict[str, str]:
        return {s: self.m.contacts[s] for s in subjects if s in self.m.contacts}


def _ended(state: SubjectState, appeal: Appeal) -> tuple[date | None, date | None]:
    """The days the appealed record was withdrawn and overturned, as SqlDockets reads them."""
    record = target_record(appeal.target)
    a = next((a for a in state.assessments if a.record.record_id == record), None)
    if a is None:
        return None, None
    withdrawn = next((c.on for c in a.history if c.what == "withdrawn"), None)
    return withdrawn, a.overturned_on


def admitted(m: Memory, fence: Jurisdiction, subject: str) -> bool:
    """The fence as the file reads judge it, from the subject's events."""
    events = [e for e in m.events if e.subject == subject]
    return fence.refusal(subject, record_sources(events)) is None


class FakeDockets:
    """The officers' lists from the derived states the fake store keeps."""

    def __init__(self, m: Memory) -> None:
        self.m = m

    def appeal_subject(self, appeal_id: str) -> str | None:
        return next(
            (
                s
                for s, d in self.m.derived.items()
                for a in d.state.appeals
                if a.appeal_id == appeal_id
            ),
            None,
        )

    def case_subject(self, case_id: str) -> str | None:
        return next(
            (
                s
                for s, d in self.m.derived.items()
                for c in d.state.review_cases
                if c.case_id == case_id
            ),
            None,
        )

    def pending_appeals(
        self, *, deadline_before: date | None, limit: int, fence: Jurisdiction = OPEN
    ) -> list[AppealSummary]:
        found = [
            AppealSummary(a.appeal_id, s, a.target, a.filed_on, a.deadline, *_ended(d.state, a))
            for s, d in self.m.derived.items()
            for a in d.state.appeals
            if a.decided_on is None and (deadline_before is None or a.deadline < deadline_before)
            if admitted(self.m, fence, s)
        ]
        return sorted(found, key=lambda a: (a.deadline, a.appeal_id))[:limit]

    def open_reviews(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[ReviewSummary]:
        found = [
            ReviewSummary(c.case_id, s, c.opened_on, c.score, c.below)
            for s, d in self.m.derived.items()
            for c in d.state.review_cases
            if c.decided_on is None and admitted(self.m, fence, s)
        ]
        return sorted(found, key=lambda c: (c.opened_on, c.case_id))[:limit]

    def erasure_subject(self, case_id: str) -> str | None:
        return next(
            (
                s
                for s, d in self.m.derived.items()
                for c in d.state.erasure_cases
                if c.case_id == case_id
            ),
            None,
        )

    def pending_erasures(self, *, limit: int, fence: Jurisdiction = OPEN) -> list[ErasureSummary]:
        found = [
            ErasureSummary(c.case_id, s, c.record_id, c.filed_on, c.deadline)
            for s, d in self.m.derived.items()
            for c in d.state.erasure_cases
            if c.decided_on is None and admitted(self.m, fence, s)
        ]
        return sorted(found, key=lambda c: (c.deadline, c.case_id))[:limit]

    def subjects_changing(self, on: date, *, after: str, limit: int) -> list[str]:
        due = [
            s
            for s, d in self.m.derived.items()
            if s > after and d.next_change_on is not None and d.next_change_on <= on
        ]
        return sorted(due)[:limit]

    def count_changing(self, on: date) -> int:
        return len(self.subjects_changing(on, after="", limit=len(self.m.derived)))


class FakeExports:
    """The flattened records as the domain reads the events: the store's query, done slowly."""

    def __init__(self, m: Memory) -> None:
        self.m = m

    def count(self) -> int:
        return sum(e.kind is EventKind.RECORDED for e in self.m.events)

    def chunks(self, *, size: int) -> Iterator[list[tuple[Any, ...]]]:
        by_subject: dict[str, list[Event]] = {}
        for e in self.m.events:
            by_subject.setdefault(e.subject, []).append(e)
        rows = []
        for subject, events in by_subject.items():
            f = SubjectFile(subject).extend(events)
            core = any(e.kind in CORE_ONLY_KINDS for e in events)
            history = history_text(sorted(events, key=lambda e: e.seq)) if core else None
            noticed = first_notices(f)
            for rid, record in f.records.items():
                notice = noticed.get(rid)
                values = record.payload() | {
                    "attributes": orjson.dumps(dict(record.attributes)).decode(),
                    "recorded_on": f.recorded_on[rid],
                    "noticed_on": notice.issued_on if notice else None,
                    "fulfilled_on": f.fulfilled_on.get(rid),
                    "overturned_on": f.overturned_on.get(rid),
                    "events": history,
                }
                rows.append(tuple(values[name] for name in FLAT_COLUMNS))
        for start in range(0, len(rows), size):
            yield rows[start : start + size]


class FakeUnitOfWork:
    """Works on a copy of the memory; commit publishes it, leaving without a commit drops it."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def __enter__(self) -> Self:
        self.m = copy.deepcopy(self._store.memory)
        self.events = FakeEvents(self.m)
        self.records = FakeRecords(self.m)
        self.derived = FakeDerived(self.m)
        self.audit = FakeAudit(self.m)
        self.keys = FakeKeys(self.m)
        self.notices = FakeNotices(self.m)
        self.contacts = FakeContacts(self.m)
        self.dockets = FakeDockets(self.m)
        self.exports = FakeExports(self.m)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        self.m.commits += 1
        self._store.memory = self.m


class FakeStore:
    def __init__(self) -> None:
        self.memory = Memory()

    def __call__(self, *, readonly: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)
