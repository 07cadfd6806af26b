"""The store's records exported flat: their dates as stored, and a batch recompute over the file
that gives the domain core's answer."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow.parquet as pq
import pytest

from store_population import domain_state, load, population, stored_events
from tests.factories import SettableClock, judgment, ric_number
from tests.fakes import FakeExports, Memory
from tests.integration.conftest import sql
from trustledger.batch.recompute import recompute
from trustledger.bootstrap import Registry, open_registry
from trustledger.cli.app import main
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.identity import scheme_named
from trustledger.domain.records import Event, EventKind
from trustledger.domain.submissions import Source
from trustledger.rulebook import load_rulebook
from trustledger.services.reading.export import FLAT_COLUMNS

COURT = Source("court-11", ("*",))


@pytest.fixture
def registry(db_url: str, clock: SettableClock) -> Iterator[Registry]:
    """A migrated store under the default rulebook."""
    reg = open_registry(
        db_url, rulebook=load_rulebook(), scheme=scheme_named("cn-ric"), clock=clock
    )
    reg.migrate()
    try:
        yield reg
    finally:
        reg.close()


def export(registry: Registry, path: Path) -> list[dict[str, Any]]:
    report = registry.exports.write(path, actor="test", purpose="export test")
    rows = pq.read_table(path).to_pylist()
    assert report.records == len(rows)
    return rows


def assert_rows_as_the_domain_reads_the_events(registry: Registry) -> None:
    """The store's aggregation gives what folding each subject's events in the domain gives."""
    memory = Memory(events=[e for events in stored_events(registry).values() for e in events])

    def normal(chunks: list[list[tuple[Any, ...]]]) -> set[tuple[Any, ...]]:
        at = FLAT_COLUMNS.index("attributes")
        return {
            (*row[:at], tuple(sorted(orjson.loads(row[at] or "{}").items())), *row[at + 1 :])
            for chunk in chunks
            for row in chunk
        }

    with registry.uow(readonly=True) as uow:
        stored = [[tuple(r) for r in chunk] for chunk in uow.exports.chunks(size=100)]
    want = list(FakeExports(memory).chunks(size=100))
    assert len(stored) == len(want)
    assert normal(stored) == normal(want)


def restrictions_of(state: SubjectState) -> set[tuple[Any, ...]]:
    return {
        (r.restriction_id, r.status.value, r.starts_on, r.ends_on, r.lifted_on)
        for r in state.restrictions
    }


def test_the_export_holds_every_record_with_its_dates_and_is_audited(
    registry: Registry, clock: SettableClock, tmp_path: Path
) -> None:
    generated = population(400, seed=5, as_of=clock.today())
    load(registry, generated)
    assert_rows_as_the_domain_reads_the_events(registry)
    rows = export(registry, tmp_path / "records.parquet")
    by_ref = {(r["source"], r["case_ref"]): r for r in rows}
    assert len(by_ref) == len(rows) == generated.num_rows
    restricting = {r.code for r in registry.rulebook.rules if r.restriction is not None}
    for g in generated.to_pylist():
        r = by_ref[(g["source"], g["case_ref"])]
        expect = {k: g[k] for k in ("subject", "type", "occurred_on", "decided_on", "recorded_on")}
        assert {k: r[k] for k in expect} == expect
        noticed = g["noticed_on"] if g["type"] in restricting else None
        dates = (noticed, g["fulfilled_on"], g["overturned_on"])
        assert (r["noticed_on"], r["fulfilled_on"], r["overturned_on"]) == dates
    (entry,) = sql(
        registry,
        "SELECT actor, purpose, detail FROM audit_log WHERE action = :a",
        a="records.export",
    )
    assert tuple(entry) == ("test", "export test", f"records={len(rows)}")


def test_a_batch_recompute_over_the_export_equals_the_domain_core(
    registry: Registry, clock: SettableClock, tmp_path: Path
) -> None:
    load(registry, population(1500, seed=8, as_of=clock.today()))
    path = tmp_path / "records.parquet"
    export(registry, path)
    events = stored_events(registry)
    for on in (
        clock.today() - timedelta(days=400),
        clock.today(),
        clock.today() + timedelta(days=90),
    ):
        result = recompute(duckdb.connect(), path, registry.rulebook, on)
        scores = {s: (score, band) for s, score, band in result.scores.fetchall()}
        batch: dict[str, set[tuple[Any, ...]]] = {}
        for r in result.restrictions.to_arrow_table().to_pylist():
            key = (r["record_id"], r["status"], r["starts_on"], r["ends_on"], r["lifted_on"])
            batch.setdefault(r["subject"], set()).add(key)
        for subject in random.Random(on.toordinal()).sample(sorted(events), 120):
            state = domain_state(events[subject], registry, on)
            assert scores.get(subject, (1000, "A")) == (state.score, state.band), subject
            assert batch.get(subject, set()) == restrictions_of(state), subject


def test_the_export_follows_corrections_and_appeals_decided_overturned(
    registry: Registry, clock: SettableClock, tmp_path: Path
) -> None:
    subject = ric_number()
    day = clock.today()
    appealed = registry.intake.submit(
        judgment(
            subject=subject,
            case_ref="J-1",
            occurred_on=str(day - timedelta(days=40)),
            decided_on=str(day - timedelta(days=30)),
        ),
        source=COURT,
    ).record.record_id
    corrected = registry.intake.submit(
        judgment(
            subject=subject,
            case_ref="J-2",
            occurred_on=str(day - timedelta(days=20)),
            decided_on=str(day - timedelta(days=10)),
        ),
        source=COURT,
    ).record.record_id
    clock.advance(2)
    filed = registry.appeals.file_appeal(subject, grounds="paid", actor="officer", target=appealed)
    clock.advance(3)
    registry.appeals.decide_appeal(
        filed.appeal_id, outcome="overturned", reasons="paid in full", actor="officer"
    )
    change = {"decided_on": str(day - timedelta(days=12)), "attributes": {"amount_cny": 7}}
    # A decision logged without its OVERTURNED event (as an older log may hold) overturns too.
    filed_only = {"appeal_id": "a-old", "target": corrected, "grounds": "g", "deadline": str(day)}
    decided_only = {"appeal_id": "a-old", "outcome": "overturned", "reasons": "r"}
    with registry.uow() as uow:
        uow.events.append(
            [
                Event(EventKind.CORRECTED, subject, clock.today(), change, corrected),
                Event(EventKind.APPEAL_FILED, subject, clock.today(), filed_only, corrected),
                Event(EventKind.APPEAL_DECIDED, subject, clock.today(), decided_only, corrected),
            ],
            at=clock.now(),
        )
        uow.commit()
    assert_rows_as_the_domain_reads_the_events(registry)
    rows = {r["record_id"]: r for r in export(registry, tmp_path / "records.parquet")}
    assert rows[appealed]["overturned_on"] == clock.today()
    assert rows[corrected]["decided_on"] == day - timedelta(days=12)
    assert rows[corrected]["attributes"] == '{"amount_cny":7}'
    assert rows[corrected]["noticed_on"] == day
    assert rows[corrected]["overturned_on"] == clock.today()
    on = clock.today()
    state = domain_state(stored_events(registry)[subject], registry, on)
    result = recompute(duckdb.connect(), tmp_path / "records.parquet", registry.rulebook, on)
    assert result.scores.fetchall() == [(subject, state.score, state.band)]
    statuses = {(r[1], r[8]) for r in result.restrictions.fetchall()}
    assert statuses == {(r.restriction_id, r.status.value) for r in state.restrictions}


def cli(
    db_url: str, *args: str, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["trustledger", "--db", db_url, *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_export_and_batch_recompute_commands(
    registry: Registry,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    generated = population(300, seed=2, as_of=date(2026, 11, 1))
    load(registry, generated)
    path = tmp_path / "out.parquet"
    code, out, _ = cli(db_url, "export", "--out", str(path), monkeypatch=monkeypatch, capsys=capsys)
    assert (code, out.strip()) == (0, f"exported {generated.num_rows} records to {path}")
    assert pq.read_metadata(path).num_rows == generated.num_rows
    code, out, _ = cli(
        db_url,
        "recompute",
        "--batch",
        "--as-of",
        "2026-11-01",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    result = recompute(duckdb.connect(), path, registry.rulebook, date(2026, 11, 1))
    ((subjects,),) = result.scores.aggregate("count(*)").fetchall()
    assert code == 0
    assert f"subjects with records: {subjects}" in out
    for status, n in result.restrictions.aggregate("status, count(*)").fetchall():
        assert f"  {status}: {n}\n" in out


def test_bad_export_and_recompute_options_exit_2(
    registry: Registry,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = cli(
        db_url, "export", "--out", "/no/such/dir/x.parquet", monkeypatch=monkeypatch, capsys=capsys
    )
    assert (code, err.strip()) == (2, "error: out: no such directory: /no/such/dir")
    code, _, err = cli(
        db_url, "recompute", "--as-of", "2026-11-01", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 2
    assert err.startswith("error: --as-of: only with --batch")


def test_subjects_with_appeals_corrections_or_withdrawals_carry_their_history_to_the_batch(
    registry: Registry, clock: SettableClock, tmp_path: Path
) -> None:
    load(registry, population(200, seed=3, as_of=clock.today()))
    day = clock.today()
    subject = ric_number()
    rids = [
        registry.intake.submit(
            judgment(
                subject=subject,
                case_ref=f"W-{n}",
                occurred_on=str(day - timedelta(days=30)),
                decided_on=str(day - timedelta(days=20)),
            ),
            source=COURT,
        ).record.record_id
        for n in range(3)
    ]
    clock.advance(1)
    registry.corrections.withdraw(rids[0], source=COURT, reason="the wrong person")
    registry.corrections.correct(
        rids[1], source=COURT, changes={"attributes": {"amount_cny": 90000}}, reason="retrial"
    )
    registry.appeals.file_appeal(subject, grounds="paid", actor="officer", target=rids[2])
    assert_rows_as_the_domain_reads_the_events(registry)
    path = tmp_path / "records.parquet"
    rows = export(registry, path)
    carried = {r["subject"] for r in rows if r["events"] is not None}
    assert carried == {subject}
    events = stored_events(registry)
    for on in (day, clock.today(), clock.today() + timedelta(days=60)):
        result = recompute(duckdb.connect(), path, registry.rulebook, on)
        statuses = {r[0]: r[4] for r in result.assessments.fetchall()}
        state = domain_state(events[subject], registry, on)
        assert {a.record.record_id: a.status.value for a in state.assessments} == {
            rid: statuses[rid] for rid in rids
        }
        assert {(r[1], r[8]) for r in result.restrictions.fetchall() if r[0] == subject} == {
            (r.restriction_id, r.status.value) for r in state.restrictions
        }
    assert statuses[rids[0]] == "withdrawn"
