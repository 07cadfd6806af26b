"""Review cases, fulfilment and the daily sweep over the in-memory store."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.due_factories import COURT, RAIL, due, review_rulebook
from tests.factories import body, judgment, ric_number, rulebook, unpaid
from trustledger.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from trustledger.domain.evaluation import Restriction, RestrictionStatus, SubjectState
from trustledger.domain.records import EventKind
from trustledger.domain.rulebook import Scope
from trustledger.domain.transitions import next_change, transitions_due


def test_a_score_below_the_threshold_opens_one_case_and_restricts_nothing() -> None:
    d = due(review_rulebook())
    subject = ric_number()
    d.intake.submit(unpaid(subject=subject), source=COURT)
    assert d.reviews.list_open_reviews() == []
    d.intake.submit(unpaid(subject=subject), source=COURT)
    (case,) = d.reviews.list_open_reviews()
    assert (case.subject, case.score, case.below) == (subject, 600, 700)
    (letter,) = d.store.memory.notices.values()
    assert (letter.purpose, letter.target) == ("review", case.case_id)
    assert "600, below 700" in letter.text
    assert d.store.memory.derived[subject].state.restrictions == ()
    d.clock.advance(1)
    d.intake.submit(judgment(subject=ric_number()), source=COURT)
    d.sweep.advance()
    assert len(d.events(EventKind.REVIEW_OPENED)) == 1


def test_an_officers_restrict_decision_gets_its_own_notice_and_period() -> None:
    d = due(review_rulebook())
    subject = ric_number()
    d.intake.submit(unpaid(subject=subject), source=COURT)
    d.intake.submit(unpaid(subject=subject), source=COURT)
    (case,) = d.reviews.list_open_reviews()
    d.clock.advance(2)
    decision = d.reviews.decide_review(
        case.case_id,
        outcome="restrict",
        scopes=["air"],
        days=90,
        reasons="repeated refusals over two years",
        actor="officer_li",
    )
    r = decision.restriction
    assert r is not None
    assert r.reason == "review"
    assert r.legal_basis == "Test review basis, art. 1"
    assert r.noticed_on == date(2026, 11, 27)
    assert r.starts_on == date(2026, 12, 7)
    assert r.ends_on == r.starts_on + timedelta(days=89)
    assert r.status is RestrictionStatus.PENDING
    letter = d.store.memory.notices[decision.notice_id]
    assert letter.purpose == "restriction"
    assert "repeated refusals over two years" in letter.text
    assert f"review case {case.case_id}" in letter.text
    assert d.reviews.list_open_reviews() == []
    with pytest.raises(Conflict, match="was decided"):
        d.reviews.decide_review(case.case_id, outcome="no_action", reasons="r", actor="o")


def test_a_no_action_decision_tells_the_subject_and_restricts_nothing() -> None:
    d = due(review_rulebook())
    subject = ric_number()
    d.intake.submit(unpaid(subject=subject), source=COURT)
    d.intake.submit(unpaid(subject=subject), source=COURT)
    (case,) = d.reviews.list_open_reviews()
    decision = d.reviews.decide_review(
        case.case_id, outcome="no_action", reasons="arrears are disputed", actor="officer_li"
    )
    assert decision.restriction is None
    assert decision.state.restrictions == ()
    letter = d.store.memory.notices[decision.notice_id]
    assert letter.purpose == "decision"
    assert "no action" in letter.text


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"outcome": "ban"}, "outcome"),
        ({"outcome": "restrict", "scopes": [], "days": 30}, "scopes"),
        ({"outcome": "restrict", "scopes": ["sea"], "days": 30}, "scopes"),
        ({"outcome": "restrict", "scopes": ["air"], "days": 366}, "days"),
        ({"outcome": "restrict", "scopes": ["air"], "days": 0}, "days"),
        ({"outcome": "no_action", "scopes": ["air"]}, "scopes"),
        ({"outcome": "no_action", "reasons": ""}, "reasons"),
    ],
)
def test_a_review_decision_is_checked_before_anything_is_written(
    terms: dict[str, object], field: str
) -> None:
    d = due(review_rulebook())
    subject = ric_number()
    d.intake.submit(unpaid(subject=subject), source=COURT)
    d.intake.submit(unpaid(subject=subject), source=COURT)
    (case,) = d.reviews.list_open_reviews()
    before = len(d.store.memory.events)
    with pytest.raises(InvalidInput) as caught:
        d.reviews.decide_review(case.case_id, **{"reasons": "r", "actor": "o"} | terms)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert len(d.store.memory.events) == before
    with pytest.raises(NotFound):
        d.reviews.decide_review("rev_nothing", outcome="no_action", reasons="r", actor="o")


def test_fulfilment_lifts_the_restriction_the_day_it_is_reported() -> None:
    d = due()
    subject = ric_number()
    rid = d.intake.submit(judgment(subject=subject), source=COURT).record.record_id
    d.clock.advance(20)
    d.sweep.advance()
    done = d.fulfilment.report_fulfilment(rid, source_name="court_7", on=date(2026, 12, 1))
    assert done.created
    assert done.lifted == (rid,)
    (r,) = done.state.restrictions
    assert (r.status, r.lifted_on) == (RestrictionStatus.LIFTED, d.clock.today())
    (event,) = d.events(EventKind.FULFILLED)
    assert (event.on, event.data["met_on"], event.actor) == (
        d.clock.today(),
        "2026-12-01",
        "court_7",
    )
    (notice_id,) = done.notice_ids
    assert d.store.memory.notices[notice_id].purpose == "lifted"
    again = d.fulfilment.report_fulfilment(rid, source_name="court_7")
    assert not again.created
    assert len(d.events(EventKind.FULFILLED)) == 1


def test_fulfilment_does_not_lift_a_rule_without_lift_on_fulfilment() -> None:
    d = due()
    rid = d.intake.submit(body(), source=RAIL).record.record_id
    done = d.fulfilment.report_fulfilment(rid, source_name="rail_bureau")
    assert done.lifted == ()
    assert done.state.restrictions[0].status is RestrictionStatus.PENDING


def test_only_the_submitting_source_reports_fulfilment() -> None:
    d = due()
    rid = d.intake.submit(judgment(), source=COURT).record.record_id
    with pytest.raises(Forbidden):
        d.fulfilment.report_fulfilment(rid, source_name="rail_bureau")
    with pytest.raises(NotFound):
        d.fulfilment.report_fulfilment("rec_nothing", source_name="court_7")
    with pytest.raises(InvalidInput) as caught:
        d.fulfilment.report_fulfilment(rid, source_name="court_7", on=date(2027, 1, 1))
    assert caught.value.field == "on"
    assert d.events(EventKind.FULFILLED) == []


def test_the_sweep_starts_and_expires_restrictions_once_each() -> None:
    d = due()
    subject = ric_number()
    rid = d.intake.submit(body(subject=subject), source=RAIL).record.record_id
    d.clock.advance(9)
    assert d.sweep.advance().subjects == 0  # nothing changes before the start
    d.clock.advance(1)
    report = d.sweep.advance()
    assert (report.subjects, report.started, report.expired) == (1, 1, 0)
    assert d.sweep.advance().started == 0
    (started,) = d.events(EventKind.RESTRICTION_STARTED)
    assert started.data["restriction_id"] == rid
    assert started.on == date(2026, 12, 5)
    d.clock.day = date(2027, 6, 2)  # the last day
    assert d.sweep.advance().expired == 0
    d.clock.day = date(2027, 6, 3)
    report = d.sweep.advance()
    assert (report.expired, report.notices) == (1, 1)
    assert d.sweep.advance() == type(report)(date(2027, 6, 3), 0, 0, 0, 0, 0)
    (expired,) = d.events(EventKind.RESTRICTION_EXPIRED)
    assert expired.data["ends_on"] == "2027-06-02"
    letter = next(n for n in d.store.memory.notices.values() if n.purpose == "expired")
    assert "ended on 2027-06-02" in letter.text


def test_the_sweep_lets_points_lapse_after_counts_for_days() -> None:
    d = due()
    subject = ric_number()
    d.intake.submit(body(subject=subject), source=RAIL)  # decided 2026-10-20, counts 730 days
    d.clock.day = date(2028, 10, 18)
    d.sweep.advance()
    assert d.store.memory.derived[subject].state.score == 950
    d.clock.day = date(2028, 10, 19)
    assert d.sweep.advance().subjects == 1
    assert d.store.memory.derived[subject].state.score == 1000
    # Nothing changes by the calendar any more but the end of retention: a year after the last
    # day its points counted, the sweep comes back to the subject.
    erase_on = date(2029, 10, 18)
    assert d.store.memory.derived[subject].next_change_on == erase_on
    assert d.store.memory.derived[subject].erase_on == erase_on
    d.clock.day = erase_on - timedelta(days=1)
    assert d.sweep.advance().subjects == 0
    d.clock.day = erase_on
    assert d.sweep.advance().subjects == 1


def test_the_sweep_refuses_a_day_after_today() -> None:
    d = due()
    with pytest.raises(InvalidInput) as caught:
        d.sweep.advance(d.clock.today() + timedelta(days=1))
    assert caught.value.field == "on"


def test_a_restriction_overturned_before_it_starts_never_starts() -> None:
    d = due()
    subject = ric_number()
    rid = d.intake.submit(body(subject=subject), source=RAIL).record.record_id
    filed = d.appeals.file_appeal(subject, grounds="g", actor="subject")
    d.appeals.decide_appeal(filed.appeal_id, outcome="overturned", reasons="r", actor="o")
    d.clock.advance(30)
    d.sweep.advance()
    assert [e.kind for e in d.events() if e.data.get("restriction_id") == rid] == [
        EventKind.RESTRICTION_LIFTED
    ]


def test_without_a_review_policy_there_is_no_case_to_decide() -> None:
    d = due(replace(rulebook(), review=None))
    with pytest.raises(NotFound, match="no review"):
        d.reviews.decide_review("rev_1", outcome="no_action", reasons="r", actor="o")


def test_a_restriction_waiting_for_its_notice_has_no_transition_and_no_change_day() -> None:
    waiting = Restriction(
        restriction_id="rec_1",
        subject="s",
        scopes=frozenset({Scope.RAIL}),
        reason="rail.smoking",
        legal_basis="b",
        record_id="rec_1",
        case_id=None,
        noticed_on=None,
        starts_on=None,
        ends_on=None,
        lifted_on=None,
        status=RestrictionStatus.AWAITING_NOTICE,
        appeal_by=None,
    )
    state = SubjectState("s", date(2026, 11, 25), 1000, "A", (), (waiting,), (), (), (), False)
    assert transitions_due(state, []) == []
    assert next_change(state) is None
