"""Evaluation of one subject: scores, bands, restrictions and their due-process dates."""

from __future__ import annotations

from datetime import date, timedelta

from domain_factories import event, notice, noticed_record, record, rule, rulebook
from trustledger.domain.evaluation import RecordStatus, RestrictionStatus, evaluate, notices_due
from trustledger.domain.records import EventKind, recorded
from trustledger.domain.rulebook import Mode, RestrictionSpec, Scope, SeatClass, scopes_for

RB = rulebook()
DAY = date(2026, 1, 15)


def test_a_record_without_a_notice_never_restricts_and_is_due_one() -> None:
    rec = record(decided_on=DAY)
    state = evaluate([recorded(rec, on=DAY)], RB, DAY + timedelta(days=30))
    (restriction,) = state.restrictions
    assert restriction.status is RestrictionStatus.AWAITING_NOTICE
    assert not restriction.in_effect_on(DAY + timedelta(days=30))
    assert notices_due(state) == [restriction]


def test_a_record_overturned_before_any_notice_is_lifted_and_due_no_notice() -> None:
    rec = record(decided_on=DAY)
    overturned = event(EventKind.OVERTURNED, DAY + timedelta(days=3), record_id=rec.record_id)
    events = [recorded(rec, on=DAY), overturned]
    before = evaluate(events, RB, DAY + timedelta(days=2))
    assert [r.status for r in before.restrictions] == [RestrictionStatus.AWAITING_NOTICE]
    state = evaluate(events, RB, DAY + timedelta(days=3))
    (restriction,) = state.restrictions
    assert restriction.status is RestrictionStatus.LIFTED
    assert (restriction.starts_on, restriction.ends_on) == (None, None)
    assert restriction.lifted_on == DAY + timedelta(days=3)
    assert notices_due(state) == []


def test_a_debt_paid_before_any_notice_is_lifted_and_due_no_notice() -> None:
    rec = record("court.judgment_default", decided_on=DAY, attributes={"amount_cny": 90000})
    paid = event(EventKind.FULFILLED, DAY + timedelta(days=1), record_id=rec.record_id)
    state = evaluate([recorded(rec, on=DAY), paid], RB, DAY + timedelta(days=1))
    assert [r.status for r in state.restrictions] == [RestrictionStatus.LIFTED]
    assert notices_due(state) == []


def test_a_restriction_starts_notice_days_after_the_notice_and_lasts_its_days() -> None:
    rec = record(decided_on=DAY)
    events = noticed_record(rec)
    (r,) = evaluate(events, RB, DAY).restrictions
    assert r.status is RestrictionStatus.PENDING
    assert r.starts_on == DAY + timedelta(days=10)
    assert r.ends_on == r.starts_on + timedelta(days=179)
    assert r.appeal_by == DAY + timedelta(days=15)
    assert evaluate(events, RB, r.starts_on).restrictions[0].status is RestrictionStatus.ACTIVE
    assert evaluate(events, RB, r.ends_on).restrictions[0].status is RestrictionStatus.ACTIVE
    after = evaluate(events, RB, r.ends_on + timedelta(days=1)).restrictions[0]
    assert after.status is RestrictionStatus.EXPIRED


def test_score_counts_points_of_records_in_force_and_sets_the_band() -> None:
    events = noticed_record(record(decided_on=DAY)) + noticed_record(
        record("court.judgment_default", decided_on=DAY, attributes={"amount_cny": 9000})
    )
    state = evaluate(events, RB, DAY)
    assert state.score == 1000 - 50 - 150
    assert state.band == "C"
    assert state.review_due


def test_points_stop_counting_after_counts_for_days() -> None:
    events = noticed_record(record(decided_on=DAY))
    later = evaluate(events, RB, DAY + timedelta(days=730))
    assert later.score == 1000
    assert later.assessments[0].status is RecordStatus.LAPSED
    assert evaluate(events, RB, DAY + timedelta(days=729)).score == 950


def test_a_record_arriving_after_its_limitation_neither_scores_nor_restricts() -> None:
    rec = record(decided_on=DAY)
    late = DAY + timedelta(days=730)
    state = evaluate(noticed_record(rec, on=late), RB, late)
    assert state.assessments[0].status is RecordStatus.TIME_BARRED
    assert state.score == 1000
    assert state.restrictions == ()


def test_a_condition_that_does_not_hold_makes_the_record_not_count() -> None:
    small = record(
        "social_insurance.unpaid",
        decided_on=DAY,
        attributes={"amount_cny": 100, "months_unpaid": 1},
    )
    big = record(
        "social_insurance.unpaid",
        decided_on=DAY,
        attributes={"amount_cny": 100, "months_unpaid": 4},
    )
    state = evaluate(noticed_record(small) + noticed_record(big), RB, DAY)
    statuses = {a.record.record_id: a.status for a in state.assessments}
    assert statuses[small.record_id] is RecordStatus.NOT_APPLICABLE
    assert statuses[big.record_id] is RecordStatus.IN_FORCE
    assert [r.record_id for r in state.restrictions] == [big.record_id]


def test_a_condition_with_a_missing_attribute_does_not_hold() -> None:
    rec = record("social_insurance.unpaid", decided_on=DAY, attributes={"amount_cny": 9000})
    state = evaluate(noticed_record(rec), RB, DAY)
    assert state.assessments[0].status is RecordStatus.IN_FORCE
    rec2 = record("social_insurance.unpaid", decided_on=DAY, attributes={})
    assert (
        evaluate(noticed_record(rec2), RB, DAY).assessments[0].status is RecordStatus.NOT_APPLICABLE
    )


def test_conduct_before_any_rule_version_does_not_count() -> None:
    rec = record(occurred_on=date(2017, 1, 1), decided_on=date(2018, 6, 1))
    state = evaluate(noticed_record(rec), RB, date(2018, 6, 1))
    assert state.assessments[0].status is RecordStatus.NO_RULE
    assert state.restrictions == ()


def test_an_overturned_record_lifts_the_restriction_and_restores_the_score() -> None:
    rec = record(decided_on=DAY)
    over = DAY + timedelta(days=20)
    events = [*noticed_record(rec), event(EventKind.OVERTURNED, over, record_id=rec.record_id)]
    before = evaluate(events, RB, over - timedelta(days=1))
    assert before.restrictions[0].status is RestrictionStatus.ACTIVE
    state = evaluate(events, RB, over)
    assert state.score == 1000
    (r,) = state.restrictions
    assert r.status is RestrictionStatus.LIFTED
    assert r.lifted_on == over
    assert not r.in_effect_on(over)


def test_fulfilment_lifts_only_rules_that_lift_on_fulfilment() -> None:
    court = record("court.judgment_default", decided_on=DAY, attributes={"amount_cny": 1})
    smoke = record(decided_on=DAY)
    paid = DAY + timedelta(days=40)
    events = [
        *noticed_record(court),
        *noticed_record(smoke),
        event(EventKind.FULFILLED, paid, record_id=court.record_id),
        event(EventKind.FULFILLED, paid, record_id=smoke.record_id),
    ]
    state = evaluate(events, RB, paid)
    status = {r.record_id: r.status for r in state.restrictions}
    assert status[court.record_id] is RestrictionStatus.LIFTED
    assert status[smoke.record_id] is RestrictionStatus.ACTIVE


def test_a_pending_appeal_suspends_a_restriction_whose_rule_says_so() -> None:
    court = record("court.judgment_default", decided_on=DAY, attributes={"amount_cny": 1})
    filed = DAY + timedelta(days=12)
    decided = DAY + timedelta(days=20)
    appeal = event(
        EventKind.APPEAL_FILED,
        filed,
        appeal_id="a1",
        target=court.record_id,
        grounds="paid",
        deadline="2026-02-11",
    )
    upheld = event(
        EventKind.APPEAL_DECIDED, decided, appeal_id="a1", outcome="upheld", reasons="not paid"
    )
    events = [*noticed_record(court), appeal, upheld]
    assert evaluate(events, RB, filed).restrictions[0].status is RestrictionStatus.SUSPENDED
    assert evaluate(events, RB, decided).restrictions[0].status is RestrictionStatus.ACTIVE
    assert evaluate(events, RB, decided).appeals[0].outcome is not None


def test_an_appeal_overturned_lifts_and_a_modified_one_shortens() -> None:
    a = record(decided_on=DAY)
    b = record(decided_on=DAY)
    day = DAY + timedelta(days=30)
    new_end = DAY + timedelta(days=50)
    events = [
        *noticed_record(a),
        *noticed_record(b),
        event(
            EventKind.APPEAL_FILED,
            DAY,
            appeal_id="x",
            target=a.record_id,
            grounds="g",
            deadline="2026-02-01",
        ),
        event(
            EventKind.APPEAL_FILED,
            DAY,
            appeal_id="y",
            target=b.record_id,
            grounds="g",
            deadline="2026-02-01",
        ),
        event(EventKind.APPEAL_DECIDED, day, appeal_id="x", outcome="overturned", reasons="r"),
        event(
            EventKind.APPEAL_DECIDED,
            day,
            appeal_id="y",
            outcome="modified",
            reasons="r",
            ends_on=new_end.isoformat(),
        ),
    ]
    state = evaluate(events, RB, day)
    by = {r.record_id: r for r in state.restrictions}
    assert by[a.record_id].status is RestrictionStatus.LIFTED
    assert by[b.record_id].ends_on == new_end
    assert state.score == 950


def test_a_review_case_restricts_only_after_the_officers_decision_and_its_notice() -> None:
    opened = event(EventKind.REVIEW_OPENED, DAY, case_id="c1", score=700, below=850)
    decided = event(
        EventKind.REVIEW_DECIDED,
        DAY + timedelta(days=5),
        case_id="c1",
        outcome="restrict",
        scopes=["air"],
        days=400,
        reasons="repeated",
    )
    assert evaluate([opened], RB, DAY).restrictions == ()
    state = evaluate([opened, decided], RB, DAY + timedelta(days=5))
    (r,) = state.restrictions
    assert r.status is RestrictionStatus.AWAITING_NOTICE
    assert r.reason == "review"
    n = notice("c1", DAY + timedelta(days=6))
    r = evaluate([opened, decided, n], RB, DAY + timedelta(days=16)).restrictions[0]
    assert r.status is RestrictionStatus.ACTIVE
    assert r.ends_on is not None
    assert r.starts_on is not None
    assert (r.ends_on - r.starts_on).days == 364


def test_rail_premium_restrictions_bar_premium_seats_only() -> None:
    premium = scopes_for(Mode.RAIL, SeatClass.PREMIUM)
    standard = scopes_for(Mode.RAIL, SeatClass.STANDARD)
    court = record("court.judgment_default", decided_on=DAY, attributes={"amount_cny": 1})
    state = evaluate(noticed_record(court), RB, DAY + timedelta(days=10))
    day = DAY + timedelta(days=10)
    assert state.restriction_on(day, premium) is not None
    assert state.restriction_on(day, standard) is None
    assert state.restriction_on(day, scopes_for(Mode.AIR)) is not None


def test_a_review_is_due_once_per_fall_below_the_threshold() -> None:
    recs = [
        record("court.judgment_default", decided_on=DAY, attributes={"amount_cny": 1})
        for _ in range(2)
    ]
    events = [e for r in recs for e in noticed_record(r)]
    assert evaluate(events, RB, DAY).review_due
    opened = event(EventKind.REVIEW_OPENED, DAY, case_id="c", score=700, below=850)
    assert not evaluate([*events, opened], RB, DAY).review_due
    third = record(
        "court.judgment_default", decided_on=DAY + timedelta(days=3), attributes={"amount_cny": 1}
    )
    later = [*events, opened, *noticed_record(third)]
    assert evaluate(later, RB, DAY + timedelta(days=3)).review_due


def test_a_correction_changes_the_record_that_is_judged() -> None:
    rec = record("social_insurance.unpaid", decided_on=DAY, attributes={"amount_cny": 9000})
    fix = event(
        EventKind.CORRECTED,
        DAY + timedelta(days=1),
        record_id=rec.record_id,
        attributes={"amount_cny": 10},
    )
    state = evaluate([*noticed_record(rec), fix], RB, DAY + timedelta(days=1))
    assert state.assessments[0].status is RecordStatus.NOT_APPLICABLE
    assert state.assessments[0].record.attributes == {"amount_cny": 10}


def test_a_rule_without_restriction_only_scores() -> None:
    state = evaluate(
        noticed_record(record("tax.minor", decided_on=DAY)),
        rulebook(rule("tax.minor", points=-20)),
        DAY,
    )
    assert state.score == 980
    assert state.restrictions == ()
    assert state.band == "A"


def test_restriction_spec_scopes_are_kept() -> None:
    rb = rulebook(rule("air.x", restriction=RestrictionSpec(frozenset({Scope.AIR}), 365)))
    state = evaluate(noticed_record(record("air.x", decided_on=DAY)), rb, DAY)
    assert state.restrictions[0].scopes == frozenset({Scope.AIR})
