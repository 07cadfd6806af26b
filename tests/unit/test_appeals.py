"""Appeals over the in-memory store: who may file, within what window, and what a decision does."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.due_factories import COURT, RAIL, Due, due
from tests.factories import body, judgment, ric_number, rulebook
from trustledger.domain.errors import Conflict, InvalidInput, NotFound, Unauthorized
from trustledger.domain.evaluation import AppealOutcome, RestrictionStatus
from trustledger.domain.identity import scheme_named
from trustledger.domain.notice_requests import IssuedNotice
from trustledger.domain.records import EventKind
from trustledger.services.due_process.appeals import Appeals
from trustledger.services.due_process.state import Evaluator


def restricted(d: Due, **overrides: object) -> tuple[str, IssuedNotice]:
    subject = ric_number()
    result = d.intake.submit(judgment(subject=subject, **overrides), source=COURT)
    return subject, result.notices[0]


def test_the_subject_files_an_appeal_with_the_code_of_its_notice() -> None:
    d = due()
    subject, notice = restricted(d)
    filed = d.appeals.file_appeal(
        subject, grounds="I paid in full", actor="subject", access_code=notice.access_code
    )
    assert filed.target == notice.target
    assert filed.deadline == filed.filed_on + timedelta(days=15)
    (event,) = d.events(EventKind.APPEAL_FILED)
    assert event.data["grounds"] == "I paid in full"
    assert event.data["deadline"] == filed.deadline.isoformat()
    assert event.actor == "subject"
    assert any(a.action == "appeal.file" and a.subject == subject for a in d.store.memory.audit)
    assert [a.appeal_id for a in d.appeals.list_pending()] == [filed.appeal_id]


def test_a_wrong_code_files_nothing() -> None:
    d = due()
    subject, _ = restricted(d)
    _, notice = restricted(d)
    with pytest.raises(Unauthorized):
        d.appeals.file_appeal(subject, grounds="x", actor="subject", access_code=notice.access_code)
    assert d.events(EventKind.APPEAL_FILED) == []


def test_an_officer_files_on_the_subjects_behalf_without_a_code() -> None:
    d = due()
    subject, notice = restricted(d)
    filed = d.appeals.file_appeal(subject, grounds="by phone", actor="officer_li")
    assert filed.target == notice.target
    entry = next(a for a in d.store.memory.audit if a.action == "appeal.file")
    assert entry.actor == "officer_li"
    assert "on the subject's behalf" in entry.detail


@pytest.mark.parametrize("grounds", ["", "   ", None])
def test_an_appeal_needs_grounds(grounds: object) -> None:
    d = due()
    subject, _ = restricted(d)
    with pytest.raises(InvalidInput) as caught:
        d.appeals.file_appeal(subject, grounds=grounds, actor="subject")  # type: ignore[arg-type]
    assert caught.value.field == "grounds"


def test_with_two_restrictions_the_appeal_names_its_record() -> None:
    d = due()
    subject, notice = restricted(d)
    d.intake.submit(body(subject=subject), source=RAIL)
    with pytest.raises(InvalidInput) as caught:
        d.appeals.file_appeal(subject, grounds="x", actor="subject")
    assert caught.value.field == "record_id"
    filed = d.appeals.file_appeal(subject, grounds="x", actor="subject", target=notice.target)
    assert filed.target == notice.target


def test_an_appeal_targets_only_the_subjects_own_restrictions() -> None:
    d = due()
    subject, _ = restricted(d)
    _, other_notice = restricted(d)
    with pytest.raises(InvalidInput, match="no restriction of this subject") as caught:
        d.appeals.file_appeal(subject, grounds="x", actor="subject", target=other_notice.target)
    assert caught.value.field == "record_id"


def test_the_appeal_window_closes_appeal_days_after_the_notice() -> None:
    d = due()
    subject, _ = restricted(d)
    d.clock.advance(15)
    d.appeals.file_appeal(subject, grounds="on the last day", actor="subject")
    late, _ = restricted(d, case_ref="J-late")
    d.clock.advance(16)
    with pytest.raises(Conflict, match="closed on"):
        d.appeals.file_appeal(late, grounds="too late", actor="subject")


def test_one_pending_appeal_per_restriction() -> None:
    d = due()
    subject, _ = restricted(d)
    d.appeals.file_appeal(subject, grounds="first", actor="subject")
    with pytest.raises(Conflict, match="pending"):
        d.appeals.file_appeal(subject, grounds="second", actor="subject")


def test_an_overturn_lifts_the_restriction_and_restores_the_score() -> None:
    d = due()
    subject, notice = restricted(d)
    d.clock.advance(12)
    d.sweep.advance()
    assert d.store.memory.derived[subject].state.restrictions[0].status is RestrictionStatus.ACTIVE
    filed = d.appeals.file_appeal(subject, grounds="not me", actor="subject")
    decided = d.appeals.decide_appeal(
        filed.appeal_id, outcome="overturned", reasons="wrong person", actor="officer_li"
    )
    (r,) = decided.state.restrictions
    assert r.status is RestrictionStatus.LIFTED
    assert r.lifted_on == d.clock.today()
    assert decided.state.score == 1000
    lifted = d.events(EventKind.RESTRICTION_LIFTED)
    assert [e.data["restriction_id"] for e in lifted] == [notice.target]
    assert [e.record_id for e in d.events(EventKind.OVERTURNED)] == [notice.target]
    letters = d.store.memory.notices
    decision = letters[decided.notice_id]
    assert decision.purpose == "decision"
    assert "overturned" in decision.text
    assert "wrong person" in decision.text
    # The decision letter tells of the lift: no second letter.
    assert [n.purpose for n in letters.values() if n.subject == subject] == [
        "restriction",
        "decision",
    ]
    assert d.appeals.list_pending() == []


def test_a_modified_decision_ends_the_restriction_earlier() -> None:
    d = due()
    subject, _ = restricted(d)
    filed = d.appeals.file_appeal(subject, grounds="too long", actor="subject")
    (r,) = filed.state.restrictions
    assert r.starts_on is not None
    assert r.ends_on is not None
    with pytest.raises(InvalidInput) as caught:
        d.appeals.decide_appeal(
            filed.appeal_id, outcome="modified", reasons="r", actor="o", ends_on=r.ends_on
        )
    assert caught.value.field == "ends_on"
    with pytest.raises(InvalidInput):
        d.appeals.decide_appeal(filed.appeal_id, outcome="modified", reasons="r", actor="o")
    new_end = r.starts_on + timedelta(days=89)
    decided = d.appeals.decide_appeal(
        filed.appeal_id, outcome="modified", reasons="90 days", actor="o", ends_on=new_end
    )
    assert decided.outcome is AppealOutcome.MODIFIED
    assert decided.state.restrictions[0].ends_on == new_end
    assert new_end.isoformat() in d.store.memory.notices[decided.notice_id].text


def test_a_decision_needs_reasons_a_known_outcome_and_an_undecided_appeal() -> None:
    d = due()
    subject, _ = restricted(d)
    filed = d.appeals.file_appeal(subject, grounds="g", actor="subject")
    with pytest.raises(InvalidInput) as caught:
        d.appeals.decide_appeal(filed.appeal_id, outcome="upheld", reasons=" ", actor="o")
    assert caught.value.field == "reasons"
    with pytest.raises(InvalidInput) as caught:
        d.appeals.decide_appeal(filed.appeal_id, outcome="maybe", reasons="r", actor="o")
    assert caught.value.field == "outcome"
    with pytest.raises(NotFound):
        d.appeals.decide_appeal("apl_nothing", outcome="upheld", reasons="r", actor="o")
    upheld = d.appeals.decide_appeal(filed.appeal_id, outcome="upheld", reasons="r", actor="o")
    assert upheld.state.restrictions[0].status is RestrictionStatus.PENDING
    with pytest.raises(Conflict, match="was decided"):
        d.appeals.decide_appeal(filed.appeal_id, outcome="overturned", reasons="r", actor="o")


def test_appeals_past_their_deadline_are_listed_as_overdue() -> None:
    d = due()
    subject, _ = restricted(d)
    filed = d.appeals.file_appeal(subject, grounds="g", actor="subject")
    assert d.appeals.list_overdue() == []
    assert d.appeals.list_overdue(filed.deadline) == []
    (overdue,) = d.appeals.list_overdue(filed.deadline + timedelta(days=1))
    assert (overdue.appeal_id, overdue.subject) == (filed.appeal_id, subject)


def test_suspend_on_appeal_suspends_the_restriction_until_the_decision() -> None:
    book = rulebook()
    rules = tuple(
        replace(r, suspend_on_appeal=True) if r.code == "rail.smoking" else r for r in book.rules
    )
    d = due(replace(book, rules=rules))
    subject = ric_number()
    d.intake.submit(body(subject=subject), source=RAIL)
    d.clock.advance(11)
    d.sweep.advance()
    filed = d.appeals.file_appeal(subject, grounds="g", actor="subject")
    assert filed.state.restrictions[0].status is RestrictionStatus.SUSPENDED
    decided = d.appeals.decide_appeal(filed.appeal_id, outcome="upheld", reasons="r", actor="o")
    assert decided.state.restrictions[0].status is RestrictionStatus.ACTIVE
    assert decided.state.restrictions[0].in_effect_on(d.clock.today())
    assert decided.decided_on == date(2026, 12, 6)


def test_an_appeal_needs_a_restriction_still_in_force() -> None:
    d = due()
    bare = ric_number()
    with pytest.raises(InvalidInput, match="no restriction in force") as caught:
        d.appeals.file_appeal(bare, grounds="g", actor="officer_li")
    assert caught.value.field == "record_id"
    subject, notice = restricted(d)
    filed = d.appeals.file_appeal(subject, grounds="g", actor="subject")
    d.appeals.decide_appeal(filed.appeal_id, outcome="overturned", reasons="r", actor="o")
    with pytest.raises(Conflict, match="has lifted"):
        d.appeals.file_appeal(subject, grounds="again", actor="subject", target=notice.target)


def test_only_a_modified_decision_names_a_new_end() -> None:
    d = due()
    subject, _ = restricted(d)
    filed = d.appeals.file_appeal(subject, grounds="g", actor="subject")
    with pytest.raises(InvalidInput) as caught:
        d.appeals.decide_appeal(
            filed.appeal_id, outcome="upheld", reasons="r", actor="o", ends_on=date(2027, 1, 1)
        )
    assert caught.value.field == "ends_on"


def test_a_modification_needs_a_restriction_the_rulebook_still_derives() -> None:
    d = due()
    subject = ric_number()
    d.intake.submit(body(subject=subject), source=RAIL)
    filed = d.appeals.file_appeal(subject, grounds="g", actor="subject")
    book = rulebook()
    # A later rulebook whose smoking rule no longer restricts: nothing is left to shorten.
    rules = tuple(
        replace(r, restriction=None) if r.code == "rail.smoking" else r for r in book.rules
    )
    later = Appeals(
        d.store,
        evaluator=Evaluator(replace(book, rules=rules), scheme_named("cn-ric")),
        scheme=scheme_named("cn-ric"),
        clock=d.clock,
    )
    with pytest.raises(Conflict, match="no dates to modify"):
        later.decide_appeal(
            filed.appeal_id, outcome="modified", reasons="r", actor="o", ends_on=date(2027, 1, 1)
        )


def test_grounds_have_a_length_limit() -> None:
    d = due()
    subject, _ = restricted(d)
    with pytest.raises(InvalidInput, match="at most 10000 characters"):
        d.appeals.file_appeal(subject, grounds="x" * 10_001, actor="subject")
