"""Events and records in the sealed format (docs/store.md, "Personal data and its keys"): the
stored bytes name no one, the services' answers are as before, erased events are left out."""

from __future__ import annotations

import base64
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, text

from tests.factories import judgment, ric_number, unpaid
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.domain.explanation import explain
from trustledger.domain.merkle import leaf_hash
from trustledger.domain.submissions import Source
from trustledger.store import tables as t
from trustledger.store.crypto import Unreadable
from trustledger.store.log_entries import event_bytes

AGENCY = Source("court_9", ("court.*", "social_insurance.*"))
SEALED_TABLES = ("events", "records")


def submitted(registry: Registry) -> dict[str, Any]:
    """A record whose every personal value is unlike anything else in the database."""
    marker = uuid.uuid4().hex[:10]
    values = {
        "subject": ric_number(),
        "case_ref": f"CASE-{marker}",
        "evidence_ref": f"EVID-{marker}",
        "amount": 7_000_000 + int(marker[:5], 16),
    }
    result = registry.intake.submit(judged(values), source=AGENCY)
    return values | {"record_id": result.record.record_id}


def judged(values: dict[str, Any]) -> dict[str, Any]:
    return judgment(
        subject=values["subject"],
        case_ref=values["case_ref"],
        evidence_ref=values["evidence_ref"],
        attributes={"amount_cny": values["amount"]},
    )


def personal_strings(values: dict[str, Any]) -> list[bytes]:
    return [str(values[k]).encode() for k in ("subject", "case_ref", "evidence_ref", "amount")]


def pseudonym_of(registry: Registry, subject: str) -> str:
    with registry.uow(readonly=True) as uow:
        return uow.data_keys.pseudonym(subject)


def sqlite_pages(registry: Registry, tables: tuple[str, ...]) -> bytes:
    """The raw bytes of every page (of the file and of its WAL) that belongs to these tables
    or their indexes: what a copy of the file holds for them."""
    path = Path(registry.engine.url.database or "")
    with registry.engine.connect() as conn:
        names = conn.execute(
            text(f"SELECT name FROM sqlite_schema WHERE tbl_name IN ({_marks(tables)})"),
            {f"p{i}": n for i, n in enumerate(tables)},
        ).scalars()
        wanted = sorted(set(names))
        pages = set(
            conn.execute(
                text(f"SELECT pageno FROM dbstat WHERE name IN ({_marks(wanted)})"),
                {f"p{i}": n for i, n in enumerate(wanted)},
            ).scalars()
        )
        page_size = conn.execute(text("PRAGMA page_size")).scalar_one()
    found = bytearray()
    data = path.read_bytes()
    for page in pages:
        found += data[(page - 1) * page_size : page * page_size]
    wal = path.with_name(path.name + "-wal")
    log = wal.read_bytes() if wal.exists() else b""
    frame = 24 + page_size
    for start in range(32, len(log) - frame + 1, frame):  # after the WAL header, frame by frame
        if int.from_bytes(log[start : start + 4], "big") in pages:
            found += log[start + 24 : start + frame]
    return bytes(found)


def _marks(names: Any) -> str:
    return ", ".join(f":p{i}" for i in range(len(list(names))))


def stored_text(registry: Registry, tables: tuple[str, ...]) -> bytes:
    """PostgreSQL: every row of these tables as text."""
    rows = [r[0] for table in tables for r in sql(registry, f"SELECT t::text FROM {table} t")]
    return "\n".join(rows).encode()


def raw(registry: Registry, tables: tuple[str, ...]) -> bytes:
    if registry.engine.dialect.name == "sqlite":
        return sqlite_pages(registry, tables)
    return stored_text(registry, tables)


def test_events_and_records_store_no_personal_value_and_the_answers_stay(
    registry: Registry,
) -> None:
    values = submitted(registry)
    subject, rid = values["subject"], values["record_id"]
    state = registry.files.read(subject, actor="officer:a", purpose="sealing test")
    assert values["case_ref"] in str(explain(state))
    (assessment,) = state.assessments
    record = assessment.record
    assert (record.subject, record.case_ref, record.evidence_ref) == (
        subject,
        values["case_ref"],
        values["evidence_ref"],
    )
    assert record.attributes == {"amount_cny": values["amount"]}
    (restriction,) = state.restrictions
    assert restriction.record_id == rid
    assert restriction.starts_on is not None
    check = registry.stored_checks.check(
        subject, "air", "standard", on=restriction.starts_on, checker="test"
    )
    assert not check.allowed
    # Before the WAL is checkpointed into the file, and after.
    for checkpoint in (False, True):
        if checkpoint and registry.engine.dialect.name == "sqlite":
            with closing(sqlite3.connect(registry.engine.url.database or "")) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        stored = raw(registry, SEALED_TABLES)
        assert stored, "no bytes of the sealed tables were read"
        for value in personal_strings(values):
            assert value not in stored
        # The derived tables keep the plain subject (docs/store.md): the same reading finds it.
        assert values["subject"].encode() in raw(registry, ("subject_state",))
    assert pseudonym_of(registry, subject).encode() in raw(registry, SEALED_TABLES)


def test_an_event_reads_back_whole_and_the_follower_reads_the_plain_part(
    registry: Registry,
) -> None:
    values = submitted(registry)
    subject = values["subject"]
    with registry.uow(readonly=True) as uow:
        (recorded, *_) = uow.events.for_subjects([subject])[subject]
        followed = [e for e in uow.events.since(0, limit=100) if e.seq == recorded.seq]
    assert recorded.subject == subject
    assert recorded.data["case_ref"] == values["case_ref"]
    assert recorded.data["evidence_ref"] == values["evidence_ref"]
    assert recorded.data["attributes"]["amount_cny"] == values["amount"]
    assert recorded.data["subject"] == subject
    (plain,) = followed
    assert plain.subject == subject
    assert plain.data == {
        k: recorded.data[k] for k in ("record_id", "type", "occurred_on", "decided_on", "source")
    }


def test_a_resubmission_is_idempotent_and_a_changed_one_conflicts(registry: Registry) -> None:
    values = submitted(registry)
    again = judged(values)
    assert registry.intake.submit(again, source=AGENCY).created is False
    with pytest.raises(Exception, match="different contents"):
        registry.intake.submit(again | {"evidence_ref": "other"}, source=AGENCY)
    with registry.uow(readonly=True) as uow:
        case_ref = uow.data_keys.keyed_hash("case_ref", AGENCY.name, values["case_ref"])
    rows = sql(registry, "SELECT case_ref, subject FROM records")  # the keyed hash's 32 bytes
    assert [(bytes(r[0]).hex(), r[1]) for r in rows] == [
        (case_ref, pseudonym_of(registry, values["subject"]))
    ]


def test_a_sealed_value_copied_onto_another_row_does_not_open_there(registry: Registry) -> None:
    mine, theirs = submitted(registry), submitted(registry)
    second = registry.intake.submit(unpaid(subject=mine["subject"]), source=AGENCY).record
    (row,) = sql(registry, "SELECT * FROM events WHERE kind = 'recorded' AND record_id = :r",
                 r=mine["record_id"])  # fmt: skip
    # Inserts are what the append-only tables allow: someone with write access to the database
    # puts the sealed bytes on another subject's row, and on another record of the same subject.
    for subject, record_id in (
        (theirs["subject"], theirs["record_id"]),
        (mine["subject"], second.record_id),
    ):
        with registry.engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO events (kind, subject, "on", record_id, data, actor, created_at, '
                    "sealed) VALUES (:kind, :subject, :on, :record_id, "
                    + ("CAST(:data AS JSONB)" if _postgres(registry) else ":data")
                    + ", :actor, :created_at, :sealed)"
                ),
                {
                    "kind": row.kind,
                    "subject": pseudonym_of(registry, subject),
                    "on": row.on,
                    "record_id": record_id,
                    "data": row.data
                    if isinstance(row.data, str)
                    else orjson.dumps(row.data).decode(),
                    "actor": row.actor,
                    "created_at": row.created_at,
                    "sealed": bytes(row.sealed),
                },
            )
    for subject in (theirs["subject"], mine["subject"]):
        with registry.uow(readonly=True) as uow, pytest.raises(Unreadable):
            uow.events.for_subjects([subject])


def test_an_erased_record_is_left_out_of_the_file_the_export_and_a_recompute(
    registry: Registry, tmp_path: Path
) -> None:
    erased, kept = submitted(registry), submitted(registry)
    other = registry.intake.submit(unpaid(subject=kept["subject"]), source=AGENCY).record
    with registry.uow() as uow:
        uow.data_keys.destroy(pseudonym_of(registry, erased["subject"]), [erased["record_id"]])
        uow.data_keys.destroy(pseudonym_of(registry, kept["subject"]), [kept["record_id"]])
        uow.commit()
    with registry.uow(readonly=True) as uow:
        found = uow.events.for_subjects([erased["subject"], kept["subject"]])
    assert erased["subject"] not in found
    assert {e.record_id for e in found[kept["subject"]]} == {other.record_id}
    registry.exports.write(tmp_path / "x.parquet", actor="test", purpose="sealing test")
    exported = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert [(r["record_id"], r["subject"]) for r in exported] == [
        (other.record_id, kept["subject"])
    ]
    assert exported[0]["case_ref"] == other.case_ref
    report = registry.recompute.run()
    assert report.subjects == 1
    rows = sql(registry, "SELECT subject, pseudonym FROM subject_state")
    assert [tuple(r) for r in rows] == [(kept["subject"], pseudonym_of(registry, kept["subject"]))]


def test_the_logs_cover_the_sealed_bytes_and_verify(registry: Registry) -> None:
    values = submitted(registry)
    registry.files.read(values["subject"], actor="officer:a", purpose="sealing test")
    registry.log.checkpoint()
    with registry.engine.connect() as conn:
        row = conn.execute(select(t.events).where(t.events.c.kind == "recorded")).one()
    leaf = event_bytes(row)
    (logged,) = sql(registry, "SELECT hash FROM log_leaves WHERE kind = 'event' AND ref = :s",
                    s=row.seq)  # fmt: skip
    assert bytes(logged[0]) == leaf_hash(leaf)
    assert base64.b64encode(bytes(row.sealed)) in leaf
    for value in personal_strings(values):
        assert value not in leaf
    assert registry.audit.verify().intact
    assert registry.log.verify([]).intact
    with registry.uow() as uow:  # erasing changes no stored byte the logs cover
        uow.data_keys.destroy(pseudonym_of(registry, values["subject"]), [values["record_id"]])
        uow.commit()
    assert registry.audit.verify().intact
    assert registry.log.verify([]).intact


def _postgres(registry: Registry) -> bool:
    return registry.engine.dialect.name == "postgresql"


def test_a_subject_acting_for_themselves_is_stored_by_pseudonym_and_read_as_themselves(
    registry: Registry,
) -> None:
    values = submitted(registry)
    subject = values["subject"]
    registry.appeals.file_appeal(subject, grounds="Not me", actor=f"subject:{subject}")
    actors = {r[0] for r in sql(registry, "SELECT actor FROM events")}
    assert f"subject:{pseudonym_of(registry, subject)}" in actors
    assert subject not in raw(registry, ("events",)).decode("utf-8", "replace")
    with registry.uow(readonly=True) as uow:
        (events,) = uow.events.for_subjects([subject]).values()
    assert f"subject:{subject}" in {e.actor for e in events}


def test_an_altered_sealed_event_is_refused_as_altered_not_read_as_something_else(
    registry: Registry,
) -> None:
    from trustledger.api.problems import status_for
    from trustledger.domain.errors import SealedDataAltered

    values = submitted(registry)
    seq = sql(registry, "SELECT max(seq) FROM events WHERE kind = 'recorded'")[0][0]
    # As an insider would: past the append-only trigger, one bit of the ciphertext flipped.
    with registry.engine.begin() as conn:
        if registry.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER events_no_update"))
        else:
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
        (sealed,) = conn.execute(text("SELECT sealed FROM events WHERE seq = :s"), {"s": seq}).one()
        flipped = bytes(sealed[:-1]) + bytes([sealed[-1] ^ 1])
        conn.execute(text("UPDATE events SET sealed = :b WHERE seq = :s"), {"b": flipped, "s": seq})
    with pytest.raises(SealedDataAltered) as raised:
        registry.files.read(values["subject"], actor="officer:a", purpose="sealing test")
    assert status_for(raised.value) == 500
    assert raised.value.title == "Stored data altered"
