"""Typed event payloads: every kind has a class, and each class round-trips its stored data."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustledger.delivery.letters import SUBJECT_LINES
from trustledger.domain.events import (
    PAYLOADS,
    AppealDecided,
    AppealFiled,
    AppealOutcome,
    Corrected,
    Erased,
    ErasureDecided,
    ErasureOutcome,
    ErasureRequested,
    Fulfilled,
    NoticeIssued,
    NoticePurpose,
    Overturned,
    Payload,
    Recorded,
    RestrictionExpired,
    RestrictionLifted,
    RestrictionStarted,
    ReviewDecided,
    ReviewOpened,
    ReviewOutcome,
    Withdrawn,
    payload_of,
)
from trustledger.domain.records import Event, EventKind, Record
from trustledger.domain.rulebook import Scope
from trustledger.domain.targets import target_record
from trustledger.web.wording import OUTCOME_TEXT, PURPOSE_TEXT

text = st.text(min_size=1, max_size=20)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
scopes = st.frozensets(st.sampled_from(Scope))
records = st.builds(
    Record,
    record_id=text,
    subject=text,
    type=text,
    occurred_on=days,
    decided_on=days,
    source=text,
    case_ref=text,
    evidence_ref=st.none() | text,
    attributes=st.dictionaries(text, st.integers(-(10**6), 10**6) | text, max_size=3),
)
changes = st.fixed_dictionaries(
    {}, optional={"type": text, "occurred_on": days.map(str), "evidence_ref": st.none() | text}
)
transition = {
    "restriction_id": text,
    "scopes": scopes,
    "reason": text,
    "starts_on": st.none() | days,
    "ends_on": st.none() | days,
    "lifted_on": st.none() | days,
}
STRATEGIES: dict[EventKind, st.SearchStrategy[Payload]] = {
    EventKind.RECORDED: st.builds(Recorded, records),
    EventKind.CORRECTED: st.builds(Corrected, changes, text, text, changes, st.booleans()),
    EventKind.WITHDRAWN: st.builds(Withdrawn, text),
    EventKind.OVERTURNED: st.builds(Overturned, text, st.none() | text),
    EventKind.FULFILLED: st.builds(Fulfilled, text, days),
    EventKind.NOTICE_ISSUED: st.builds(
        NoticeIssued, text, text, st.sampled_from(NoticePurpose), st.none() | text
    ),
    EventKind.APPEAL_FILED: st.builds(AppealFiled, text, text, text, days),
    EventKind.APPEAL_DECIDED: st.builds(
        AppealDecided, text, st.sampled_from(AppealOutcome), text, st.none() | days
    ),
    EventKind.REVIEW_OPENED: st.builds(
        ReviewOpened, text, st.integers(-(10**6), 10**6), st.integers(0, 2000)
    ),
    EventKind.REVIEW_DECIDED: st.builds(
        ReviewDecided, text, st.sampled_from(ReviewOutcome), scopes, st.integers(0, 365), text
    ),
    EventKind.RESTRICTION_STARTED: st.builds(RestrictionStarted, **transition),
    EventKind.RESTRICTION_LIFTED: st.builds(RestrictionLifted, **transition),
    EventKind.RESTRICTION_EXPIRED: st.builds(RestrictionExpired, **transition),
    EventKind.ERASED: st.builds(
        Erased,
        st.lists(text, max_size=3).map(tuple),
        st.lists(text, max_size=3).map(tuple),
        text,
        st.none() | days,
        st.booleans(),
    ),
    EventKind.ERASURE_REQUESTED: st.builds(ErasureRequested, text, text, text, days),
    EventKind.ERASURE_DECIDED: st.builds(
        ErasureDecided, text, st.sampled_from(ErasureOutcome), text
    ),
}


def test_every_event_kind_has_one_payload_class() -> None:
    assert set(PAYLOADS) == set(EventKind)
    assert all(cls.kind is kind for kind, cls in PAYLOADS.items())


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_round_trips_through_its_stored_json(kind: EventKind) -> None:
    @settings(max_examples=40, deadline=None)
    @given(STRATEGIES[kind])
    def round_trip(payload: Payload) -> None:
        stored = orjson.loads(orjson.dumps(payload.to_data()))
        assert stored == payload.to_data()
        assert type(payload).from_data(stored) == payload
        event = payload.as_event("S1", date(2026, 1, 2), record_id="rec_1")
        assert event.kind is kind
        assert payload_of(Event(kind, "S1", event.on, stored, "rec_1")) == payload

    round_trip()


def test_an_appeal_decision_is_stored_as_it_was_before_the_classes() -> None:
    decided = AppealDecided("apl_1", AppealOutcome.MODIFIED, "too long", date(2026, 3, 1))
    assert decided.to_data() == {
        "appeal_id": "apl_1",
        "outcome": "modified",
        "reasons": "too long",
        "ends_on": "2026-03-01",
    }
    assert "ends_on" not in AppealDecided("apl_1", AppealOutcome.UPHELD, "r").to_data()


def test_a_transition_keeps_its_null_dates_and_sorted_scopes() -> None:
    started = RestrictionStarted("rec_1", frozenset({Scope.RAIL, Scope.AIR}), "rail.smoking")
    assert started.to_data() == {
        "restriction_id": "rec_1",
        "scopes": ["air", "rail"],
        "reason": "rail.smoking",
        "starts_on": None,
        "ends_on": None,
        "lifted_on": None,
    }


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (EventKind.FULFILLED, Fulfilled("rec_9", date(2026, 4, 5))),
        (EventKind.OVERTURNED, Overturned("rec_9")),
    ],
)
def test_an_empty_payload_of_older_history_loads_reads_from_the_event(
    kind: EventKind, expected: Payload
) -> None:
    event = Event(kind, "S1", date(2026, 4, 5), {}, "rec_9")
    assert payload_of(event) == expected


def test_a_fulfilment_is_written_with_its_record_and_the_day_it_was_met() -> None:
    event = Fulfilled("rec_9", date(2026, 4, 1)).as_event("S1", date(2026, 4, 5), record_id="rec_9")
    assert event.data == {"record_id": "rec_9", "met_on": "2026-04-01"}


def test_reading_an_event_as_another_kind_is_refused() -> None:
    event = Withdrawn("gone").as_event("S1", date(2026, 1, 1), record_id="rec_1")
    with pytest.raises(ValueError, match="withdrawn event holds no Corrected"):
        Corrected.of(event)


def test_the_export_sql_reads_fields_the_payload_classes_write() -> None:
    # store/export.py reads these JSON paths in SQL, where from_data cannot run.
    decided: dict[str, Any] = AppealDecided("a", AppealOutcome.OVERTURNED, "r").to_data()
    notice: dict[str, Any] = NoticeIssued("n", "rec_1", NoticePurpose.RESTRICTION).to_data()
    assert (decided["outcome"], notice["purpose"]) == ("overturned", "restriction")
    record = Record("rec_1", "S1", "rail.smoking", date(2026, 1, 1), date(2026, 1, 2), "rail", "c")
    recorded = Recorded(record).to_data()
    paths = ("type", "occurred_on", "decided_on", "source", "case_ref", "evidence_ref")
    assert set(paths) | {"attributes"} <= set(recorded)


@pytest.mark.parametrize(
    ("target", "record"),
    [("rec_ab", "rec_ab"), ("rec_ab.c2", "rec_ab"), ("rev_cd", None)],
)
def test_a_target_names_its_record_or_a_review_case(target: str, record: str | None) -> None:
    assert target_record(target) == record


def test_every_notice_purpose_has_a_subject_line_and_words_on_the_pages() -> None:
    purposes = {p.value for p in NoticePurpose}
    assert set(SUBJECT_LINES) == purposes
    assert set(PURPOSE_TEXT) == purposes
    assert {o.value for o in AppealOutcome} | {ReviewOutcome.NO_ACTION.value} <= set(OUTCOME_TEXT)
    assert {o.value for o in ErasureOutcome} <= set(OUTCOME_TEXT)
