"""Migration 0012 stores the audit chain's hashes as bytes and drops the unique index on records
(source, case_ref): every hash, every leaf of the transparency log and every verdict stays."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect, text

from tests.factories import body, ric_number
from tests.integration.conftest import downgrade, sql
from trustledger.bootstrap import Registry
from trustledger.domain.checkpoints import open_note
from trustledger.domain.submissions import Source, record_id_for
from trustledger.store.audit import GENESIS, entry_hash
from trustledger.store.log_entries import AUDIT, leaf_of
from trustledger.store.schema import current_revision, head_revision, migrate

RAIL = Source("rail_bureau", ("rail.*",))
FIELDS = ("seq", "actor", "action", "subject", "purpose", "detail", "prev_hash", "hash")
# The hashes untyped: hex text at 0011, bytes after; `at` a datetime on either engine.
AUDIT_LOG = sa.table("audit_log", *(sa.column(n) for n in FIELDS), sa.column("at", sa.DateTime))


def audit_rows(registry: Registry) -> list[sa.Row[object]]:
    with registry.engine.connect() as conn:
        return list(conn.execute(sa.select(AUDIT_LOG).order_by(AUDIT_LOG.c.seq)))


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTLEDGER_LOG_KEY_FILE", str(tmp_path / "log.key"))


def chain_at_0011(registry: Registry, n: int) -> list[dict[str, object]]:
    """Audit entries as revision 0011 stored them (hashes in hex text), written in plain SQL."""
    prev, rows = GENESIS, []
    for seq in range(1, n + 1):
        row: dict[str, object] = {
            "seq": seq,
            "actor": "rail_bureau",
            "action": "record.submit" if seq % 3 else "file.read",
            "subject": uuid.uuid4().hex if seq % 5 else None,
            "purpose": "intake",
            "detail": f"sealed:{uuid.uuid4().hex}" if seq % 2 else "",
            "at": datetime(2026, 11, 30, 8, 0, seq % 60, seq),
            "prev_hash": prev,
        }
        prev = row["hash"] = entry_hash(**row)
        rows.append(row)
    with registry.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (seq, actor, action, subject, purpose, detail, at,"
                " prev_hash, hash) VALUES (:seq, :actor, :action, :subject, :purpose, :detail,"
                " :at, :prev_hash, :hash)"
            ),
            rows,
        )
    return rows


def test_a_chain_stored_as_hex_verifies_after_with_the_same_hashes_and_leaves(
    registry: Registry,
) -> None:
    downgrade(registry, "0011")  # the fixture's registry is new and at head: empty at 0011
    assert current_revision(registry.engine) == "0011"
    written = chain_at_0011(registry, 40)
    cases = [("rail_bureau", f"R-{i}") for i in range(3)]
    with registry.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO records (record_id, source, case_ref, subject, type, payload_hash,"
                " recorded_on) VALUES (:r, :s, :c, :p, 'rail.smoking', :h, '2026-11-30')"
            ),
            [
                {"r": record_id_for(s, c), "s": s, "c": f"{i:064x}", "p": "b" * 32, "h": "c" * 64}
                for i, (s, c) in enumerate(cases)
            ],
        )
    before = audit_rows(registry)
    leaves = [leaf_of(AUDIT, row) for row in before]

    assert migrate(registry.engine) == head_revision()
    after = audit_rows(registry)
    assert [bytes(r.hash).hex() for r in after] == [w["hash"] for w in written]
    assert [bytes(r.prev_hash).hex() for r in after] == [w["prev_hash"] for w in written]
    assert [leaf_of(AUDIT, row) for row in after] == leaves
    verdict = registry.audit.verify()
    assert (verdict.intact, verdict.entries) == (True, 40)
    # The chain goes on from the converted entries, and still verifies.
    registry.intake.submit(body(subject=ric_number(), case_ref="R-new"), source=RAIL)
    verdict = registry.audit.verify()
    assert (verdict.intact, verdict.entries) == (True, 42)  # its submission and its notice
    assert sql(registry, "SELECT count(*) FROM records")[0][0] == 4
    assert inspect(registry.engine).get_unique_constraints("records") == []
    # The audit log stays append-only.
    with pytest.raises(Exception, match="append-only"), registry.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 1"))


def test_a_registry_made_at_head_goes_down_to_hex_and_back_and_verifies(
    registry: Registry,
) -> None:
    bodies = [body(subject=ric_number(), case_ref=f"D-{i}") for i in range(12)]
    for b in bodies:
        registry.intake.submit(b, source=RAIL)
    registry.files.read(ric_number(), actor="officer_li", purpose="a check")
    checkpoint = open_note(registry.log.checkpoint().note, registry.log.key)
    hashes = [bytes(h).hex() for (h,) in sql(registry, "SELECT hash FROM audit_log ORDER BY seq")]

    downgrade(registry, "0011")
    stored = [h for (h,) in sql(registry, "SELECT hash FROM audit_log ORDER BY seq")]
    assert stored == hashes  # hex text again, as 0011 kept it
    uniques = inspect(registry.engine).get_unique_constraints("records")
    assert [u["column_names"] for u in uniques] == [["source", "case_ref"]]

    migrate(registry.engine)
    verdict = registry.audit.verify()
    assert (verdict.intact, verdict.entries) == (True, len(hashes))
    assert registry.log.verify([checkpoint]).intact
    # A resubmission is still the same record, by its primary key alone.
    again = registry.intake.submit(bodies[0], source=RAIL)
    assert again.record.record_id == record_id_for("rail_bureau", "D-0")
    assert sql(registry, "SELECT count(*) FROM records")[0][0] == 12


def test_0013_drops_the_compact_key_index_and_keeps_every_restriction(registry: Registry) -> None:
    for i in range(6):
        registry.intake.submit(body(subject=ric_number(), case_ref=f"K-{i}"), source=RAIL)
    query = "SELECT restriction_id, subject, compact_key FROM restrictions ORDER BY restriction_id"
    rows = [tuple(r) for r in sql(registry, query)]
    assert rows

    def indexes() -> set[str | None]:
        return {i["name"] for i in inspect(registry.engine).get_indexes("restrictions")}

    downgrade(registry, "0012")
    assert "ix_restrictions_compact_key" in indexes()
    assert migrate(registry.engine) == head_revision()
    assert indexes() == {"ix_restrictions_subject"}
    assert [tuple(r) for r in sql(registry, query)] == rows


def test_0014_keeps_data_keys_in_their_primary_key_on_sqlite_and_every_key_opens(
    registry: Registry,
) -> None:
    subjects = [ric_number() for _ in range(5)]
    for i, subject in enumerate(subjects):
        registry.intake.submit(body(subject=subject, case_ref=f"W-{i}"), source=RAIL)

    def history() -> list[object]:
        # Each record's case_ref and evidence are sealed: reading them needs every data key.
        return [
            registry.files.read_history(s, actor="officer_li", purpose="a check") for s in subjects
        ]

    def declared() -> str:
        found = sql(registry, "SELECT sql FROM sqlite_master WHERE name = 'data_keys'")
        return str(found[0][0])

    before = history()
    keys = sql(registry, "SELECT count(*) FROM data_keys")[0][0]
    downgrade(registry, "0013")
    sqlite = registry.engine.dialect.name == "sqlite"
    if sqlite:
        assert "WITHOUT ROWID" not in declared()
    assert migrate(registry.engine) == head_revision()
    if sqlite:
        assert "WITHOUT ROWID" in declared()
    assert sql(registry, "SELECT count(*) FROM data_keys")[0][0] == keys
    assert history() == before


def test_0015_stores_records_keyed_hashes_as_bytes_and_a_resubmission_still_matches(
    registry: Registry,
) -> None:
    bodies = [body(subject=ric_number(), case_ref=f"H-{i}") for i in range(4)]
    for b in bodies:
        registry.intake.submit(b, source=RAIL)
    query = "SELECT record_id, case_ref, payload_hash FROM records ORDER BY record_id"
    stored = [(r[0], bytes(r[1]), bytes(r[2])) for r in sql(registry, query)]
    assert all(len(h) == 32 for _, c, p in stored for h in (c, p))

    downgrade(registry, "0014")  # hex text, as 0014 and every revision since 0010 kept them
    assert [tuple(r) for r in sql(registry, query)] == [(i, c.hex(), p.hex()) for i, c, p in stored]
    assert migrate(registry.engine) == head_revision()
    assert [(r[0], bytes(r[1]), bytes(r[2])) for r in sql(registry, query)] == stored
    # The same submission is the same record; a changed one conflicts on the payload hash.
    assert registry.intake.submit(bodies[0], source=RAIL).created is False
    with pytest.raises(Exception, match="different contents"):
        registry.intake.submit(bodies[1] | {"evidence_ref": "other"}, source=RAIL)


def test_0015_stops_by_count_on_a_record_that_is_not_a_keyed_hash(registry: Registry) -> None:
    registry.intake.submit(body(subject=ric_number(), case_ref="P-1"), source=RAIL)
    downgrade(registry, "0014")
    with registry.engine.begin() as conn:  # a row as written before 0010 sealed the registry
        conn.execute(
            text(
                "INSERT INTO records (record_id, source, case_ref, subject, type, payload_hash,"
                " recorded_on) VALUES ('rec_plain', 'rail_bureau', '(2024)京01执1号',"
                " '110101199003070016', 'rail.smoking', :h, '2026-11-30')"
            ),
            {"h": "d" * 64},
        )
    before = [tuple(r) for r in sql(registry, "SELECT * FROM records ORDER BY record_id")]
    with pytest.raises(RuntimeError, match="1 records hold a case_ref"):
        migrate(registry.engine)
    assert current_revision(registry.engine) == "0014"
    assert [tuple(r) for r in sql(registry, "SELECT * FROM records ORDER BY record_id")] == before
