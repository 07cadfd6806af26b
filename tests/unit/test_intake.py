"""Intake over an in-memory store: once per (source, case_ref), notices at once, derived state."""

from __future__ import annotations

import hashlib

import pytest

from tests.factories import SettableClock, body, evaluator, judgment, unpaid
from tests.fakes import FakeStore
from trustledger.domain.errors import Conflict, Forbidden, InvalidInput
from trustledger.domain.evaluation import RestrictionStatus
from trustledger.domain.notice_requests import hash_access_code
from trustledger.domain.records import EventKind
from trustledger.domain.submissions import Source
from trustledger.services.intake.records import Intake

COURT = Source("court_7", ("court.*", "social_insurance.*"))
RAIL = Source("rail_bureau", ("rail.*",))


def make(store: FakeStore, clock: SettableClock | None = None) -> Intake:
    clock = clock or SettableClock()
    return Intake(store, evaluator=evaluator(), clock=clock)


def test_a_new_record_is_stored_with_its_event_and_audit_entry() -> None:
    store = FakeStore()
    result = make(store).submit(body(case_ref="R-1"), source=RAIL)
    m = store.memory
    assert result.created
    assert [e.kind for e in m.events] == [EventKind.RECORDED, EventKind.NOTICE_ISSUED]
    assert m.events[0].data["case_ref"] == "R-1"
    assert m.events[0].actor == "rail_bureau"
    assert m.records[result.record.record_id].source == "rail_bureau"
    assert [(a.actor, a.action) for a in m.audit] == [
        ("rail_bureau", "record.submit"),
        ("system", "notice.issue"),
    ]
    assert m.commits == 1


def test_a_restricting_record_gets_a_notice_with_a_hashed_access_code() -> None:
    store = FakeStore()
    result = make(store).submit(body(), source=RAIL)
    (notice,) = result.notices
    event = store.memory.events[1]
    assert event.data["notice_id"] == notice.notice_id
    assert event.data["target"] == result.record.record_id
    assert event.data["purpose"] == "restriction"
    assert event.data["access_code_hash"] == hash_access_code(notice.access_code)
    assert notice.access_code not in repr(store.memory)
    expected = hashlib.sha256(notice.access_code.replace("-", "").encode()).hexdigest()
    assert event.data["access_code_hash"] == expected


def test_derived_state_follows_the_write() -> None:
    store = FakeStore()
    result = make(store).submit(judgment(), source=COURT)
    derived = store.memory.derived[result.record.subject]
    assert derived.state.score == 900
    assert derived.compact_key == 11010519491231002
    (restriction,) = derived.state.restrictions
    assert restriction.status is RestrictionStatus.PENDING
    assert restriction.noticed_on == SettableClock().today()


def test_a_record_whose_condition_fails_issues_no_notice() -> None:
    store = FakeStore()
    result = make(store).submit(unpaid(amount=100, months=1), source=COURT)
    assert result.notices == ()
    assert store.memory.derived[result.record.subject].state.score == 1000


def test_the_same_payload_again_returns_the_same_record_and_writes_nothing() -> None:
    store = FakeStore()
    intake = make(store)
    data = body(case_ref="R-2")
    first = intake.submit(data, source=RAIL)
    events = list(store.memory.events)
    again = intake.submit(dict(data), source=RAIL)
    assert not again.created
    assert again.record == first.record
    assert store.memory.events == events


def test_a_different_payload_with_the_same_case_ref_is_a_conflict() -> None:
    store = FakeStore()
    intake = make(store)
    intake.submit(body(case_ref="R-3"), source=RAIL)
    before = len(store.memory.events)
    with pytest.raises(
        Conflict, match=r"^case_ref: source 'rail_bureau' already submitted case_ref 'R-3'"
    ):
        intake.submit(body(case_ref="R-3", evidence_ref="other"), source=RAIL)
    assert len(store.memory.events) == before


def test_the_same_case_ref_from_another_source_is_another_record() -> None:
    store = FakeStore()
    intake = make(store)
    a = intake.submit(body(case_ref="X-1"), source=RAIL)
    b = intake.submit(body(case_ref="X-1"), source=Source("rail_south", ("rail.*",)))
    assert a.record.record_id != b.record.record_id


def test_a_refused_body_changes_nothing() -> None:
    store = FakeStore()
    intake = make(store)
    with pytest.raises(InvalidInput):
        intake.submit(body(decided_on="2030-01-01"), source=RAIL)
    with pytest.raises(Forbidden):
        intake.submit(judgment(), source=RAIL)
    assert store.memory.events == []
    assert store.memory.commits == 0


def test_a_batch_reports_duplicates_and_conflicts_per_record() -> None:
    store = FakeStore()
    intake = make(store)
    today = SettableClock().today()
    first = intake.validate(body(case_ref="B-1"), source=RAIL, today=today)
    same = intake.validate(body(case_ref="B-1"), source=RAIL, today=today)
    other = intake.validate(body(case_ref="B-1", evidence_ref="x"), source=RAIL, today=today)
    with store() as uow:
        outcomes = intake.write(uow, [first, same, other], source=RAIL)
        uow.commit()
    assert [type(o).__name__ for o in outcomes] == ["IntakeResult", "IntakeResult", "Conflict"]
    assert [getattr(o, "created", None) for o in outcomes[:2]] == [True, False]
    assert len(store.memory.records) == 1
