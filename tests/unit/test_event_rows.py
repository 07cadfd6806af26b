"""An event's plain data as a row stores it: what the row's columns hold left out, put back when
read, and a row of the shape written before read exactly as it is."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_events import STRATEGIES
from trustledger.domain.events import NoticeIssued, NoticePurpose, Payload, Recorded
from trustledger.domain.personal_data import split
from trustledger.domain.records import EventKind, Record
from trustledger.store.event_rows import ROW_IDS, read_data, stored_data

CODE_HASH = hashlib.sha256(b"ABCD-EFGH").hexdigest()
RECORD = Record("rec_1", "S1", "rail.smoking", date(2026, 1, 1), date(2026, 1, 2), "rail", "c")


def stored_and_read(
    kind: EventKind, plain: Mapping[str, Any], record_id: str | None, actor: str
) -> tuple[dict[str, Any], Mapping[str, Any]]:
    """The plain part through a row (its JSON included) and back."""
    stored = orjson.loads(orjson.dumps(stored_data(kind, plain, record_id=record_id, actor=actor)))
    return stored, read_data(kind, stored, record_id=record_id, actor=actor)


@pytest.mark.parametrize("kind", list(EventKind))
def test_every_kind_reads_back_the_plain_data_it_was_given(kind: EventKind) -> None:
    @settings(max_examples=40, deadline=None)
    @given(STRATEGIES[kind], st.data())
    def round_trip(payload: Payload, draw: st.DataObject) -> None:
        plain, _ = split(kind, payload.to_data())
        # The row's record id and actor: now and then the very values the data holds.
        ids = [plain[name] for name in ROW_IDS.get(kind, ()) if name in plain]
        record_id = draw.draw(st.sampled_from([None, "rec_other", *ids]))
        actor = draw.draw(
            st.sampled_from(["system", *([plain["source"]] if "source" in plain else [])])
        )
        stored, read = stored_and_read(kind, plain, record_id, actor)
        assert read == plain
        assert len(orjson.dumps(stored)) <= len(orjson.dumps(plain))

    round_trip()


def test_a_recorded_row_keeps_neither_its_record_id_nor_a_source_that_is_its_actor() -> None:
    plain, _ = split(EventKind.RECORDED, Recorded(RECORD).to_data())
    stored, read = stored_and_read(EventKind.RECORDED, plain, "rec_1", "rail")
    assert stored == {
        "type": "rail.smoking",
        "occurred_on": "2026-01-01",
        "decided_on": "2026-01-02",
    }
    assert read == plain
    # A source other than the actor stays in the row.
    stored, read = stored_and_read(EventKind.RECORDED, plain, "rec_1", "history-load")
    assert stored["source"] == "rail"
    assert read == plain


def test_a_notice_row_keeps_its_access_code_hash_in_43_characters_and_reads_the_hex() -> None:
    plain = NoticeIssued("ntc_1", "rec_1", NoticePurpose.RESTRICTION, CODE_HASH).to_data()
    stored, read = stored_and_read(EventKind.NOTICE_ISSUED, plain, "rec_1", "system")
    assert stored == {
        "notice_id": "ntc_1",
        "purpose": "restriction",
        "access_code_hash": stored["access_code_hash"],
    }
    assert len(stored["access_code_hash"]) == 43
    assert read == plain
    # A review case's notice names no record: its target stays.
    review = NoticeIssued("ntc_2", "rev_1", NoticePurpose.REVIEW, CODE_HASH).to_data()
    stored, read = stored_and_read(EventKind.NOTICE_ISSUED, review, None, "system")
    assert stored["target"] == "rev_1"
    assert read == review
    # A hash that is not lowercase hex of 32 bytes is kept as given.
    odd = NoticeIssued("ntc_3", "rec_1", NoticePurpose.RESTRICTION, CODE_HASH.upper()).to_data()
    stored, read = stored_and_read(EventKind.NOTICE_ISSUED, odd, "rec_1", "system")
    assert stored["access_code_hash"] == CODE_HASH.upper()
    assert read == odd


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (EventKind.RECORDED, dict(split(EventKind.RECORDED, Recorded(RECORD).to_data())[0])),
        (
            EventKind.NOTICE_ISSUED,
            NoticeIssued("ntc_1", "rec_1", NoticePurpose.RESTRICTION, CODE_HASH).to_data(),
        ),
        (EventKind.FULFILLED, {}),  # as history loads stored them
        (EventKind.OVERTURNED, {}),
    ],
)
def test_a_row_written_before_reads_as_it_is(kind: EventKind, data: dict[str, Any]) -> None:
    assert read_data(kind, data, record_id="rec_1", actor="rail") == data
