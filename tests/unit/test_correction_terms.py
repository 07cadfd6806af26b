"""Which corrections are new adverse decisions, and what each decision bars (domain/corrections)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from batch_factories import batch_rulebook, events_of
from tests.unit.test_history_terms import HISTORY_RULES
from trustledger.domain.corrections import Decision, Terms, announced, meet, more_adverse
from trustledger.domain.evaluation import evaluate
from trustledger.domain.events import Corrected
from trustledger.domain.records import Event
from trustledger.domain.rulebook import Scope

RAIL = Terms(frozenset({Scope.RAIL}), 180, 10)
AIR_RAIL = Terms(frozenset({Scope.AIR, Scope.RAIL}), 180, 10)
ALL = Terms(frozenset(Scope), 180, 10)
AIR = Terms(frozenset({Scope.AIR}), 180, 10)


def test_a_wider_longer_or_sooner_decision_is_more_adverse() -> None:
    assert more_adverse(AIR_RAIL, RAIL)
    assert more_adverse(Terms(RAIL.scopes, 181, 10), RAIL)
    assert more_adverse(Terms(RAIL.scopes, 180, 9), RAIL)
    assert more_adverse(RAIL, None)
    assert not more_adverse(RAIL, AIR_RAIL)
    assert not more_adverse(None, RAIL)


def test_each_adverse_correction_announces_what_it_and_every_later_version_bar() -> None:
    assert announced([RAIL, AIR_RAIL, ALL]) == [
        Decision(0, RAIL),
        Decision(1, AIR_RAIL),
        Decision(2, ALL),
    ]
    shorter = Terms(RAIL.scopes, 90, 10)
    longer = Terms(RAIL.scopes, 365, 10)
    assert announced([RAIL, shorter, longer]) == [Decision(0, shorter), Decision(2, longer)]
    # Trains, then flights only (trains lifted at once), then trains again: a new decision.
    assert announced([RAIL, AIR, RAIL]) == [
        Decision(0, RAIL, ended_by=1),
        Decision(1, AIR, ended_by=2),
        Decision(2, RAIL),
    ]
    assert announced([None, RAIL]) == [Decision(1, RAIL)]
    assert announced([RAIL, None]) == [Decision(0, RAIL, ended_by=1)]


terms = st.one_of(
    st.none(),
    st.builds(
        Terms,
        st.frozensets(st.sampled_from(list(Scope)), min_size=1),
        st.integers(1, 365),
        st.integers(0, 20),
    ),
)


@given(st.lists(terms, min_size=1, max_size=6))
def test_no_decision_bars_more_than_the_version_announcing_it_or_any_later_one(
    versions: list[Terms | None],
) -> None:
    for d in announced(versions):
        upto = len(versions) if d.ended_by is None else d.ended_by
        for later in versions[d.version : upto]:
            assert later is not None
            assert not more_adverse(d.terms, later)
        assert meet(versions[d.version : upto]) == d.terms
    latest = versions[-1]
    open_ = [d for d in announced(versions) if d.ended_by is None]
    if latest is not None:
        # What the record bars now is announced: every scope of the latest version is covered.
        assert frozenset().union(*(d.terms.scopes for d in open_)) == latest.scopes


def _demerit_file(*, corrected: bool) -> list[Event]:
    rows = [
        {"record_id": f"p{i}", "subject": "s", "type": code, "occurred_on": day,
         "decided_on": day, "recorded_on": day, "noticed_on": day}
        for i, (code, day) in enumerate(
            [("rail.smoking", date(2019, 1, 1)), ("rail.disorder", date(2020, 6, 1)),
             ("rail.disorder", date(2021, 12, 1))], start=1)
    ]  # fmt: skip
    events = [e for row in rows for e in events_of(row)]
    if corrected:  # a mere evidence reference corrected on the first disorder
        fix = Corrected({"evidence_ref": "ev-2"}, "cor-1", "typo", {"evidence_ref": None}, False)
        events.append(fix.as_event("s", date(2021, 12, 5), record_id="p2"))
    return events


def test_a_corrected_record_is_still_gated_by_its_rules_history_term() -> None:
    """The demerit scheme restricts only the disorder that reaches 12 points; correcting an
    earlier one (it reached 10) must not make it restrict."""
    book = batch_rulebook(*HISTORY_RULES)
    on = date(2021, 12, 20)
    for corrected in (False, True):
        state = evaluate(_demerit_file(corrected=corrected), book, on, subject="s")
        assert [r.restriction_id.split(":")[0] for r in state.restrictions] == ["p3"], corrected
