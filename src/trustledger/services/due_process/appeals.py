"""Appeals: the subject contests a restriction; an officer decides it, with reasons, by a deadline."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from trustledger.domain.audit import AuditEntry
from trustledger.domain.dockets import AppealSummary
from trustledger.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from trustledger.domain.evaluation import (
    Appeal,
    Restriction,
    RestrictionStatus,
    SubjectState,
)
from trustledger.domain.events import (
    AppealDecided,
    AppealFiled,
    AppealOutcome,
    NoticePurpose,
    Overturned,
)
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.jurisdiction import OPEN, Jurisdiction, reviewer
from trustledger.domain.notice_requests import code_matches
from trustledger.domain.records import Event
from trustledger.domain.texts import N_, Message
from trustledger.services.due_process.decisions import (
    LIST_LIMIT,
    current,
    deciding,
    outcome_of,
    written,
)
from trustledger.services.due_process.state import Evaluator, NoticeRequest
from trustledger.services.ports import Clock, UnitOfWorkFactory

# The SPC reviews a correction request within 15 days; an officer decides an appeal as fast.
DECISION_DAYS = 15
ENDED = frozenset({RestrictionStatus.LIFTED, RestrictionStatus.EXPIRED})


@dataclass(frozen=True, slots=True)
class FiledAppeal:
    appeal_id: str
    subject: str
    target: str  # the record_id or review case_id the restriction comes from
    filed_on: date
    deadline: date  # the officer's decision is due by then
    state: SubjectState  # after filing (a rule with suspend_on_appeal suspends the restriction)


@dataclass(frozen=True, slots=True)
class DecidedAppeal:
    appeal_id: str
    subject: str
    target: str
    outcome: AppealOutcome
    reasons: str
    decided_on: date
    ends_on: date | None  # a modified restriction's new last day
    notice_id: str  # the decision notice sent to the subject
    state: SubjectState  # after the decision: an overturn has lifted the restriction


class Appeals:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        evaluator: Evaluator,
        scheme: IdentityScheme,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._evaluator = evaluator
        self._scheme = scheme
        self._clock = clock

    def file_appeal(
        self,
        subject: str,
        *,
        grounds: str,
        actor: str,
        target: str | None = None,
        access_code: str | None = None,
    ) -> FiledAppeal:
        """File the subject's appeal against one of its restrictions.

        The portal passes the subject's `access_code` (Unauthorized when it opens none of the
        subject's notices); an officer filing on the subject's behalf passes none. `target` is the
        record_id or case_id; None picks the subject's only open restriction.
        """
        number = self._scheme.normalize(subject, field="subject")
        grounds = written("grounds", grounds)
        actor = written("actor", actor, limit=128)
        today, now = self._clock.today(), self._clock.now()
        with self._uow() as uow:
            events, state = current(uow, self._evaluator, number, today)
            if access_code is not None and not code_matches(events, access_code):
                raise Unauthorized(N_("access_code: it opens none of this subject's notices"))
            restriction = _target(state, target)
            _check_open(state, restriction, today)
            appeal_id = f"apl_{secrets.token_hex(10)}"
            deadline = today + timedelta(days=DECISION_DAYS)
            filed = AppealFiled(appeal_id, restriction.restriction_id, grounds, deadline)
            event = filed.as_event(number, today, record_id=restriction.record_id, actor=actor)
            uow.events.append([event], at=now)
            how = "by the subject" if access_code is not None else "on the subject's behalf"
            detail = f"{appeal_id} against {restriction.restriction_id} {how}"
            uow.audit.append([AuditEntry(actor, "appeal.file", number, "appeal", now, detail)])
            refreshed = self._evaluator.refresh(uow, [number], today=today, now=now)
            uow.commit()
        return FiledAppeal(
            appeal_id, number, restriction.restriction_id, today, deadline, refreshed.state(number)
        )

    def decide_appeal(
        self,
        appeal_id: str,
        *,
        outcome: str,
        reasons: str,
        actor: str,
        ends_on: date | None = None,
        fence: Jurisdiction = OPEN,
    ) -> DecidedAppeal:
        """An officer's decision: upheld, overturned (lifts the restriction, the record stops
        counting) or modified (`ends_on`: a new, earlier last day). The subject gets a notice."""
        decided = _outcome(outcome, ends_on)
        reasons = written("reasons", reasons)
        actor = written("actor", actor, limit=128)
        # An unknown id reads no one's state, where _appeal finds nothing.
        with deciding(
            self._uow,
            self._evaluator,
            self._clock,
            lambda uow: uow.dockets.appeal_subject(appeal_id) or "",
        ) as d:
            subject, events, state, today = d.subject, d.events, d.state, d.today
            appeal = _appeal(state, appeal_id)
            d.admit(fence, actor=actor)
            restriction = next(
                (r for r in state.restrictions if r.restriction_id == appeal.target), None
            )
            case_id = restriction.case_id if restriction is not None else None
            if case_id is not None and reviewer(events, case_id) == actor:
                raise Forbidden(
                    N_(
                        "four eyes: this appeal is against your own review decision; "
                        "another officer decides it"
                    )
                )
            if decided is AppealOutcome.MODIFIED:
                _check_new_end(restriction, ends_on)
            extra: dict[str, Any] = {
                "appeal_id": appeal_id,
                "outcome": decided.value,
                "reasons": reasons,
                "decided_on": today,
            }
            request = NoticeRequest(subject, NoticePurpose.DECISION, appeal.target, extra)
            refreshed = d.write(
                _decision_events(appeal, state, decided, reasons, ends_on, actor, today),
                actor=actor,
                action="appeal.decide",
                purpose="appeal",
                detail=f"{appeal_id} {decided.value}",
                requests=[request],
                lift_notices=False,  # the decision notice tells of the lift: no "lifted" letter
            )
        notice = next(n for n in refreshed.notices if n.purpose is NoticePurpose.DECISION)
        return DecidedAppeal(
            appeal_id,
            subject,
            appeal.target,
            decided,
            reasons,
            today,
            ends_on,
            notice.notice_id,
            refreshed.state(subject),
        )

    def list_pending(
        self, *, limit: int = LIST_LIMIT, fence: Jurisdiction = OPEN
    ) -> list[AppealSummary]:
        """Undecided appeals inside the officer's `fence`, the nearest deadline first."""
        with self._uow(readonly=True) as uow:
            return uow.dockets.pending_appeals(deadline_before=None, limit=limit, fence=fence)

    def list_overdue(
        self, today: date | None = None, *, limit: int = LIST_LIMIT, fence: Jurisdiction = OPEN
    ) -> list[AppealSummary]:
        """Undecided appeals inside the officer's `fence` whose deadline has passed."""
        day = today or self._clock.today()
        with self._uow(readonly=True) as uow:
            return uow.dockets.pending_appeals(deadline_before=day, limit=limit, fence=fence)


def _target(state: SubjectState, target: str | None) -> Restriction:
    if target is None:
        open_ = [r for r in state.restrictions if r.status not in ENDED]
        if len(open_) == 1:
            return open_[0]
        if not open_:
            raise InvalidInput(
                "record_id", N_("this subject has no restriction in force to appeal")
            )
        raise InvalidInput(
            "record_id",
            Message.of(
                N_("this subject has %(count)s restrictions: name the one appealed"),
                count=len(open_),
            ),
        )
    found = next((r for r in state.restrictions if r.restriction_id == target), None)
    if found is None:
        raise InvalidInput(
            "record_id",
            Message.of(N_("no restriction of this subject comes from %(target)r"), target=target),
        )
    return found


def _check_open(state: SubjectState, r: Restriction, today: date) -> None:
    if r.status in ENDED:
        raise Conflict(
            Message.of(
                N_("record_id: the restriction from %(target)s has %(status)s"),
                target=r.restriction_id,
                # The status and outcome words are catalog messages (web.wording marks them).
                status=Message(r.status.value.replace("_", " ")),
            )
        )
    if r.appeal_by is None:
        raise Conflict(N_("record_id: the appeal window has not opened (no notice)"))
    if today > r.appeal_by:
        raise Conflict(
            Message.of(N_("record_id: the appeal window closed on %(day)s"), day=r.appeal_by)
        )
    pending = next(
        (a for a in state.appeals if a.target == r.restriction_id and a.decided_on is None), None
    )
    if pending is not None:
        raise Conflict(
            Message.of(
                N_("record_id: appeal %(appeal)s against it is pending"), appeal=pending.appeal_id
            )
        )


def _outcome(outcome: str, ends_on: date | None) -> AppealOutcome:
    decided = outcome_of(AppealOutcome, outcome)
    if decided is AppealOutcome.MODIFIED and ends_on is None:
        raise InvalidInput(
            "ends_on", N_("a modified decision names the restriction's new last day")
        )
    if decided is not AppealOutcome.MODIFIED and ends_on is not None:
        raise InvalidInput("ends_on", N_("only a modified decision sets a new last day"))
    return decided


def _appeal(state: SubjectState, appeal_id: str) -> Appeal:
    appeal = next((a for a in state.appeals if a.appeal_id == appeal_id), None)
    if appeal is None:
        raise NotFound(Message.of(N_("appeal %(appeal)r does not exist"), appeal=appeal_id))
    if appeal.decided_on is not None:
        outcome = appeal.outcome.value if appeal.outcome else N_("decided")
        raise Conflict(
            Message.of(
                N_("appeal %(appeal)s was decided on %(day)s: %(outcome)s"),
                appeal=appeal_id,
                day=appeal.decided_on,
                outcome=Message(outcome),
            )
        )
    return appeal


def _check_new_end(r: Restriction | None, ends_on: date | None) -> None:
    if r is None or r.starts_on is None or r.ends_on is None or ends_on is None:
        raise Conflict(N_("ends_on: the appealed restriction has no dates to modify"))
    if not r.starts_on <= ends_on < r.ends_on:
        raise InvalidInput(
            "ends_on",
            Message.of(
                N_("must be from %(first)s and before the current last day %(last)s"),
                first=r.starts_on,
                last=r.ends_on,
            ),
        )


def _decision_events(
    appeal: Appeal,
    state: SubjectState,
    outcome: AppealOutcome,
    reasons: str,
    ends_on: date | None,
    actor: str,
    today: date,
) -> list[Event]:
    record_id = (
        appeal.target
        if any(a.record.record_id == appeal.target for a in state.assessments)
        else None
    )
    decided = AppealDecided(appeal.appeal_id, outcome, reasons, ends_on)
    events = [decided.as_event(state.subject, today, record_id=record_id, actor=actor)]
    if outcome is AppealOutcome.OVERTURNED and record_id is not None:
        # The domain already counts the decision as the overturn; this makes the history read so.
        overturn = Overturned(record_id, appeal.appeal_id)
        events.append(overturn.as_event(state.subject, today, record_id=record_id, actor=actor))
    return events
