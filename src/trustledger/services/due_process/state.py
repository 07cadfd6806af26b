"""Derived state: evaluate subjects from their events, do what their state calls for, store it.

`refresh` is the one path every write takes after appending its events: it issues the notices due
(a restriction waiting for one, a review case just opened, a restriction lifted or expired),
opens review cases, appends transition events, writes the letters to the outbox and replaces the
subject's derived rows, all in the caller's transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from trustledger.domain.audit import AuditEntry
from trustledger.domain.derived import Derived, derive
from trustledger.domain.evaluation import SubjectFile, SubjectState, evaluate_file, notices_due
from trustledger.domain.events import (
    NoticeIssued,
    NoticePurpose,
    ReviewOpened,
    Transition,
    payload_of,
)
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.notice_requests import IssuedNotice, notice_event
from trustledger.domain.records import Event, EventKind, known_by
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.transitions import transitions_due
from trustledger.services.due_process.letters import NoticeLetters
from trustledger.services.ports import UnitOfWork

TRANSITION_ACTIONS = {
    EventKind.RESTRICTION_STARTED: "restriction.start",
    EventKind.RESTRICTION_LIFTED: "restriction.lift",
    EventKind.RESTRICTION_EXPIRED: "restriction.expire",
}


@dataclass(frozen=True, slots=True)
class NoticeRequest:
    """A notice a write asks for (an appeal decision), with facts for its letter."""

    subject: str
    purpose: NoticePurpose
    target: str
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Refreshed:
    notices: tuple[IssuedNotice, ...]
    derived: tuple[Derived, ...]
    events: tuple[Event, ...]  # appended by the refresh itself

    def state(self, subject: str) -> SubjectState:
        return next(d.state for d in self.derived if d.state.subject == subject)


@dataclass
class _Subject:
    """One subject's refresh in progress: its file and what the refresh adds to it."""

    file: SubjectFile
    today: date
    events: list[Event] = field(default_factory=list)
    issued: list[tuple[IssuedNotice, Mapping[str, Any]]] = field(default_factory=list)

    def add(self, event: Event) -> None:
        self.file.apply(event)
        self.events.append(event)

    def issue(
        self, purpose: NoticePurpose, target: str, extra: Mapping[str, Any] | None = None
    ) -> None:
        event, notice = notice_event(
            self.file.subject, target=target, purpose=purpose, on=self.today
        )
        self.add(event)
        self.issued.append((notice, extra or {}))


@dataclass(frozen=True, slots=True)
class Evaluator:
    rulebook: Rulebook
    scheme: IdentityScheme
    # Without letters, notices are issued as events only (tests of the state machinery).
    letters: NoticeLetters | None = None

    def derive(self, subject: str, events: Sequence[Event], today: date) -> Derived:
        """The subject's state on `today` from what was known by then (invariant 5)."""
        return self._derived(self.file_of(subject, events, today), today)

    def state_of(self, subject: str, events: Sequence[Event], today: date) -> SubjectState:
        """`derive` without the derived row's extras: what a use case checks a request against."""
        return evaluate_file(self.file_of(subject, events, today), self.rulebook, today)

    def file_of(self, subject: str, events: Sequence[Event], today: date) -> SubjectFile:
        """The subject's file of what was known by `today`."""
        return SubjectFile(subject).extend(known_by(list(events), today))

    def _logged_file(self, subject: str, events: Sequence[Event], today: date) -> SubjectFile:
        """`file_of` events in log order, the last ones perhaps not stored yet (seq 0).

        A stable sort by date alone puts them where SubjectFile.extend's (on, seq) would.
        """
        file = SubjectFile(subject)
        for event in sorted(known_by(list(events), today), key=attrgetter("on")):
            file.apply(event)
        return file

    def _derived(self, file: SubjectFile, today: date) -> Derived:
        state = evaluate_file(file, self.rulebook, today)
        return derive(file, state, self.rulebook, self.scheme.compact_key(file.subject))

    def refresh(
        self,
        uow: UnitOfWork,
        subjects: Iterable[str],
        *,
        today: date,
        now: datetime,
        requests: Sequence[NoticeRequest] = (),
        lift_notices: bool = True,
        appending: Sequence[Event] = (),
        audit: Sequence[AuditEntry] = (),
        write_letters: bool = True,
    ) -> Refreshed:
        """The incremental path: re-derive the subjects a write touched and act on their state.

        `lift_notices=False` when the write tells the subject itself (an appeal decision).
        `appending` are the write's own events, not stored yet: the refresh appends them ahead of
        its own (so they get the seqs they would have had), and does not read them back.
        `audit` are the write's own audit entries, appended ahead of the refresh's in one append
        (one read of the chain's head and of the subjects' keys for the whole write).
        `write_letters=False` (a bulk import) keeps each notice's letter as its facts, written
        when first read and hashed when sent (NoticeLetters.compose).
        """
        subjects = sorted(set(subjects) | {r.subject for r in requests})
        history = uow.events.for_subjects(subjects)
        for event in appending:
            history.setdefault(event.subject, []).append(event)
        done: list[tuple[_Subject, Derived]] = []
        for subject in subjects:
            work = _Subject(self._logged_file(subject, history.get(subject, []), today), today)
            asked = [r for r in requests if r.subject == subject]
            derived = self._act(work, history.get(subject, []), asked, lift_notices=lift_notices)
            done.append((work, derived))
        self._store(uow, appending, audit, done, now, write_letters=write_letters)
        return Refreshed(
            notices=tuple(n for work, _ in done for n, _ in work.issued),
            derived=tuple(d for _, d in done),
            events=tuple(e for work, _ in done for e in work.events),
        )

    def _act(
        self,
        work: _Subject,
        history: Sequence[Event],
        requests: Sequence[NoticeRequest],
        *,
        lift_notices: bool,
    ) -> Derived:
        # The derived row's extras (retention, the sweep's days) only for the last state.
        state = evaluate_file(work.file, self.rulebook, work.today)
        final = state
        # Invariant 3: a restriction's clock starts with its notice, so it is issued at once.
        for restriction in notices_due(state):
            work.issue(NoticePurpose.RESTRICTION, restriction.restriction_id)
        if state.review_due and self.rulebook.review is not None:
            case_id = f"rev_{secrets.token_hex(10)}"
            opened = ReviewOpened(case_id, state.score, self.rulebook.review.below)
            work.add(opened.as_event(state.subject, work.today))
            work.issue(NoticePurpose.REVIEW, case_id)
        # Evaluated again only when events were added: the same file gives the same state.
        # They are notices, review cases and transitions, so the assessments stay (evaluate_file).
        if work.events:
            final = evaluate_file(work.file, self.rulebook, work.today, since=state)
        added = len(work.events)
        for event in transitions_due(final, [*history, *work.events]):
            work.add(event)
            target = Transition.of(event).restriction_id
            if event.kind is EventKind.RESTRICTION_EXPIRED:
                work.issue(NoticePurpose.EXPIRED, target)
            elif event.kind is EventKind.RESTRICTION_LIFTED and lift_notices:
                work.issue(NoticePurpose.LIFTED, target)
        for request in requests:
            work.issue(request.purpose, request.target, request.extra)
        if len(work.events) != added:
            final = evaluate_file(work.file, self.rulebook, work.today, since=state)
        return derive(work.file, final, self.rulebook, self.scheme.compact_key(work.file.subject))

    def _store(
        self,
        uow: UnitOfWork,
        appending: Sequence[Event],
        audit: Sequence[AuditEntry],
        done: Sequence[tuple[_Subject, Derived]],
        now: datetime,
        *,
        write_letters: bool,
    ) -> None:
        uow.events.append([*appending, *(e for work, _ in done for e in work.events)], at=now)
        uow.derived.replace([d for _, d in done])
        if self.letters is not None:
            letters = self.letters
            # Each letter in the language its subject's contact asked for (else the default).
            subjects = {notice.subject for work, _ in done for notice, _ in work.issued}
            languages = uow.contacts.languages(subjects) if subjects else {}
            uow.notices.add(
                [
                    letters.compose(
                        notice,
                        derived.state,
                        at=now,
                        extra=extra,
                        language=languages.get(notice.subject),
                        written=write_letters,
                    )
                    for work, derived in done
                    for notice, extra in work.issued
                ]
            )
        uow.audit.append(
            [*audit, *(entry for work, _ in done for entry in _audit(work.events, now))]
        )


def _audit(events: Sequence[Event], now: datetime) -> list[AuditEntry]:
    entries = []
    for e in events:
        match payload_of(e):
            case NoticeIssued(notice_id=notice_id):
                action, detail = "notice.issue", notice_id
            case ReviewOpened(case_id=case_id):
                action, detail = "review.open", case_id
            case Transition(restriction_id=restriction_id):
                action, detail = TRANSITION_ACTIONS[e.kind], restriction_id
            case other:
                raise ValueError(f"a refresh appends no {other.kind.value} event")
        entries.append(AuditEntry(e.actor, action, e.subject, "due_process", now, detail))
    return entries
