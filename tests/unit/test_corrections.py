"""Corrections and withdrawals by the submitting source, over the in-memory store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.due_factories import RAIL, Due, due, threat_rulebook
from tests.factories import body, ric_number
from tests.language_scan import english_words
from trustledger.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from trustledger.domain.evaluation import RecordStatus, RestrictionStatus, SubjectState
from trustledger.domain.records import EventKind
from trustledger.domain.rulebook import Scope
from trustledger.domain.submissions import Source
from trustledger.domain.texts import Language

AIR = frozenset({Scope.AIR})
RAIL_ONLY = frozenset({Scope.RAIL})
OPERATOR = RAIL
OTHER = Source("airline_3", ("rail.*",))


def active_smoking(d: Due) -> tuple[str, str]:
    """A rail.smoking record whose restriction is in effect today: (subject, record_id)."""
    subject = ric_number()
    rid = d.intake.submit(body(subject=subject), source=RAIL).record.record_id
    d.clock.advance(12)
    d.sweep.advance()
    (r,) = state(d, subject).restrictions
    assert r.status is RestrictionStatus.ACTIVE
    return subject, rid


def state(d: Due, subject: str) -> SubjectState:
    found = d.store.memory.derived[subject].state
    assert isinstance(found, SubjectState)
    return found


def letters(d: Due, purpose: str) -> list[str]:
    return [n.text for n in d.store.memory.notices.values() if n.purpose == purpose]


def test_a_withdrawal_lifts_an_active_restriction_today_and_the_record_stops_counting() -> None:
    d = due()
    subject, rid = active_smoking(d)
    done = d.corrections.withdraw(rid, source=OPERATOR, reason="Wrong passenger fined.")
    assert done.created
    today = d.clock.today()
    assert state(d, subject).restriction_on(today, RAIL_ONLY) is None
    (r,) = state(d, subject).restrictions
    assert (r.status, r.lifted_on) == (RestrictionStatus.LIFTED, today)
    (a,) = state(d, subject).assessments
    assert (a.status, a.points, state(d, subject).score) == (RecordStatus.WITHDRAWN, 0, 1000)
    assert [c.what for c in a.history] == ["submitted", "withdrawn"]
    (letter,) = letters(d, "withdrawal")
    assert "rail_bureau withdrew its record" in letter
    assert "Why: Wrong passenger fined." in letter
    assert f"the restriction that came\nfrom it was lifted on {today}" in letter
    assert len(d.events(EventKind.RESTRICTION_LIFTED)) == 1
    # The withdrawal letter says the restriction lifted: no separate "lifted" letter.
    assert letters(d, "lifted") == []


def test_a_repeated_withdrawal_writes_nothing_and_answers_the_same() -> None:
    d = due()
    _, rid = active_smoking(d)
    first = d.corrections.withdraw(rid, source=OPERATOR, reason="Quashed.")
    before = len(d.events())
    again = d.corrections.withdraw(rid, source=OPERATOR, reason="Quashed.")
    assert (again.created, again.on, again.notice_ids) == (False, first.on, first.notice_ids)
    assert len(d.events()) == before
    with pytest.raises(Conflict, match="already withdrawn"):
        d.corrections.withdraw(rid, source=OPERATOR, reason="Another reason.")
    with pytest.raises(Conflict, match=r"withdrawn on .* can no longer be corrected"):
        d.corrections.correct(rid, source=OPERATOR, changes={"evidence_ref": "x"}, reason="r")
    assert len(d.events()) == before


def test_only_the_submitting_source_corrects_or_withdraws() -> None:
    d = due()
    _, rid = active_smoking(d)
    before = len(d.events())
    with pytest.raises(Forbidden, match="only the source that submitted"):
        d.corrections.withdraw(rid, source=OTHER, reason="Not ours.")
    with pytest.raises(Forbidden):
        d.corrections.correct(rid, source=OTHER, changes={"evidence_ref": "x"}, reason="r")
    with pytest.raises(NotFound):
        d.corrections.withdraw("rec_nothing", source=OPERATOR, reason="r")
    assert len(d.events()) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "changes"),
        ({"subject": "x"}, "changes.subject"),
        ({"decided_on": "2099-01-01"}, "changes.decided_on"),
        ({"occurred_on": "2026-02-30"}, "changes.occurred_on"),
        ({"type": "no.such"}, "changes.type"),
        ({"evidence_ref": "ev-1"}, "changes"),  # already says so
    ],
)
def test_a_bad_correction_names_the_field_and_writes_nothing(
    changes: dict[str, object], field: str
) -> None:
    d = due()
    _, rid = active_smoking(d)
    before = len(d.events())
    with pytest.raises(InvalidInput) as caught:
        d.corrections.correct(rid, source=OPERATOR, changes=changes, reason="r")
    assert caught.value.field == field
    with pytest.raises(InvalidInput) as caught:
        d.corrections.correct(rid, source=OPERATOR, changes={"evidence_ref": "x"}, reason=" ")
    assert caught.value.field == "reason"
    assert len(d.events()) == before


def test_a_correction_to_a_type_the_source_may_not_submit_is_forbidden() -> None:
    d = due()
    _, rid = active_smoking(d)
    with pytest.raises(Forbidden, match=r"changes\.type"):
        d.corrections.correct(
            rid, source=OPERATOR, changes={"type": "court.judgment_default"}, reason="r"
        )


def test_a_more_adverse_type_waits_for_its_own_notice_period() -> None:
    d = due(threat_rulebook())
    subject, rid = active_smoking(d)
    today = d.clock.today()
    (old,) = state(d, subject).restrictions
    done = d.corrections.correct(
        rid, source=OPERATOR, changes={"type": "rail.threat"}, reason="Retrial: a threat."
    )
    assert done.created
    assert done.adverse
    s = state(d, subject)
    base, new = s.restrictions
    # What both decisions bar (trains, for the old 180 days) goes on; flights wait for a notice.
    assert (base.restriction_id, base.scopes, base.starts_on) == (rid, RAIL_ONLY, old.starts_on)
    assert base.ends_on == old.ends_on
    assert new.restriction_id == f"{rid}.c1"
    assert (new.noticed_on, new.starts_on) == (today, today + timedelta(days=10))
    assert new.appeal_by == today + timedelta(days=new_appeal_days(d))
    assert new.ends_on == old.starts_on + timedelta(days=364)  # counted from the first start
    assert new.status is RestrictionStatus.PENDING
    for day in (today, today + timedelta(days=9)):
        assert s.restriction_on(day, AIR) is None
    assert s.restriction_on(today + timedelta(days=10), AIR) is new
    assert s.restriction_on(today, RAIL_ONLY) is base
    correction, restriction = (letters(d, p) for p in ("correction", "restriction"))
    assert "record type: rail.smoking -> rail.threat" in correction[0]
    assert "Why: Retrial: a threat." in correction[0]
    assert "That part is a new decision" in correction[0]
    new_letter = restriction[-1]
    assert "It is a new decision: rail_bureau corrected its record" in new_letter
    assert f"From:        {today + timedelta(days=10)}" in new_letter
    assert "no flights or trains" in new_letter
    assert set(done.notice_ids) == set(d.store.memory.notices) - {
        n for n in d.store.memory.notices if d.store.memory.notices[n].issued_on < today
    }


def new_appeal_days(d: Due) -> int:
    return next(r.appeal_days for r in threat_rulebook().rules if r.code == "rail.threat")


def test_a_less_adverse_correction_takes_effect_at_once() -> None:
    d = due(threat_rulebook())
    subject = ric_number()
    rid = d.intake.submit(body(subject=subject, type="rail.threat"), source=RAIL).record.record_id
    d.clock.advance(12)
    d.sweep.advance()
    today = d.clock.today()
    assert state(d, subject).restriction_on(today, AIR) is not None
    done = d.corrections.correct(
        rid, source=OPERATOR, changes={"type": "rail.smoking"}, reason="Only smoking."
    )
    assert not done.adverse
    s = state(d, subject)
    (r,) = s.restrictions
    assert s.restriction_on(today, AIR) is None
    assert s.restriction_on(today, RAIL_ONLY) is r
    assert r.ends_on is not None
    assert r.starts_on is not None
    assert (r.ends_on - r.starts_on).days == 179
    (letter,) = letters(d, "correction")
    assert "The correction takes effect at once." in letter


def test_a_repeated_correction_writes_nothing_and_answers_the_same() -> None:
    d = due(threat_rulebook())
    _, rid = active_smoking(d)
    change = {"changes": {"type": "rail.threat"}, "reason": "Retrial."}
    first = d.corrections.correct(rid, source=OPERATOR, **change)
    before = (len(d.events()), len(d.store.memory.notices), len(d.store.memory.audit))
    again = d.corrections.correct(rid, source=OPERATOR, **change)
    assert not again.created
    assert (again.on, again.changes, again.adverse, again.notice_ids) == (
        first.on,
        first.changes,
        first.adverse,
        first.notice_ids,
    )
    assert (len(d.events()), len(d.store.memory.notices), len(d.store.memory.audit)) == before


def test_a_correction_of_dates_reads_in_the_history_with_its_reason() -> None:
    d = due()
    subject, rid = active_smoking(d)
    d.corrections.correct(
        rid, source=OPERATOR, changes={"decided_on": "2026-10-21"}, reason="Typo in the date."
    )
    (a,) = state(d, subject).assessments
    assert str(a.record.decided_on) == "2026-10-21"
    assert [c.what for c in a.history] == ["submitted", "corrected"]
    assert a.history[1].text == (
        "corrected by its source: date of the decision: 2026-10-20 -> 2026-10-21; "
        "reason: Typo in the date."
    )
    (event,) = d.events(EventKind.CORRECTED)
    assert event.data["previous"] == {"decided_on": "2026-10-20"}
    assert event.actor == "rail_bureau"


def test_a_correction_to_a_type_that_does_not_restrict_lifts_the_restriction_today() -> None:
    d = due(threat_rulebook())
    subject, rid = active_smoking(d)
    today = d.clock.today()
    d.corrections.correct(rid, source=OPERATOR, changes={"type": "rail.warning"}, reason="Minor.")
    s = state(d, subject)
    (r,) = s.restrictions
    assert (r.status, r.lifted_on) == (RestrictionStatus.LIFTED, today)
    assert s.restriction_on(today, RAIL_ONLY) is None
    assert s.score == 990
    (lifted,) = d.events(EventKind.RESTRICTION_LIFTED)
    assert lifted.data["restriction_id"] == rid
    assert len(letters(d, "lifted")) == 1


def test_an_appeal_against_the_corrections_decision_overturns_that_one_only() -> None:
    d = due(threat_rulebook())
    subject, rid = active_smoking(d)
    d.corrections.correct(rid, source=OPERATOR, changes={"type": "rail.threat"}, reason="r")
    filed = d.appeals.file_appeal(
        subject, grounds="No threat was made.", actor="officer:o", target=f"{rid}.c1"
    )
    d.appeals.decide_appeal(filed.appeal_id, outcome="overturned", reasons="No.", actor="o2")
    s = state(d, subject)
    base, new = s.restrictions
    assert (base.status, new.status) == (RestrictionStatus.ACTIVE, RestrictionStatus.LIFTED)
    assert s.restriction_on(d.clock.today() + timedelta(days=10), AIR) is None


def test_withdrawing_one_of_a_persons_records_leaves_the_others_correctable_and_withdrawable() -> (
    None
):
    d = due(threat_rulebook())
    subject, first = active_smoking(d)
    second = d.intake.submit(body(subject=subject), source=RAIL).record.record_id
    third = d.intake.submit(body(subject=subject), source=RAIL).record.record_id
    assert d.corrections.withdraw(first, source=OPERATOR, reason="Wrong passenger.").created
    fixed = d.corrections.correct(
        second, source=OPERATOR, changes={"type": "rail.warning"}, reason="Lesser finding."
    )
    assert fixed.created
    assert d.corrections.withdraw(third, source=OPERATOR, reason="Wrong passenger.").created
    statuses = {a.record.record_id: a.status for a in state(d, subject).assessments}
    assert statuses[first] is statuses[third] is RecordStatus.WITHDRAWN
    assert statuses[second] is not RecordStatus.WITHDRAWN


def test_a_withdrawal_letter_says_a_pending_appeal_stays_open_until_its_deadline() -> None:
    d = due()
    subject, rid = active_smoking(d)
    filed = d.appeals.file_appeal(subject, grounds="It was not me.", actor="officer_li")
    d.corrections.withdraw(rid, source=OPERATOR, reason="Wrong passenger fined.")
    (a,) = state(d, subject).appeals
    assert a.decided_on is None  # the withdrawal decided nothing
    (letter,) = [n for n in d.store.memory.notices.values() if n.purpose == "withdrawal"]
    assert (
        f"Your appeal {filed.appeal_id} about this record is still open: the withdrawal does not"
        "\ndecide it. An officer will decide it, with written reasons, by"
        f" {filed.deadline.isoformat()}." in letter.text
    )
    assert "retention period\nends; then it is erased by itself.\n\nYour portal" in letter.text
    assert f"by {filed.deadline.isoformat()}. After that decision" in letter.html
    # What a letter with no pending appeal says is pinned (test_letter_versions): unchanged.
    assert letter.text.index("lifted on") < letter.text.index("Your appeal")


def test_the_withdrawal_letters_pending_appeal_reads_in_chinese() -> None:
    d = due(language=Language.ZH_HANS)
    subject, rid = active_smoking(d)
    filed = d.appeals.file_appeal(subject, grounds="不是我。", actor="officer_li")
    d.corrections.withdraw(rid, source=OPERATOR, reason="罚错了乘客。")
    (letter,) = [n for n in d.store.memory.notices.values() if n.purpose == "withdrawal"]
    day = filed.deadline
    assert f"申诉{filed.appeal_id}仍未结束" in letter.text
    assert f"{day.year}年{day.month}月{day.day}日" in letter.text
    assert "仍未结束" in letter.text
    assert "仍未结束" in letter.html
    assert english_words(letter.text.replace(filed.appeal_id, "")) == []
