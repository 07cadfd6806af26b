"""Retention: a record's last effect and erase day over hand-built histories, and the property that
makes erasing safe: from its erase day on, the subject's state is the same without the record."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain_factories import event, notice, noticed_record, record, rule, rulebook
from trustledger.domain.corrections import record_of
from trustledger.domain.derived import derive
from trustledger.domain.evaluation import (
    RecordStatus,
    RestrictionStatus,
    SubjectState,
    evaluate,
    evaluate_file,
)
from trustledger.domain.records import Event, EventKind, Record, known_by, recorded
from trustledger.domain.retention import Retained, erasure_due, retention
from trustledger.domain.rulebook import (
    HistoryTerm,
    Measure,
    RestrictionSpec,
    Retention,
    Rulebook,
    Scope,
)
from trustledger.domain.subject_file import SubjectFile

RAIL, AIR = frozenset({Scope.RAIL}), frozenset({Scope.AIR})
FARE = "rail.fare_evasion"
RULES = (
    rule("rail.smoking", restriction=RestrictionSpec(RAIL, 180), counts_for_days=30),
    rule("air.disorder", restriction=RestrictionSpec(AIR, 180), counts_for_days=30),
    rule(
        "court.judgment_default",
        points=-150,
        restriction=RestrictionSpec(AIR, 365, "SPC provisions"),
        lift_on_fulfilment=True,
        suspend_on_appeal=True,
        counts_for_days=30,
    ),
    rule(
        FARE,
        points=-10,
        restriction=RestrictionSpec(RAIL, 365),
        lift_on_fulfilment=True,
        counts_for_days=30,
        history=HistoryTerm(
            Measure.RECORDS, frozenset({FARE}), 180, 2, RestrictionSpec(RAIL, 120, None, 30)
        ),
    ),
    rule(
        "rail.disorder",
        points=-6,
        restriction=RestrictionSpec(RAIL, 120),
        counts_for_days=200,
        history=HistoryTerm(Measure.POINTS, frozenset({"rail.smoking", "rail.disorder"}), 365, 12),
    ),
    rule("tax.minor", points=-20, counts_for_days=90, retain_days=30),
)
RB = rulebook(*RULES)
DAY = date(2026, 1, 10)
YEAR = timedelta(days=365)


def retained(events: list[Event], on: date, rb: Rulebook = RB) -> dict[str, Retained]:
    f = SubjectFile("S1").extend(known_by(events, on))
    return {k.record_id: k for k in retention(f, evaluate_file(f, rb, on), rb)}


def decided(rec: Record, on: date, outcome: str, **data: Any) -> list[Event]:
    """An appeal against the record's restriction, filed the day after its notice."""
    appeal_id = f"a-{rec.record_id}"
    filed = event(EventKind.APPEAL_FILED, rec.decided_on + timedelta(days=1), appeal_id=appeal_id,
                  target=rec.record_id, grounds="g", deadline="2026-12-31")  # fmt: skip
    decision = event(
        EventKind.APPEAL_DECIDED, on, appeal_id=appeal_id, outcome=outcome, reasons="r", **data
    )
    return [filed, decision]


def test_a_fixed_term_restriction_keeps_the_record_a_year_past_its_end() -> None:
    rec = record("air.disorder", decided_on=DAY)
    events = noticed_record(rec)
    r = evaluate(events, RB, DAY).restrictions[0]
    assert r.ends_on == DAY + timedelta(days=10 + 179)  # outlasts its 30 days of points
    kept = retained(events, DAY + timedelta(days=400))[rec.record_id]
    assert kept.last_effect == r.ends_on
    assert kept.erase_on == r.ends_on + YEAR


def test_the_sweep_erases_on_the_erase_day_and_is_told_to_come_back_then() -> None:
    rec = record("air.disorder", decided_on=DAY)
    events = noticed_record(rec)
    erase_on = DAY + timedelta(days=189) + YEAR
    before = erasure_due(events, RB, erase_on - timedelta(days=1), subject="S1")
    assert (before.due, before.next_on) == ((), erase_on)
    on = erasure_due(events, RB, erase_on, subject="S1")
    assert (on.due, on.next_on) == ((rec.record_id,), None)


def test_a_debt_paid_early_is_kept_from_the_day_its_restriction_lifts() -> None:
    rec = record("court.judgment_default", decided_on=DAY)
    paid = DAY + timedelta(days=45)
    events = [*noticed_record(rec), event(EventKind.FULFILLED, paid, record_id=rec.record_id)]
    assert evaluate(events, RB, paid).restrictions[0].status is RestrictionStatus.LIFTED
    kept = retained(events, paid + timedelta(days=1))[rec.record_id]
    assert (kept.last_effect, kept.erase_on) == (paid, paid + YEAR)


def test_a_record_overturned_on_appeal_ends_its_effect_on_the_decision_day() -> None:
    rec = record("court.judgment_default", decided_on=DAY)
    overturned = DAY + timedelta(days=20)
    events = [*noticed_record(rec), *decided(rec, overturned, "overturned")]
    kept = retained(events, overturned + timedelta(days=60))[rec.record_id]
    assert (kept.last_effect, kept.erase_on) == (overturned, overturned + YEAR)


def test_a_record_whose_appeal_is_still_open_has_no_erase_day() -> None:
    rec = record("court.judgment_default", decided_on=DAY)
    events = [*noticed_record(rec), *decided(rec, DAY + timedelta(days=900), "upheld")]
    later = DAY + timedelta(days=800)  # the restriction and the points have long ended
    assert retained(events, later)[rec.record_id] == Retained(rec.record_id, None, None)
    assert erasure_due(events, RB, later, subject="S1").next_on is None
    decided_day = retained(events, DAY + timedelta(days=900))[rec.record_id]
    assert decided_day.last_effect == DAY + timedelta(days=900)


def test_a_restriction_waiting_for_its_notice_leaves_the_erase_day_unknown() -> None:
    rec = record("air.disorder", decided_on=DAY)
    kept = retained([recorded(rec, on=DAY)], DAY + timedelta(days=800))[rec.record_id]
    assert kept.erase_on is None


def test_a_fare_counted_by_a_later_repeat_is_kept_while_the_repeat_may_still_bar() -> None:
    first = record(FARE, occurred_on=DAY, decided_on=DAY)
    paid = event(EventKind.FULFILLED, DAY + timedelta(days=12), record_id=first.record_id)
    second = record(
        FARE, occurred_on=DAY + timedelta(days=100), decided_on=DAY + timedelta(days=100)
    )
    events = [*noticed_record(first), paid, *noticed_record(second)]
    on = DAY + timedelta(days=700)
    state = evaluate(events, RB, on)
    repeat = next(r for r in state.restrictions if r.record_id == second.record_id)
    assert next(a for a in state.assessments if a.record.record_id == second.record_id).term_holds
    assert repeat.starts_on is not None
    kept = retained(events, on)
    # Alone, the first ended on its payment; erased, the second would restrict on other terms
    # (its rule's own 365 days), so it is kept until those could have ended.
    assert kept[first.record_id].last_effect == repeat.starts_on + timedelta(days=364)
    # The second outlasts its repeat: a third fare inside its window would count it.
    assert repeat.ends_on is not None
    assert repeat.ends_on < second.occurred_on + timedelta(days=180)
    assert kept[second.record_id].last_effect == second.occurred_on + timedelta(days=180)


def test_a_record_is_kept_while_a_later_record_inside_the_window_could_still_count_it() -> None:
    smoke = record("rail.smoking", occurred_on=DAY, decided_on=DAY)
    events = noticed_record(smoke)
    kept = retained(events, DAY + timedelta(days=400))[smoke.record_id]
    r = evaluate(events, RB, DAY).restrictions[0]
    assert r.ends_on is not None
    assert r.ends_on < DAY + timedelta(days=365)
    # rail.disorder's points term counts smoking within 365 days: a disorder until then would.
    assert kept.last_effect == DAY + timedelta(days=365)


def test_a_withdrawn_record_stops_having_effect_the_day_it_is_withdrawn() -> None:
    rec = record("court.judgment_default", decided_on=DAY)
    gone = DAY + timedelta(days=15)
    withdrawn = event(EventKind.WITHDRAWN, gone, record_id=rec.record_id, reason="wrong person")
    events = [*noticed_record(rec), withdrawn]
    kept = retained(events, gone + timedelta(days=1))[rec.record_id]
    assert (kept.last_effect, kept.erase_on) == (gone, gone + YEAR)


def test_a_withdrawn_records_undecided_appeal_keeps_it_until_the_appeals_deadline() -> None:
    rec = record("court.judgment_default", decided_on=DAY)
    filed = event(EventKind.APPEAL_FILED, DAY + timedelta(days=11), appeal_id="a1",
                  target=rec.record_id, grounds="g", deadline="2026-02-05")  # fmt: skip
    gone = DAY + timedelta(days=15)
    withdrawn = event(EventKind.WITHDRAWN, gone, record_id=rec.record_id, reason="wrong person")
    events = [*noticed_record(rec), filed, withdrawn]
    deadline = date(2026, 2, 5)
    # Nothing is left to decide: the appeal holds the record until its deadline, not forever.
    for on in (gone + timedelta(days=1), deadline + timedelta(days=400)):
        kept = retained(events, on)[rec.record_id]
        assert (kept.last_effect, kept.erase_on) == (deadline, deadline + YEAR), on
    assert erasure_due(events, RB, deadline + YEAR, subject="S1").due == (rec.record_id,)
    # Decided after all, late: the decision is the record's last effect.
    late = deadline + timedelta(days=30)
    decision = event(EventKind.APPEAL_DECIDED, late, appeal_id="a1", outcome="upheld", reasons="r")
    kept = retained([*events, decision], late + timedelta(days=1))[rec.record_id]
    assert (kept.last_effect, kept.erase_on) == (late, late + YEAR)


def test_an_undecided_appeal_keeps_a_record_in_force_without_end() -> None:
    rec = record("court.judgment_default", decided_on=DAY)
    filed = event(EventKind.APPEAL_FILED, DAY + timedelta(days=11), appeal_id="a1",
                  target=rec.record_id, grounds="g", deadline="2026-02-05")  # fmt: skip
    # Not withdrawn: the appeal may still lift its restriction, overdue or not.
    kept = retained([*noticed_record(rec), filed], DAY + timedelta(days=900))[rec.record_id]
    assert kept == Retained(rec.record_id, None, None)


def test_a_review_case_opened_while_the_record_counts_keeps_it_until_the_case_ends() -> None:
    rec = record("tax.minor", decided_on=DAY)
    opened = event(EventKind.REVIEW_OPENED, DAY + timedelta(days=5), case_id="c1", score=800,
                   below=850)  # fmt: skip
    events = [*noticed_record(rec), opened]
    later = DAY + timedelta(days=200)
    assert retained(events, later)[rec.record_id].erase_on is None
    no_action = event(EventKind.REVIEW_DECIDED, DAY + timedelta(days=150), case_id="c1",
                      outcome="no_action", scopes=[], days=0, reasons="r")  # fmt: skip
    kept = retained([*events, no_action], later)[rec.record_id]
    assert kept.last_effect == DAY + timedelta(days=150)


def test_a_rules_own_retain_days_and_the_headers_default_are_used() -> None:
    tax, smoke = (
        record("tax.minor", decided_on=DAY),
        record("court.judgment_default", decided_on=DAY),
    )
    paid = event(EventKind.FULFILLED, DAY + timedelta(days=40), record_id=smoke.record_id)
    events = [*noticed_record(tax), *noticed_record(smoke), paid]
    short = replace(RB, retention=Retention(100, 1825))
    kept = retained(events, DAY + timedelta(days=300), short)
    assert kept[tax.record_id].erase_on == DAY + timedelta(days=89 + 30)  # its own 30
    assert kept[smoke.record_id].erase_on == DAY + timedelta(days=40 + 100)  # the default


def test_a_record_that_never_counts_is_kept_from_the_day_it_arrived() -> None:
    checked = rule(
        "social_insurance.unpaid",
        points=-80,
        condition="record.amount_cny >= 5000",
        restriction=RestrictionSpec(AIR, 365, "385"),
        attributes=(("amount_cny", "int"),),
    )
    rb = rulebook(checked, rule("tax.notice_only", points=0))
    small = record("social_insurance.unpaid", decided_on=DAY, attributes={"amount_cny": 100})
    nothing = record("tax.notice_only", decided_on=DAY)
    arrived = DAY + timedelta(days=3)
    events = [*noticed_record(small, on=arrived), *noticed_record(nothing, on=arrived)]
    kept = retained(events, DAY + timedelta(days=100), rb)
    assert kept[small.record_id].last_effect == arrived
    assert kept[nothing.record_id].last_effect == arrived


def test_a_term_in_force_only_after_the_window_closes_does_not_keep_the_record() -> None:
    later_term = rule(
        "rail.disorder",
        points=-6,
        restriction=RestrictionSpec(RAIL, 120),
        effective_from=DAY + timedelta(days=400),
        history=HistoryTerm(Measure.POINTS, frozenset({"rail.smoking"}), 365, 12),
    )
    rb = rulebook(RULES[0], later_term)
    smoke = record("rail.smoking", occurred_on=DAY, decided_on=DAY)
    events = noticed_record(smoke)
    ends = evaluate(events, rb, DAY).restrictions[0].ends_on
    assert retained(events, DAY + timedelta(days=400), rb)[smoke.record_id].last_effect == ends


def test_next_change_on_covers_the_erase_day() -> None:
    rec = record("tax.minor", decided_on=DAY)
    events = noticed_record(rec)
    on = DAY + timedelta(days=100)  # its points lapsed on day 90: nothing changes any more
    f = SubjectFile("S1").extend(events)
    d = derive(f, evaluate_file(f, RB, on), RB, 1)
    assert d.erase_on == DAY + timedelta(days=89 + 30)
    assert d.next_change_on == d.erase_on
    early = derive(f, evaluate_file(f, RB, DAY), RB, 1)
    assert early.next_change_on == DAY + timedelta(days=90)  # the points lapse first


def test_a_subject_derived_after_a_records_erase_day_is_the_sweeps_today() -> None:
    rec = record("tax.minor", decided_on=DAY)
    f = SubjectFile("S1").extend(noticed_record(rec))
    late = DAY + timedelta(days=200)  # past its erase day, not yet erased (a write came first)
    d = derive(f, evaluate_file(f, RB, late), RB, 1)
    assert d.next_change_on == late


# The property: over random histories, on and after each record's erase day the state is the same
# with and without it (score, band, the restrictions not ended, open cases and appeals, review).
START = date(2026, 1, 1)
# Kept one day after the last effect (the least the linter allows): a longer retention would hide
# a last effect computed too early.
SHARP = replace(RB, retention=Retention(1, 1825))
TYPES = tuple(r.code for r in RULES)
ENDED = frozenset({RestrictionStatus.LIFTED, RestrictionStatus.EXPIRED})
STOPPED = frozenset({RecordStatus.WITHDRAWN, RecordStatus.OVERTURNED})


def _maybe(draw: Any, share: float) -> bool:
    return bool(draw(st.floats(0, 1)) < share)


def _record_events(draw: Any, n: int) -> list[Event]:
    occurred = START + timedelta(days=draw(st.integers(0, 400)))
    decided = occurred + timedelta(days=draw(st.integers(0, 30)))
    rec = Record(record_id=f"r{n}", subject="S1", type=draw(st.sampled_from(TYPES)),
                 occurred_on=occurred, decided_on=decided, source="src", case_ref=f"c{n}")  # fmt: skip
    on = rec.decided_on + timedelta(days=draw(st.integers(0, 10)))
    events = [recorded(rec, on=on), notice(rec, on)]
    later = [on + timedelta(days=draw(st.integers(0, 300))) for _ in range(3)]
    rid = rec.record_id
    if _maybe(draw, 0.4):
        events.append(event(EventKind.FULFILLED, later[0], record_id=rid))
    if _maybe(draw, 0.15):
        events.append(event(EventKind.WITHDRAWN, later[1], record_id=rid, reason="r"))
    if _maybe(draw, 0.35):
        filed = on + timedelta(days=draw(st.integers(0, 14)))
        events.append(event(EventKind.APPEAL_FILED, filed, appeal_id=f"a{n}", target=rid,
                            grounds="g", deadline="2027-12-31"))  # fmt: skip
        outcome = draw(st.sampled_from(["upheld", "overturned", "modified", "pending"]))
        if outcome != "pending":
            ends = (filed + timedelta(days=draw(st.integers(0, 200)))).isoformat()
            data = {"ends_on": ends} if outcome == "modified" else {}
            events.append(event(EventKind.APPEAL_DECIDED, max(filed, later[2]), appeal_id=f"a{n}",
                                outcome=outcome, reasons="r", **data))  # fmt: skip
    return events


def _case_events(draw: Any) -> list[Event]:
    opened = START + timedelta(days=draw(st.integers(0, 500)))
    events = [event(EventKind.REVIEW_OPENED, opened, case_id="c1", score=800, below=850)]
    outcome = draw(st.sampled_from(["restrict", "no_action", "pending"]))
    if outcome != "pending":
        on = opened + timedelta(days=draw(st.integers(0, 60)))
        scopes = ["air"] if outcome == "restrict" else []
        events.append(event(EventKind.REVIEW_DECIDED, on, case_id="c1", outcome=outcome,
                            scopes=scopes, days=60, reasons="r"))  # fmt: skip
        events.append(notice("c1", on))
    return events


@st.composite
def histories(draw: Any) -> list[Event]:
    events = [e for n in range(draw(st.integers(1, 6))) for e in _record_events(draw, n)]
    if _maybe(draw, 0.3):
        events += _case_events(draw)
    return events


def _without(events: list[Event], rid: str) -> list[Event]:
    appeals = {e.data["appeal_id"] for e in events
               if e.kind is EventKind.APPEAL_FILED and e.data["target"] == rid}  # fmt: skip
    return [
        e
        for e in events
        if e.record_id != rid and e.data.get("target") != rid
        and e.data.get("appeal_id") not in appeals
    ]  # fmt: skip


def _seen(state: SubjectState) -> tuple[Any, ...]:
    """What erasing a record must not change."""
    restrictions = sorted(
        (r.restriction_id, r.status, r.starts_on, r.ends_on, r.lifted_on, sorted(r.scopes))
        for r in state.restrictions
        if r.status not in ENDED
    )
    cases = [c.case_id for c in state.review_cases if c.decided_on is None]
    # An appeal about a record withdrawn or overturned has nothing left to decide: past its
    # deadline it closes with the record (domain/retention.py, _moot).
    stopped = {a.record.record_id for a in state.assessments if a.status in STOPPED}
    appeals = [
        a.appeal_id
        for a in state.appeals
        if a.decided_on is None and not (record_of(a.target) in stopped and a.deadline < state.on)
    ]
    return (state.score, state.band, restrictions, cases, appeals, state.review_due)


def _assert_same_without(events: list[Event], rid: str, on: date) -> None:
    with_it = _seen(evaluate(events, SHARP, on))
    assert with_it == _seen(evaluate(_without(events, rid), SHARP, on)), (rid, on)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.lists(st.integers(0, 800), min_size=1, max_size=3))
def test_from_its_erase_day_on_the_state_is_the_same_without_the_record(
    events: list[Event], offsets: list[int]
) -> None:
    end = max(e.on for e in events)
    for rid, kept in retained(events, end, SHARP).items():
        if kept.erase_on is None:
            continue
        assert kept.last_effect is not None
        assert kept.erase_on > kept.last_effect
        for offset in offsets:
            on = max(kept.erase_on, end) + timedelta(days=offset)
            _assert_same_without(events, rid, on)
            assert rid in erasure_due(events, SHARP, on, subject="S1").due


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.data(), st.lists(st.integers(0, 400), max_size=2))
def test_what_the_sweep_erases_on_a_day_changes_nothing_that_day_or_after(
    events: list[Event], data: st.DataObject, offsets: list[int]
) -> None:
    """As the sweep sees it: what the registry knew by the day, with nothing new after."""
    # A day up to some 15 months after one of the events: where effects end and erasures fall.
    after = data.draw(st.sampled_from(events)).on
    on = after + timedelta(days=data.draw(st.integers(0, 450)))
    known = known_by(events, on)
    erasure = erasure_due(known, SHARP, on, subject="S1")
    assert erasure.next_on is None or erasure.next_on > on
    for rid in erasure.due:
        for offset in (0, *offsets):
            _assert_same_without(known, rid, on + timedelta(days=offset))
