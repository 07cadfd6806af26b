"""Review cases: a low score opens one (see state.Evaluator.refresh); only an officer restricts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from trustledger.domain.dockets import ReviewSummary
from trustledger.domain.errors import Conflict, InvalidInput, NotFound
from trustledger.domain.evaluation import Restriction, ReviewCase, SubjectState
from trustledger.domain.events import NoticePurpose, ReviewDecided, ReviewOutcome
from trustledger.domain.jurisdiction import OPEN, Jurisdiction
from trustledger.domain.rulebook import ReviewPolicy, Rulebook, Scope
from trustledger.domain.texts import N_, Message
from trustledger.services.due_process.decisions import LIST_LIMIT, deciding, outcome_of, written
from trustledger.services.due_process.state import Evaluator, NoticeRequest
from trustledger.services.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    case_id: str
    subject: str
    outcome: ReviewOutcome
    decided_on: date
    restriction: Restriction | None  # a restrict decision's restriction, pending its notice period
    notice_id: str  # the restriction notice, or the no-action decision notice
    state: SubjectState


class Reviews:
    def __init__(
        self, uow: UnitOfWorkFactory, *, evaluator: Evaluator, rulebook: Rulebook, clock: Clock
    ) -> None:
        self._uow = uow
        self._evaluator = evaluator
        self._rulebook = rulebook
        self._clock = clock

    def decide_review(
        self,
        case_id: str,
        *,
        outcome: str,
        reasons: str,
        actor: str,
        scopes: Iterable[str] = (),
        days: int = 0,
        fence: Jurisdiction = OPEN,
    ) -> ReviewDecision:
        """The officer's decision; `restrict` names scopes and days (at most the review policy's
        max_days) and its restriction gets its own notice at once, starting after notice_days."""
        policy = self._rulebook.review
        if policy is None:
            raise NotFound(
                Message.of(
                    N_("review case %(case)r does not exist (the rulebook has no review)"),
                    case=case_id,
                )
            )
        decided = outcome_of(ReviewOutcome, outcome)
        chosen = _terms(decided, frozenset(scopes), days, policy)
        reasons = written("reasons", reasons)
        actor = written("actor", actor, limit=128)
        # An unknown id reads no one's state, where _open_case finds nothing.
        with deciding(
            self._uow,
            self._evaluator,
            self._clock,
            lambda uow: uow.dockets.case_subject(case_id) or "",
        ) as d:
            _open_case(d.state, case_id)
            d.admit(fence, actor=actor)
            subject, today = d.subject, d.today
            payload = ReviewDecided(case_id, decided, chosen, days if chosen else 0, reasons)
            requests = []
            if decided is ReviewOutcome.NO_ACTION:
                extra: dict[str, Any] = {
                    "outcome": decided.value,
                    "reasons": reasons,
                    "decided_on": today,
                }
                requests.append(NoticeRequest(subject, NoticePurpose.DECISION, case_id, extra))
            # A restrict decision's restriction waits for its notice: the refresh issues it.
            refreshed = d.write(
                [payload.as_event(subject, today, actor=actor)],
                actor=actor,
                action="review.decide",
                purpose="review",
                detail=f"{case_id} {decided.value}",
                requests=requests,
            )
        after = refreshed.state(subject)
        notice = next(n for n in refreshed.notices if n.target == case_id)
        restriction = next((r for r in after.restrictions if r.case_id == case_id), None)
        return ReviewDecision(
            case_id, subject, decided, today, restriction, notice.notice_id, after
        )

    def list_open_reviews(
        self, *, limit: int = LIST_LIMIT, fence: Jurisdiction = OPEN
    ) -> list[ReviewSummary]:
        """Cases inside the officer's `fence` waiting for a decision, the oldest first."""
        with self._uow(readonly=True) as uow:
            return uow.dockets.open_reviews(limit=limit, fence=fence)


def _terms(
    outcome: ReviewOutcome, scopes: frozenset[str], days: int, policy: ReviewPolicy
) -> frozenset[Scope]:
    if outcome is ReviewOutcome.NO_ACTION:
        if scopes or days:
            raise InvalidInput("scopes", N_("only a restrict decision names scopes and days"))
        return frozenset()
    if not scopes:
        raise InvalidInput("scopes", N_("a restrict decision names at least one scope"))
    try:
        chosen = frozenset(Scope(s) for s in scopes)
    except ValueError as exc:
        names = ", ".join(s.value for s in Scope)
        raise InvalidInput(
            "scopes", Message.of(N_("each must be one of %(names)s"), names=names)
        ) from exc
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= policy.max_days:
        raise InvalidInput(
            "days",
            Message.of(N_("must be a whole number from 1 to %(most)s"), most=policy.max_days),
        )
    return chosen


def _open_case(state: SubjectState, case_id: str) -> ReviewCase:
    case = next((c for c in state.review_cases if c.case_id == case_id), None)
    if case is None:
        raise NotFound(Message.of(N_("review case %(case)r does not exist"), case=case_id))
    if case.decided_on is not None:
        raise Conflict(
            Message.of(
                N_("review case %(case)s was decided on %(day)s: %(outcome)s"),
                case=case_id,
                day=case.decided_on,
                outcome=Message(str(case.outcome).replace("_", " ")),
            )
        )
    return case
