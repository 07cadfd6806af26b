"""Intake against real databases, checked with plain SQL."""

from __future__ import annotations

import base64
import hashlib

import orjson
import pytest

from tests.factories import body, judgment, ric_number, unpaid
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.domain.errors import Conflict
from trustledger.domain.submissions import Source

COURT = Source("court_7", ("court.*", "social_insurance.*"))
RAIL = Source("rail_bureau", ("rail.*",))


def _json(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else orjson.loads(str(value))


def test_a_record_is_stored_once_with_its_event_and_restriction(registry: Registry) -> None:
    subject = ric_number()
    result = registry.intake.submit(judgment(subject=subject, case_ref="J-9"), source=COURT)
    rid = result.record.record_id
    with registry.uow(readonly=True) as uow:  # the append-only tables' keyed forms
        pseudonym = uow.data_keys.pseudonym(subject)
        case_ref = uow.data_keys.keyed_hash("case_ref", "court_7", "J-9")
    records = sql(registry, "SELECT source, case_ref, subject, type FROM records")
    assert [(r[0], bytes(r[1]).hex(), *r[2:]) for r in records] == [
        ("court_7", case_ref, pseudonym, "court.judgment_default")
    ]
    events = sql(registry, "SELECT kind, subject, record_id, actor FROM events ORDER BY seq")
    assert [tuple(e) for e in events] == [
        ("recorded", pseudonym, rid, "court_7"),
        ("notice_issued", pseudonym, rid, "system"),
    ]
    (restriction,) = sql(
        registry,
        "SELECT subject, compact_key, scopes, reason, status, record_id FROM restrictions",
    )
    assert tuple(restriction) == (
        subject,
        int(subject[:17]),
        "air,rail_premium",
        "court.judgment_default",
        "pending",
        rid,
    )
    assert [tuple(r) for r in sql(registry, "SELECT subject, score, band FROM subject_state")] == [
        (subject, 900, "B")
    ]


def test_the_notice_event_holds_only_the_access_codes_hash(registry: Registry) -> None:
    result = registry.intake.submit(body(), source=RAIL)
    (notice,) = result.notices
    ((data, record_id),) = sql(
        registry, "SELECT data, record_id FROM events WHERE kind = 'notice_issued'"
    )
    stored = _json(data)
    # Its 32 bytes in base64, the padding left out; the target is the row's record (event_rows).
    digest = hashlib.sha256(notice.access_code.replace("-", "").encode()).digest()
    assert stored["access_code_hash"] == base64.b64encode(digest).decode().rstrip("=")
    assert "target" not in stored
    assert record_id == result.record.record_id
    everything = repr(sql(registry, "SELECT * FROM events")) + repr(
        sql(registry, "SELECT * FROM audit_log")
    )
    assert notice.access_code not in everything


def test_resubmitting_the_same_payload_adds_nothing(registry: Registry) -> None:
    data = unpaid(case_ref="U-1")
    first = registry.intake.submit(data, source=COURT)
    second = registry.intake.submit(dict(data), source=COURT)
    assert second.record == first.record
    assert not second.created
    assert sql(registry, "SELECT count(*) FROM records")[0][0] == 1
    assert sql(registry, "SELECT count(*) FROM events")[0][0] == 1


def test_a_changed_payload_under_the_same_case_ref_is_refused(registry: Registry) -> None:
    registry.intake.submit(unpaid(case_ref="U-2"), source=COURT)
    with pytest.raises(Conflict, match=r"^case_ref:"):
        registry.intake.submit(unpaid(amount=9000, case_ref="U-2"), source=COURT)
    assert sql(registry, "SELECT count(*) FROM events")[0][0] == 1
    assert sql(registry, "SELECT count(*) FROM audit_log")[0][0] == 1


def test_a_second_record_keeps_the_first_restriction(registry: Registry) -> None:
    subject = ric_number()
    registry.intake.submit(body(subject=subject), source=RAIL)
    registry.intake.submit(judgment(subject=subject), source=COURT)
    rows = sql(
        registry, "SELECT reason FROM restrictions WHERE subject = :s ORDER BY reason", s=subject
    )
    assert [r[0] for r in rows] == ["court.judgment_default", "rail.smoking"]
    assert (
        sql(registry, "SELECT score FROM subject_state WHERE subject = :s", s=subject)[0][0] == 850
    )


def test_reading_a_file_appends_an_audit_entry(registry: Registry) -> None:
    subject = ric_number()
    registry.intake.submit(body(subject=subject), source=RAIL)
    state = registry.files.read(subject, actor="officer:wang", purpose="appeal review")
    assert state.score == 950
    last = sql(registry, "SELECT actor, action, subject, purpose FROM audit_log ORDER BY seq DESC")[
        0
    ]
    pseudonym = registry.keyring.master.pseudonym(subject)
    assert tuple(last) == ("officer:wang", "file.read", pseudonym, "appeal review")
