"""Lookups by a long list of keys: one array on PostgreSQL, IN lists of IN_BATCH on SQLite."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.store import tables as t
from trustledger.store.bulk import IN_BATCH, groups, insert_rows, one_of


def _records(n: int) -> list[dict[str, object]]:
    return [
        {
            "record_id": f"rec_bulk_{i:05d}",
            "source": "bulk",
            "case_ref": i.to_bytes(32, "big"),
            "subject": f"{i:032x}",
            "type": "rail.smoking",
            "payload_hash": i.to_bytes(32, "big"),
            "recorded_on": date(2026, 1, 1),
        }
        for i in range(n)
    ]


def test_more_keys_than_one_in_list_holds_find_every_row_and_no_other(registry: Registry) -> None:
    rows = _records(2 * IN_BATCH + 1)
    wanted = [str(r["record_id"]) for r in rows[1:]] + ["rec_bulk_absent"]
    with registry.engine.begin() as conn:
        insert_rows(conn, t.records, rows)
        batches = groups(conn, wanted)
        found = [
            row.record_id
            for batch in batches
            for row in conn.execute(
                select(t.records.c.record_id).where(one_of(conn, t.records.c.record_id, batch))
            )
        ]
    assert sorted(found) == wanted[:-1]
    engine = registry.engine.dialect.name
    assert len(batches) == (1 if engine == "postgresql" else 3)


def test_a_delete_by_a_long_list_removes_those_rows_only(registry: Registry) -> None:
    rows = _records(IN_BATCH + 10)
    with registry.engine.begin() as conn:
        insert_rows(conn, t.records, rows)
        for batch in groups(conn, [str(r["record_id"]) for r in rows[5:]]):
            conn.execute(delete(t.records).where(one_of(conn, t.records.c.record_id, batch)))
    left = sql(registry, "SELECT record_id FROM records WHERE source = 'bulk' ORDER BY record_id")
    assert [r[0] for r in left] == [f"rec_bulk_{i:05d}" for i in range(5)]


def test_no_keys_make_no_statement(registry: Registry) -> None:
    with registry.engine.begin() as conn:
        assert groups(conn, []) == []
