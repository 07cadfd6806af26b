"""Event rows keep their plain data without what their own columns hold (store/event_rows.py):
what the store answers, exports and logs is as before, and a row of the older shape reads as is."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
from sqlalchemy import text

from tests.factories import body, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.domain.checkpoints import open_note
from trustledger.domain.events import NoticeIssued, NoticePurpose, Recorded
from trustledger.domain.records import EventKind, Record
from trustledger.domain.submissions import Source

RAIL = Source("rail_bureau", ("rail.*",))


def stored(registry: Registry, record_id: str) -> dict[str, dict[str, Any]]:
    """Each kind's `data` of the record's rows, as the database holds it."""
    rows = sql(registry, "SELECT kind, data FROM events WHERE record_id = :r", r=record_id)
    return {k: orjson.loads(d) if isinstance(d, str) else d for k, d in rows}


def test_a_new_record_s_rows_leave_out_their_own_columns_and_read_back_whole(
    registry: Registry, tmp_path: Path
) -> None:
    subject = ric_number()
    result = registry.intake.submit(body(subject=subject, case_ref="E-1"), source=RAIL)
    record_id = result.record.record_id
    (notice,) = result.notices
    rows = stored(registry, record_id)
    assert set(rows["recorded"]) == {"type", "occurred_on", "decided_on"}
    assert set(rows["notice_issued"]) == {"notice_id", "purpose", "access_code_hash"}
    assert len(rows["notice_issued"]["access_code_hash"]) == 43

    # Every reader gets the payloads as written: the file, the followers' feed, the export.
    events = registry.files.read_history(subject, actor="officer_li", purpose="test").events
    by_kind = {e.kind: e for e in events}
    record = Recorded.of(by_kind[EventKind.RECORDED]).record
    assert (record.record_id, record.source, record.case_ref) == (record_id, "rail_bureau", "E-1")
    issued = NoticeIssued.of(by_kind[EventKind.NOTICE_ISSUED])
    assert issued.target == record_id
    assert (
        issued.access_code_hash
        == hashlib.sha256(notice.access_code.replace("-", "").encode()).hexdigest()
    )
    with registry.uow(readonly=True) as uow:
        followed = {e.kind: e.data for e in uow.events.since(0, limit=100)}
    assert followed[EventKind.RECORDED]["record_id"] == record_id
    assert followed[EventKind.RECORDED]["source"] == "rail_bureau"
    assert followed[EventKind.NOTICE_ISSUED]["target"] == record_id
    registry.exports.write(tmp_path / "x.parquet", actor="auditor", purpose="test")
    (row,) = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert (row["record_id"], row["source"], row["case_ref"]) == (record_id, "rail_bureau", "E-1")
    # The access code opens the portal: its hash read back is the one issued.
    assert registry.portal.verify_access(subject, notice.access_code)

    # The log covers the rows as stored, and verifies end to end with a witness's checkpoint.
    checkpoint = open_note(registry.log.checkpoint().note, registry.log.key)
    assert registry.log.verify([checkpoint]).intact
    assert registry.audit.verify().intact


def test_a_row_of_the_older_shape_reads_exactly_as_it_was_written(
    registry: Registry, tmp_path: Path
) -> None:
    """Rows written before (their data whole), here plaintext rows as a registry from before
    sealing holds them: the store reads each field from the data, none from the row's columns."""
    subject, record_id = ric_number(), f"rec_{uuid.uuid4().hex}"
    record = Record(record_id, subject, "rail.smoking", date(2026, 10, 1), date(2026, 10, 2),
                    "rail_bureau", "OLD-1")  # fmt: skip
    recorded = Recorded(record).to_data()
    code = hashlib.sha256(b"OLDCODE").hexdigest()
    notice = NoticeIssued("ntc_old", record_id, NoticePurpose.RESTRICTION, code).to_data()
    postgres = registry.engine.dialect.name == "postgresql"
    insert = text(
        'INSERT INTO events (kind, subject, "on", record_id, data, actor, created_at) VALUES'
        " (:kind, :subject, '2026-10-03', :record_id, "
        + ("CAST(:data AS JSONB)" if postgres else ":data")
        + ", :actor, '2026-10-03 08:00:00')"
    )
    with registry.engine.begin() as conn:
        for kind, data, actor in (
            ("recorded", recorded, "someone"),
            ("notice_issued", notice, "system"),
        ):
            conn.execute(
                insert,
                {"kind": kind, "subject": subject, "record_id": record_id,
                 "data": orjson.dumps(data).decode(), "actor": actor},
            )  # fmt: skip
    with registry.uow(readonly=True) as uow:
        events = uow.events.for_subjects([subject])[subject]
        followed = [e for e in uow.events.since(0, limit=100) if e.record_id == record_id]
    assert [dict(e.data) for e in events] == [recorded, notice]
    assert [dict(e.data) for e in followed] == [recorded, notice]
    assert Recorded.of(events[0]).record == record  # its source is the data's, not the actor
    registry.exports.write(tmp_path / "x.parquet", actor="auditor", purpose="test")
    (row,) = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert (row["record_id"], row["source"], row["case_ref"]) == (record_id, "rail_bureau", "OLD-1")
