"""The store's less travelled paths: bulk writes that read back alike, review cases, failures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from tests.factories import body, judgment, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry, open_registry
from trustledger.domain.errors import Unavailable
from trustledger.domain.records import Event, EventKind
from trustledger.domain.rulebook import Scope
from trustledger.domain.submissions import Source, record_id_for
from trustledger.services.due_process.state import Evaluator
from trustledger.store.engine import create_store_engine, normalize_url

EVERYTHING = Source("agency", ("*",))


def test_a_big_chunk_reads_back_as_it_was_written(registry: Registry, tmp_path: Path) -> None:
    """600 records in one chunk: COPY on PostgreSQL, raw executemany on SQLite, IN lists batched."""
    path = tmp_path / "many.jsonl"
    bodies = [judgment(subject=ric_number(), case_ref=f"M-{n}") for n in range(600)]
    path.write_bytes(b"".join(orjson.dumps(b) + b"\n" for b in bodies))
    report = registry.imports.run(path, source=EVERYTHING, chunk=600)
    assert (report.imported, report.notices) == (600, 600)
    subjects = [b["subject"] for b in bodies]
    with registry.uow(readonly=True) as uow:
        history = uow.events.for_subjects(subjects)
        stored = uow.records.get(record_id_for("agency", "M-7"))
        assert uow.records.get("rec_none") is None
    assert len(history) == 600
    first = history[subjects[0]][0]
    assert first.kind is EventKind.RECORDED
    assert first.on == registry.clock.today()
    assert first.data["attributes"] == {"amount_cny": 12000}
    assert stored is not None
    with registry.uow(readonly=True) as uow:
        assert stored.case_ref == uow.data_keys.keyed_hash("case_ref", "agency", "M-7")
        assert stored.subject == uow.data_keys.pseudonym(bodies[7]["subject"])
    incremental = sql(registry, "SELECT * FROM restrictions ORDER BY restriction_id")
    registry.recompute.run()
    assert sql(registry, "SELECT * FROM restrictions ORDER BY restriction_id") == incremental
    assert sql(registry, "SELECT count(*) FROM subject_state WHERE review_due")[0][0] == 0


def test_review_cases_are_materialized_with_their_restriction(registry: Registry) -> None:
    subject = ric_number()
    registry.intake.submit(body(subject=subject), source=EVERYTHING)
    today = registry.clock.today()
    opened = Event(
        EventKind.REVIEW_OPENED, subject, today, {"case_id": "case-1", "score": 650, "below": 700}
    )
    decided = Event(
        EventKind.REVIEW_DECIDED,
        subject,
        today,
        {"case_id": "case-1", "outcome": "restrict", "scopes": [Scope.AIR.value], "days": 30},
    )
    evaluator = Evaluator(registry.rulebook, registry.scheme)
    with registry.uow() as uow:
        uow.events.append([opened, decided], at=registry.clock.now())
        refreshed = evaluator.refresh(uow, [subject], today=today, now=registry.clock.now())
        uow.commit()
    (notice,) = [n for n in refreshed.notices if n.purpose == "restriction"]
    assert notice.target == "case-1"
    (case,) = sql(registry, "SELECT case_id, subject, score, below, outcome FROM review_cases")
    assert tuple(case) == ("case-1", subject, 650, 700, "restrict")
    (row,) = sql(
        registry, "SELECT reason, scopes, ends_on FROM restrictions WHERE case_id = 'case-1'"
    )
    assert (row.reason, row.scopes) == ("review", "air")
    assert str(row.ends_on) == str(today + timedelta(days=10 + 30 - 1))


def test_a_unit_of_work_commits_once_and_never_when_read_only(registry: Registry) -> None:
    with registry.uow() as uow:
        uow.commit()
        with pytest.raises(RuntimeError):
            uow.commit()
    with registry.uow(readonly=True) as uow, pytest.raises(RuntimeError):
        uow.commit()


def test_a_database_that_does_not_answer_is_unavailable(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    try:
        with pytest.raises(Unavailable, match=r"^database: unable to open"):
            registry.audit.verify()
    finally:
        registry.close()


def test_postgres_urls_are_driven_by_psycopg_3() -> None:
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        create_store_engine("mysql://u@h/db")
