"""Erasure on request: a subject asks that a record with no effect left be erased now, before its
retention period ends; an officer grants (the record is erased) or refuses, with reasons.

PIPL (2021) art. 47: a handler deletes personal information on its own initiative, or at the
person's request, once it is no longer needed for the purpose it was processed for. Withdrawing
consent does not apply: an adjudicated record was never processed on consent. What the law allows
early is the erasure of a record that no longer counts, restricts, or is under appeal; a record
still in effect is never erased (that is what appeals, corrections and withdrawals are for).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from trustledger.domain.audit import AuditEntry
from trustledger.domain.dockets import ErasureSummary
from trustledger.domain.errors import Conflict, InvalidInput, NotFound, Unauthorized
from trustledger.domain.evaluation import ErasureCase, SubjectState, evaluate_file
from trustledger.domain.events import (
    ErasureDecided,
    ErasureOutcome,
    ErasureRequested,
    NoticePurpose,
)
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.notice_requests import code_matches
from trustledger.domain.records import Event
from trustledger.domain.retention import retention
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.subject_file import SubjectFile
from trustledger.domain.texts import N_, Message
from trustledger.services.due_process.appeals import DECISION_DAYS
from trustledger.services.due_process.decisions import LIST_LIMIT, deciding, outcome_of, written
from trustledger.services.due_process.state import Evaluator, NoticeRequest
from trustledger.services.ports import Clock, UnitOfWorkFactory


class Eraser(Protocol):
    """What a grant calls: services/retention/erasure.py's `Erasures`."""

    def erase(
        self, subject: str, record_ids: Sequence[str], basis: str, *, actor: str = "system"
    ) -> object: ...


@dataclass(frozen=True, slots=True)
class FiledErasure:
    case_id: str
    subject: str
    record_id: str
    filed_on: date
    deadline: date  # the officer's decision is due by then


@dataclass(frozen=True, slots=True)
class DecidedErasure:
    case_id: str
    subject: str
    record_id: str
    outcome: ErasureOutcome
    reasons: str
    decided_on: date
    notice_id: str | None  # the letter telling the subject; None when a grant is resumed


class ErasureRequests:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        evaluator: Evaluator,
        erasures: Eraser,
        scheme: IdentityScheme,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._evaluator = evaluator
        self._erasures = erasures
        self._scheme = scheme
        self._clock = clock

    def erasable(self, f: SubjectFile, state: SubjectState) -> tuple[str, ...]:
        """The records of a file already read and evaluated (`state` is `f` on `state.on`) that
        have no effect left, for which no request is pending: those the portal offers to erase
        now. No read of its own: the portal's audited read of the file is the one read."""
        pending = {c.record_id for c in state.erasure_cases if c.decided_on is None}
        ended = _ended(f, state, self._evaluator.rulebook)
        return tuple(
            a.record.record_id
            for a in state.assessments
            if a.record.record_id in ended and a.record.record_id not in pending
        )

    def request(
        self,
        subject: str,
        *,
        record_id: str,
        reason: str,
        actor: str,
        access_code: str | None = None,
    ) -> FiledErasure:
        """The subject's request (the portal passes its `access_code`; an officer filing on the
        subject's behalf none): a case for an officer, due in 15 days."""
        number = self._scheme.normalize(subject, field="subject")
        reason = written("reason", reason)
        actor = written("actor", actor, limit=128)
        today, now = self._clock.today(), self._clock.now()
        rulebook = self._evaluator.rulebook
        with self._uow() as uow:
            events = uow.events.for_subjects([number]).get(number, [])
            if access_code is not None and not code_matches(events, access_code):
                raise Unauthorized(N_("access_code: it opens none of this subject's notices"))
            f, state = _file(self._evaluator, number, events, today)
            _check_erasable(f, state, rulebook, record_id)
            pending = next(
                (c for c in state.erasure_cases if c.record_id == record_id and not c.decided_on),
                None,
            )
            if pending is not None:
                raise Conflict(
                    Message.of(
                        N_("record_id: erasure request %(case)s for record %(record)s is pending"),
                        case=pending.case_id,
                        record=record_id,
                    )
                )
            case_id = f"era_{secrets.token_hex(10)}"
            deadline = today + timedelta(days=DECISION_DAYS)
            filed = ErasureRequested(case_id, record_id, reason, deadline)
            # The record's event: sealed under its key, erased with it.
            event = filed.as_event(number, today, record_id=record_id, actor=actor)
            uow.events.append([event], at=now)
            how = "by the subject" if access_code is not None else "on the subject's behalf"
            detail = f"{case_id} for {record_id} {how}"
            uow.audit.append([AuditEntry(actor, "erasure.request", number, "erasure", now, detail)])
            self._evaluator.refresh(uow, [number], today=today, now=now)
            uow.commit()
        return FiledErasure(case_id, number, record_id, today, deadline)

    def decide(
        self,
        case_id: str,
        *,
        outcome: str,
        reasons: str,
        actor: str,
        fence: Jurisdiction = OPEN,
    ) -> DecidedErasure:
        """An officer's decision with written reasons, and a letter telling the subject. A grant
        erases the record (its case id is the erasure's basis), once the decision is committed: a
        crash between the two leaves a granted case whose record is still there, and deciding it
        again carries the erasure out. The letter goes through the outbox like any other (the
        answer waits on no mail server); when the grant erased the subject's last record, their
        key and address stay until it is delivered (Erasures: the sweep erases them then)."""
        decided = outcome_of(ErasureOutcome, outcome)
        reasons = written("reasons", reasons)
        actor = written("actor", actor, limit=128)
        rulebook = self._evaluator.rulebook
        with deciding(
            self._uow,
            self._evaluator,
            self._clock,
            lambda uow: uow.dockets.erasure_subject(case_id) or "",
        ) as d:
            case = _case(d.state, case_id)
            d.admit(fence, actor=actor)
            notice_id = None
            if case.decided_on is None:
                f = self._evaluator.file_of(d.subject, d.events, d.today)
                if decided is ErasureOutcome.GRANTED:
                    _check_erasable(f, d.state, rulebook, case.record_id)
                payload = ErasureDecided(case_id, decided, reasons)
                event = payload.as_event(d.subject, d.today, record_id=case.record_id, actor=actor)
                refreshed = d.write(
                    [event],
                    actor=actor,
                    action="erasure.decide",
                    purpose="erasure",
                    detail=f"{case_id} {decided.value} for {case.record_id}",
                    requests=[_letter(d.subject, case, decided, reasons, d.today)],
                )
                notice_id = next(
                    n.notice_id for n in refreshed.notices if n.purpose is NoticePurpose.ERASURE
                )
                case = _case(refreshed.state(d.subject), case_id)  # as decided
            elif decided is not ErasureOutcome.GRANTED or case.outcome is not decided:
                raise _decided(case)  # a granted case is granted again only to resume
            subject = d.subject
        if case.outcome is ErasureOutcome.GRANTED:
            self._erasures.erase(subject, [case.record_id], case_id, actor=actor)
        assert case.decided_on is not None
        assert case.outcome is not None
        return DecidedErasure(
            case_id,
            subject,
            case.record_id,
            case.outcome,
            case.reasons or "",
            case.decided_on,
            notice_id,
        )

    def list_pending(
        self, *, limit: int = LIST_LIMIT, fence: Jurisdiction = OPEN
    ) -> list[ErasureSummary]:
        """Undecided requests inside the officer's `fence`, the nearest deadline first."""
        with self._uow(readonly=True) as uow:
            return uow.dockets.pending_erasures(limit=limit, fence=fence)


def _case(state: SubjectState, case_id: str) -> ErasureCase:
    found = next((c for c in state.erasure_cases if c.case_id == case_id), None)
    if found is None:
        raise NotFound(Message.of(N_("erasure request %(case)r does not exist"), case=case_id))
    return found


def _letter(
    subject: str, case: ErasureCase, outcome: ErasureOutcome, reasons: str, today: date
) -> NoticeRequest:
    """The decision's letter. A refusal's is the record's (sealed under its key, erased with it
    at the end of its retention); a grant's is the case's, under the subject's own key, since it
    must outlive the record it tells of (letters.py names that record by id and rule only)."""
    extra = {
        "erasure_case_id": case.case_id,
        "requested_on": case.filed_on,
        "outcome": outcome.value,
        "reasons": reasons,
        "decided_on": today,
    }
    target = case.case_id if outcome is ErasureOutcome.GRANTED else case.record_id
    return NoticeRequest(subject, NoticePurpose.ERASURE, target, extra)


def _file(
    evaluator: Evaluator, subject: str, events: Sequence[Event], today: date
) -> tuple[SubjectFile, SubjectState]:
    f = evaluator.file_of(subject, events, today)
    return f, evaluate_file(f, evaluator.rulebook, today)


def _ended(f: SubjectFile, state: SubjectState, rulebook: Rulebook) -> set[str]:
    """The records whose last day of effect is past (Erasures refuses the others alike)."""
    return {
        k.record_id
        for k in retention(f, state, rulebook)
        if k.last_effect is not None and k.last_effect < state.on
    }


def _check_erasable(f: SubjectFile, state: SubjectState, rulebook: Rulebook, rid: str) -> None:
    if not any(a.record.record_id == rid for a in state.assessments):
        raise InvalidInput(
            "record_id",
            Message.of(N_("no record %(record)r is on this subject's file"), record=rid),
        )
    if rid not in _ended(f, state, rulebook):
        raise InvalidInput(
            "record_id",
            Message.of(
                N_(
                    "record %(record)s still has effect (it counts, restricts, or an appeal or "
                    "case about it is open): only a record with no effect left can be erased early"
                ),
                record=rid,
            ),
        )


def _decided(case: ErasureCase) -> Conflict:
    return Conflict(
        Message.of(
            N_("erasure request %(case)s was decided on %(day)s: %(outcome)s"),
            case=case.case_id,
            day=case.decided_on,
            outcome=Message(case.outcome.value if case.outcome else N_("decided")),
        )
    )
