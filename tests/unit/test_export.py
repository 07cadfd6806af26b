"""The export service: each record flattened with its dates, audited before it reads, and a file
that appears whole or not at all."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.factories import SettableClock
from tests.fakes import FakeExports, FakeStore
from trustledger.domain.errors import InvalidInput
from trustledger.domain.records import Event, EventKind, Record, recorded
from trustledger.services.reading.export import FLAT_SCHEMA, Export

DAY = date(2026, 3, 2)


def _record(rid: str, **kw: Any) -> Record:
    fields: dict[str, Any] = {
        "record_id": rid,
        "subject": "S1",
        "type": "rail.fare_evasion",
        "occurred_on": date(2026, 2, 1),
        "decided_on": date(2026, 2, 20),
        "source": "rail",
        "case_ref": f"C-{rid}",
    }
    return Record(**(fields | kw))


def _store() -> FakeStore:
    store = FakeStore()
    paid, plain = _record("r1"), _record("r2", attributes={"amount_cny": 300})
    notice = {"notice_id": "n1", "target": "r1", "purpose": "restriction"}
    store.memory.events = [
        recorded(paid, on=DAY),
        Event(EventKind.NOTICE_ISSUED, "S1", DAY, notice, "r1"),
        Event(EventKind.FULFILLED, "S1", date(2026, 3, 9), {}, "r1"),
        Event(EventKind.CORRECTED, "S1", date(2026, 3, 10), {"decided_on": "2026-02-18"}, "r1"),
        recorded(plain, on=DAY),
        Event(EventKind.OVERTURNED, "S1", date(2026, 3, 5), {}, "r2"),
    ]
    return store


def test_each_record_is_written_with_its_dates_as_corrected(tmp_path: Path) -> None:
    store, path = _store(), tmp_path / "records.parquet"
    report = Export(store, clock=SettableClock()).write(path, actor="cli:ops", purpose="sim")
    table = pq.read_table(path)
    assert table.schema == FLAT_SCHEMA
    rows = {r["record_id"]: r for r in table.to_pylist()}
    assert report.records == 2
    assert rows["r1"]["decided_on"] == date(2026, 2, 18)
    assert (rows["r1"]["noticed_on"], rows["r1"]["fulfilled_on"]) == (DAY, date(2026, 3, 9))
    assert rows["r2"]["overturned_on"] == date(2026, 3, 5)
    assert rows["r2"]["attributes"] == '{"amount_cny":300}'
    assert rows["r2"]["recorded_on"] == DAY


def test_the_export_is_audited_with_actor_purpose_and_count(tmp_path: Path) -> None:
    store = _store()
    Export(store, clock=SettableClock()).write(
        tmp_path / "r.parquet", actor="cli:ops", purpose=" sim "
    )
    (entry,) = store.memory.audit
    assert (entry.actor, entry.action, entry.purpose, entry.detail) == (
        "cli:ops",
        "records.export",
        "sim",
        "records=2",
    )


def test_no_purpose_or_no_directory_writes_and_audits_nothing(tmp_path: Path) -> None:
    store = _store()
    export = Export(store, clock=SettableClock())
    with pytest.raises(InvalidInput, match="purpose"):
        export.write(tmp_path / "r.parquet", actor="a", purpose="  ")
    with pytest.raises(InvalidInput, match="no such directory"):
        export.write(tmp_path / "none" / "r.parquet", actor="a", purpose="p")
    assert store.memory.audit == []
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_no_file_but_its_audit_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = FakeExports.chunks

    def broken(self: FakeExports, *, size: int) -> Any:
        yield from whole(self, size=1)
        raise OSError("disk full")

    store = _store()
    monkeypatch.setattr(FakeExports, "chunks", broken)
    with pytest.raises(OSError, match="disk full"):
        Export(store, clock=SettableClock()).write(tmp_path / "r.parquet", actor="a", purpose="p")
    assert list(tmp_path.iterdir()) == []
    assert [e.action for e in store.memory.audit] == ["records.export"]


def test_an_empty_store_gives_an_empty_file_of_the_same_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.parquet"
    report = Export(FakeStore(), clock=SettableClock()).write(path, actor="a", purpose="p")
    assert report.records == 0
    assert pq.read_table(path).schema == FLAT_SCHEMA
