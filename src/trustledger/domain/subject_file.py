"""A subject's file: the facts gathered from its events, applied one by one (the incremental path).

Also the due-process facts the events carry: notices, appeals, review cases and erasure requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from trustledger.domain.corrections import (
    RecordChange,
    corrected_change,
    submitted_change,
    withdrawn_change,
)
from trustledger.domain.events import (
    AppealDecided,
    AppealFiled,
    AppealOutcome,
    Corrected,
    Erased,
    ErasureDecided,
    ErasureOutcome,
    ErasureRequested,
    NoticeIssued,
    NoticePurpose,
    Recorded,
    ReviewDecided,
    ReviewOpened,
    ReviewOutcome,
    Withdrawn,
)
from trustledger.domain.records import Event, EventKind, Record
from trustledger.domain.rulebook import MAX_RESTRICTION_DAYS, Scope


@dataclass(frozen=True, slots=True)
class Appeal:
    appeal_id: str
    target: str  # a record_id or a review case_id
    filed_on: date
    grounds: str
    deadline: date
    decided_on: date | None = None
    outcome: AppealOutcome | None = None
    reasons: str | None = None
    ends_on: date | None = None  # a `modified` decision's new, earlier end

    def pending_on(self, day: date) -> bool:
        return self.filed_on <= day and (self.decided_on is None or day < self.decided_on)


@dataclass(frozen=True, slots=True)
class ReviewCase:
    case_id: str
    opened_on: date
    score: int
    below: int
    decided_on: date | None = None
    outcome: ReviewOutcome | None = None
    scopes: frozenset[Scope] = frozenset()
    days: int = 0
    reasons: str | None = None


@dataclass(frozen=True, slots=True)
class ErasureCase:
    """A subject's request to erase one of their records early, and the officer's decision."""

    case_id: str
    record_id: str
    filed_on: date
    reason: str
    deadline: date
    decided_on: date | None = None
    outcome: ErasureOutcome | None = None
    reasons: str | None = None


@dataclass(frozen=True, slots=True)
class ErasureDone:
    """Records of the subject erased on `on`: how many, not which (the file no longer knows)."""

    on: date
    basis: str  # "retention", or the officer's decision (a granted request's case id)
    ended_on: date | None  # the last day of their retention, when it was that which ended
    records: int
    # Erasure letters the rest of the subject's data waits on (Erased.awaits): delivered, the
    # sweep erases it.
    awaits: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    notice_id: str
    target: str
    purpose: NoticePurpose
    issued_on: date


@dataclass
class SubjectFile:
    """The facts gathered from a subject's events; `apply` is the incremental path, `evaluate` reads it."""

    subject: str
    records: dict[str, Record] = field(default_factory=dict)
    recorded_on: dict[str, date] = field(default_factory=dict)
    # Each record as submitted, then as each correction left it (the last is `records`').
    versions: dict[str, list[Record]] = field(default_factory=dict)
    versions_on: dict[str, list[date]] = field(default_factory=dict)  # the day of each
    withdrawn_on: dict[str, date] = field(default_factory=dict)
    history: dict[str, list[RecordChange]] = field(default_factory=dict)
    overturned_on: dict[str, date] = field(default_factory=dict)
    fulfilled_on: dict[str, date] = field(default_factory=dict)
    notices: dict[str, Notice] = field(default_factory=dict)
    appeals: dict[str, Appeal] = field(default_factory=dict)
    cases: dict[str, ReviewCase] = field(default_factory=dict)
    erasures: dict[str, ErasureCase] = field(default_factory=dict)
    # Readable while some record of the subject is left (the event is under its own key).
    erased: list[ErasureDone] = field(default_factory=list)

    def apply(self, event: Event) -> None:
        handler = _HANDLERS.get(event.kind)
        if handler is not None:
            handler(self, event)

    def extend(self, events: Iterable[Event]) -> SubjectFile:
        for event in sorted(events, key=lambda e: (e.on, e.seq)):
            self.apply(event)
        return self


def _on_recorded(f: SubjectFile, e: Event) -> None:
    record = Recorded.of(e).record
    if record.record_id not in f.records:
        f.records[record.record_id] = record
        f.recorded_on[record.record_id] = e.on
        f.versions[record.record_id] = [record]
        f.versions_on[record.record_id] = [e.on]
        f.history[record.record_id] = [submitted_change(record, e.on)]


def _on_corrected(f: SubjectFile, e: Event) -> None:
    rid = e.record_id or ""
    if rid in f.records and rid not in f.withdrawn_on:
        correction = Corrected.of(e)
        f.records[rid] = f.records[rid].corrected(correction.changes)
        f.versions[rid].append(f.records[rid])
        f.versions_on[rid].append(e.on)
        f.history[rid].append(corrected_change(correction, e.on))


def _on_withdrawn(f: SubjectFile, e: Event) -> None:
    rid = e.record_id or ""
    if rid in f.records and rid not in f.withdrawn_on:
        f.withdrawn_on[rid] = e.on
        f.history[rid].append(withdrawn_change(Withdrawn.of(e), e.on))


def _on_overturned(f: SubjectFile, e: Event) -> None:
    f.overturned_on.setdefault(e.record_id or "", e.on)


def _on_fulfilled(f: SubjectFile, e: Event) -> None:
    f.fulfilled_on.setdefault(e.record_id or "", e.on)


def _on_notice(f: SubjectFile, e: Event) -> None:
    d = NoticeIssued.of(e)
    notice = Notice(d.notice_id, d.target, d.purpose, e.on)
    f.notices.setdefault(notice.notice_id, notice)


def _on_appeal_filed(f: SubjectFile, e: Event) -> None:
    d = AppealFiled.of(e)
    f.appeals[d.appeal_id] = Appeal(d.appeal_id, d.target, e.on, d.grounds, d.deadline)


def _on_appeal_decided(f: SubjectFile, e: Event) -> None:
    d = AppealDecided.of(e)
    appeal = f.appeals.get(d.appeal_id)
    if appeal is None or appeal.decided_on is not None:
        return
    outcome = d.outcome
    f.appeals[appeal.appeal_id] = _replace_appeal(appeal, e.on, outcome, d.reasons, d.ends_on)
    if outcome is AppealOutcome.OVERTURNED and appeal.target in f.records:
        f.overturned_on.setdefault(appeal.target, e.on)


def _replace_appeal(
    a: Appeal, on: date, outcome: AppealOutcome, reasons: str, ends_on: date | None
) -> Appeal:
    return Appeal(
        a.appeal_id, a.target, a.filed_on, a.grounds, a.deadline, on, outcome, reasons, ends_on
    )


def _on_review_opened(f: SubjectFile, e: Event) -> None:
    d = ReviewOpened.of(e)
    f.cases.setdefault(d.case_id, ReviewCase(d.case_id, e.on, d.score, d.below))


def _on_review_decided(f: SubjectFile, e: Event) -> None:
    d = ReviewDecided.of(e)
    case = f.cases.get(d.case_id)
    if case is None or case.decided_on is not None:
        return
    f.cases[case.case_id] = ReviewCase(
        case.case_id,
        case.opened_on,
        case.score,
        case.below,
        decided_on=e.on,
        outcome=d.outcome,
        scopes=d.scopes,
        days=min(d.days, MAX_RESTRICTION_DAYS),
        reasons=d.reasons,
    )


def _on_erasure_requested(f: SubjectFile, e: Event) -> None:
    d = ErasureRequested.of(e)
    f.erasures.setdefault(
        d.case_id, ErasureCase(d.case_id, d.record_id, e.on, d.reason, d.deadline)
    )


def _on_erasure_decided(f: SubjectFile, e: Event) -> None:
    d = ErasureDecided.of(e)
    case = f.erasures.get(d.case_id)
    if case is None or case.decided_on is not None:
        return
    f.erasures[case.case_id] = ErasureCase(
        case.case_id, case.record_id, case.filed_on, case.reason, case.deadline,
        e.on, d.outcome, d.reasons,
    )  # fmt: skip


def _on_erased(f: SubjectFile, e: Event) -> None:
    d = Erased.of(e)
    f.erased.append(ErasureDone(e.on, d.basis, d.ended_on, len(d.record_ids), d.awaits))


_HANDLERS = {
    EventKind.RECORDED: _on_recorded,
    EventKind.CORRECTED: _on_corrected,
    EventKind.WITHDRAWN: _on_withdrawn,
    EventKind.OVERTURNED: _on_overturned,
    EventKind.FULFILLED: _on_fulfilled,
    EventKind.NOTICE_ISSUED: _on_notice,
    EventKind.APPEAL_FILED: _on_appeal_filed,
    EventKind.APPEAL_DECIDED: _on_appeal_decided,
    EventKind.REVIEW_OPENED: _on_review_opened,
    EventKind.REVIEW_DECIDED: _on_review_decided,
    EventKind.ERASURE_REQUESTED: _on_erasure_requested,
    EventKind.ERASURE_DECIDED: _on_erasure_decided,
    EventKind.ERASED: _on_erased,
}
