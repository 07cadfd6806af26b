"""DESIGN.md invariants 2-5 on random histories (hypothesis), corrections and withdrawals too."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain_factories import event, notice, record, rule, rulebook
from trustledger.domain.evaluation import SubjectFile, evaluate, evaluate_file
from trustledger.domain.records import Event, EventKind, recorded
from trustledger.domain.rulebook import MAX_RESTRICTION_DAYS, RestrictionSpec, Scope
from trustledger.domain.transitions import TRANSITION_KINDS

CUTOVER = date(2023, 1, 1)
# Two versions of one code: the later one is harsher and shorter. Non-retroactivity picks by occurred_on.
VERSIONED = rulebook(
    rule(
        "rail.smoking",
        points=-40,
        effective_to=CUTOVER - timedelta(days=1),
        restriction=RestrictionSpec(frozenset({Scope.RAIL}), 180),
    ),
    rule(
        "rail.smoking",
        points=-90,
        effective_from=CUTOVER,
        notice_days=7,
        restriction=RestrictionSpec(frozenset({Scope.RAIL}), 90),
        suspend_on_appeal=True,
    ),
    rule(
        "court.judgment_default",
        points=-150,
        restriction=RestrictionSpec(frozenset({Scope.AIR, Scope.RAIL_PREMIUM}), 365, "SPC"),
        lift_on_fulfilment=True,
    ),
    rule("tax.minor", points=-20),
)

days = st.dates(min_value=date(2018, 5, 1), max_value=date(2026, 12, 31))


TYPES = ["rail.smoking", "court.judgment_default", "tax.minor"]


@st.composite
def amendments(draw: st.DrawFn, record_id: str, arrived: date) -> list[Event]:
    """Corrections (of type or decision date), each perhaps with its decision's notice, and
    perhaps a withdrawal: what the submitting source may do after the record arrived."""
    found: list[Event] = []
    for version in range(1, draw(st.integers(1, 3))):
        fixed = arrived + timedelta(days=draw(st.integers(0, 200)))
        change = draw(st.sampled_from(["type", "decided_on"]))
        value = draw(st.sampled_from(TYPES)) if change == "type" else arrived.isoformat()
        found.append(
            event(EventKind.CORRECTED, fixed, record_id=record_id, reason="r", **{change: value})
        )
        if draw(st.booleans()):
            found.append(notice(f"{record_id}.c{version}", fixed))
    if draw(st.integers(0, 4)) == 0:
        withdrawn = arrived + timedelta(days=draw(st.integers(0, 300)))
        found.append(event(EventKind.WITHDRAWN, withdrawn, record_id=record_id, reason="r"))
    return found


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    events: list[Event] = []
    for i in range(draw(st.integers(0, 6))):
        occurred = draw(days)
        decided = occurred + timedelta(days=draw(st.integers(0, 90)))
        arrived = decided + timedelta(days=draw(st.integers(0, 900)))
        rec = record(
            draw(st.sampled_from(TYPES)),
            occurred_on=occurred,
            decided_on=decided,
        )
        events.append(recorded(rec, on=arrived))
        if draw(st.booleans()):
            events.append(notice(rec, arrived + timedelta(days=draw(st.integers(0, 30)))))
        if draw(st.integers(0, 3)) == 0:
            kind = draw(st.sampled_from([EventKind.OVERTURNED, EventKind.FULFILLED]))
            events.append(
                event(
                    kind,
                    arrived + timedelta(days=draw(st.integers(0, 400))),
                    record_id=rec.record_id,
                )
            )
        events += draw(amendments(rec.record_id, arrived))
        if draw(st.integers(0, 3)) == 0:
            filed = arrived + timedelta(days=draw(st.integers(0, 20)))
            events.append(
                event(
                    EventKind.APPEAL_FILED,
                    filed,
                    appeal_id=f"a{i}",
                    target=rec.record_id,
                    grounds="g",
                    deadline=(filed + timedelta(days=15)).isoformat(),
                )
            )
            if draw(st.booleans()):
                outcome = draw(st.sampled_from(["upheld", "overturned", "modified"]))
                ends = filed + timedelta(days=draw(st.integers(0, 200)))
                events.append(
                    event(
                        EventKind.APPEAL_DECIDED,
                        filed + timedelta(days=draw(st.integers(0, 30))),
                        appeal_id=f"a{i}",
                        outcome=outcome,
                        reasons="r",
                        ends_on=ends.isoformat(),
                    )
                )
    return [
        Event(e.kind, e.subject, e.on, e.data, e.record_id, e.actor, seq=n + 1)
        for n, e in enumerate(events)
    ]


@settings(max_examples=150, deadline=None)
@given(histories(), days)
def test_invariant_2_each_record_is_judged_by_the_rule_version_of_its_occurred_on(
    events, on
) -> None:
    state = evaluate(events, VERSIONED, on)
    for a in state.assessments:
        if a.rule is not None:
            assert a.rule.in_force_on(a.record.occurred_on)
            if a.record.type == "rail.smoking":
                assert a.rule.points == (-40 if a.record.occurred_on < CUTOVER else -90)
    # A later version added to the rulebook changes nothing about conduct before it.
    harsher = rulebook(
        *VERSIONED.rules, rule("tax.minor", points=-500, effective_from=date(2027, 1, 1))
    )
    assert evaluate(events, harsher, on) == evaluate(events, VERSIONED, on)


@settings(max_examples=150, deadline=None)
@given(histories(), days)
def test_invariant_3_and_4_no_restriction_before_its_notice_period_nor_beyond_365_days(
    events, on
) -> None:
    state = evaluate(events, VERSIONED, on)
    for r in state.restrictions:
        if r.starts_on is None:
            assert r.noticed_on is None
            assert not any(r.in_effect_on(on + timedelta(days=k)) for k in range(0, 400, 7))
            continue
        assert r.noticed_on is not None
        assert r.ends_on is not None
        rule_ = VERSIONED.rule_for(r.reason, state_record(state, r.record_id).occurred_on)
        assert rule_ is not None
        assert r.starts_on >= r.noticed_on + timedelta(days=rule_.notice_days)
        assert (r.ends_on - r.starts_on).days < MAX_RESTRICTION_DAYS
        assert not r.in_effect_on(r.noticed_on + timedelta(days=rule_.notice_days - 1))
        assert not r.in_effect_on(r.starts_on + timedelta(days=MAX_RESTRICTION_DAYS))


def state_record(state, record_id):
    return next(a.record for a in state.assessments if a.record.record_id == record_id)


@settings(max_examples=150, deadline=None)
@given(histories(), days, st.randoms(use_true_random=False))
def test_invariant_5_state_is_a_pure_function_and_incremental_equals_from_scratch(
    events, on, rnd
) -> None:
    scratch = evaluate(events, VERSIONED, on, subject="S1")
    shuffled = list(events)
    rnd.shuffle(shuffled)
    assert evaluate(shuffled, VERSIONED, on, subject="S1") == scratch
    # The incremental path: events applied as they arrive, state read between arrivals.
    f = SubjectFile("S1")
    ordered = sorted(events, key=lambda e: (e.on, e.seq))
    cut = rnd.randint(0, len(ordered))
    for e in ordered[:cut]:
        f.apply(e)
    evaluate_file(f, VERSIONED, on)
    for e in ordered[cut:]:
        f.apply(e)
    assert evaluate_file(f, VERSIONED, on) == scratch


@settings(max_examples=150, deadline=None)
@given(histories(), days)
def test_a_state_carried_over_notices_and_transitions_equals_one_from_scratch(events, on) -> None:
    # The refresh re-evaluates after issuing notices with the assessments it already had.
    added_later = {EventKind.NOTICE_ISSUED, EventKind.REVIEW_OPENED, *TRANSITION_KINDS}
    ordered = sorted(events, key=lambda e: (e.on, e.seq))
    f = SubjectFile("S1").extend(e for e in ordered if e.kind not in added_later)
    before = evaluate_file(f, VERSIONED, on)
    for e in ordered:
        if e.kind in added_later:
            f.apply(e)
    assert evaluate_file(f, VERSIONED, on, since=before) == evaluate(
        events, VERSIONED, on, subject="S1"
    )
