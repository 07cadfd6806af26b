"""Check servers are replicas: a change written through one is answered by another within a second;
a `serve --replica` answers its reads from what is stored and writes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.api.conftest import make_keys, problem, start_server
from tests.api.test_flow import court_record
from tests.factories import SettableClock, ric_number
from trustledger.bootstrap import Registry, open_registry


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    db_url = f"sqlite:///{tmp_path / 'replicas.db'}"
    registry = open_registry(db_url)
    registry.migrate()
    keys = make_keys(registry)
    registry.close()
    a, url_a = start_server(db_url, tmp_path / "a.log")
    b, url_b = start_server(db_url, tmp_path / "b.log")
    try:
        yield url_a, url_b, keys
    finally:
        for proc in (a, b):
            proc.terminate()
            proc.wait(timeout=10)


def test_a_record_written_through_one_replica_is_denied_by_the_other_within_a_second(
    two_servers: tuple[str, str, dict[str, str]],
) -> None:
    url_a, url_b, keys = two_servers
    subject = ric_number()
    on = (date.today() + timedelta(days=10)).isoformat()
    params = {"subject": subject, "mode": "air", "on": on}
    checker = {"Authorization": f"Bearer {keys['checker']}"}
    assert httpx.get(f"{url_b}/v1/check", params=params, headers=checker).json()["allowed"]
    source = {"Authorization": f"Bearer {keys['source']}"}
    r = httpx.post(f"{url_a}/v1/records", json=court_record(subject), headers=source)
    assert r.status_code == 201
    written = time.monotonic()
    # The writing replica answers at once; the other follows the event log.
    assert not httpx.get(f"{url_a}/v1/check", params=params, headers=checker).json()["allowed"]
    while httpx.get(f"{url_b}/v1/check", params=params, headers=checker).json()["allowed"]:
        assert time.monotonic() - written < 1.0, "the other replica did not follow within 1 s"
        time.sleep(0.02)


def test_a_withdrawal_through_one_replica_lifts_an_active_restriction_on_the_other_within_a_second(
    two_servers: tuple[str, str, dict[str, str]], tmp_path: Path
) -> None:
    url_a, url_b, keys = two_servers
    subject = ric_number()
    # Submitted twenty days ago (a writer of its own with the clock then), so in effect today.
    clock = SettableClock(day=date.today() - timedelta(days=20))
    writer = open_registry(f"sqlite:///{tmp_path / 'replicas.db'}", clock=clock)
    try:
        record = court_record(subject, decided_on=(clock.day - timedelta(days=1)).isoformat())
        grant = writer.keys.source("court-test")
        rid = writer.intake.submit(record, source=grant).record.record_id
        clock.advance(20)
        writer.sweep.advance()
    finally:
        writer.close()
    params = {"subject": subject, "mode": "air"}
    checker = {"Authorization": f"Bearer {keys['checker']}"}
    deadline = time.monotonic() + 5
    while httpx.get(f"{url_b}/v1/check", params=params, headers=checker).json()["allowed"]:
        assert time.monotonic() < deadline, "the restriction never reached replica b"
        time.sleep(0.05)
    source = {"Authorization": f"Bearer {keys['source']}"}
    body = {"reason": "The judgment was quashed on retrial."}
    r = httpx.post(f"{url_a}/v1/records/{rid}/withdrawal", json=body, headers=source)
    assert r.status_code == 201, r.text
    written = time.monotonic()
    assert httpx.get(f"{url_a}/v1/check", params=params, headers=checker).json()["allowed"]
    while not httpx.get(f"{url_b}/v1/check", params=params, headers=checker).json()["allowed"]:
        assert time.monotonic() - written < 1.0, "the other replica did not follow within 1 s"
        time.sleep(0.02)


TABLES = (
    "events",
    "records",
    "appeals",
    "notices",
    "api_keys",
    "key_changes",
    "audit_log",
    "log_leaves",
    "log_nodes",
    "log_checkpoints",
)


@dataclass
class Replica:
    url: str
    registry: Registry
    keys: dict[str, str]
    subject: str
    log: Path

    def rows(self) -> dict[str, int]:
        with self.registry.engine.connect() as conn:
            found = {
                table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
                for table in TABLES
            }
            used = conn.execute(text("SELECT key_id, last_used_at FROM api_keys ORDER BY key_id"))
            found["keys last used"] = hash(tuple(map(tuple, used)))
            conn.rollback()
        return found

    def get(self, path: str, role: str, **params: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[role]}"}
        return httpx.get(f"{self.url}{path}", params=params, headers=headers, timeout=10)


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[Replica]:
    """`serve --replica` (TRUSTLEDGER_REPLICA) over a SQLite file a primary registry writes: the
    database would take writes, so the tests see any the replica tries as new rows."""
    db_url = f"sqlite:///{tmp_path / 'primary.db'}"
    registry = open_registry(db_url)
    registry.migrate()
    keys = make_keys(registry)
    subject = ric_number()
    registry.intake.submit(court_record(subject), source=registry.keys.source("court-test"))
    proc, url = start_server(db_url, tmp_path / "replica.log", TRUSTLEDGER_REPLICA="true")
    try:
        yield Replica(url, registry, keys, subject, tmp_path / "replica.log")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        registry.close()


def test_a_replica_answers_the_checkpoint_the_primary_stored_and_signs_none_itself(
    replica: Replica,
) -> None:
    before = replica.rows()
    # Before the primary's first checkpoint (and its key file) there is nothing to answer.
    none_yet = replica.get("/v1/audit/checkpoint", "auditor")
    assert "the primary" in problem(none_yet, 503)["detail"]
    assert none_yet.headers["retry-after"]
    assert replica.rows() == before
    signed = replica.registry.log.checkpoint()  # the primary's, every minute
    assert replica.rows() != before
    before = replica.rows()
    answered = replica.get("/v1/audit/checkpoint", "auditor")
    assert answered.status_code == 200, answered.text
    assert answered.json()["size"] == signed.size
    assert answered.json()["note"] == signed.note
    assert replica.rows() == before
    # New entries on the primary: the replica still answers what is stored, logging nothing.
    replica.registry.intake.submit(
        court_record(ric_number()), source=replica.registry.keys.source("court-test")
    )
    after = replica.rows()
    again = replica.get("/v1/audit/checkpoint", "auditor")
    assert again.json()["note"] == signed.note
    assert replica.rows() == after


def test_every_read_a_replica_serves_writes_nothing_and_the_rest_is_a_503_naming_the_primary(
    replica: Replica,
) -> None:
    replica.registry.log.checkpoint()
    before = replica.rows()
    served = [
        ("/healthz", "checker", {}),
        ("/v1/check", "checker", {"subject": replica.subject, "mode": "rail"}),
        ("/v1/stats", "auditor", {}),
        ("/v1/audit/verify", "auditor", {}),
        ("/v1/audit/checkpoint", "auditor", {}),
        ("/v1/audit/inclusion", "auditor", {"leaf": 0}),
        ("/v1/audit/consistency", "auditor", {"from": 1, "to": 2}),
        ("/v1/appeals", "officer", {}),
        ("/v1/reviews", "officer", {}),
        ("/v1/notices/undelivered", "officer", {}),
        ("/openapi.json", "checker", {}),
    ]
    for path, role, params in served:
        r = replica.get(path, role, **params)
        assert r.status_code == 200, (path, r.text)
    # A file read or a portal page is audited (a write): the replica sends it to the primary.
    for path, role in (
        (f"/v1/subjects/{replica.subject}", "officer"),
        (f"/v1/subjects/{replica.subject}/explain", "officer"),
        (f"/v1/subjects/{replica.subject}/events", "officer"),
        (f"/subjects/{replica.subject}", "officer"),
        ("/portal", "officer"),
        ("/portal/data.json", "officer"),
    ):
        refused = replica.get(path, role, purpose="appeal review")
        assert "send writes to the primary" in problem(refused, 503)["detail"], path
        assert refused.headers["x-content-type-options"] == "nosniff"
        assert refused.headers["cache-control"] == "no-store"
    assert replica.rows() == before


def test_a_replica_stops_key_guessers_and_audits_the_refusal_without_writing(
    replica: Replica,
) -> None:
    before = replica.rows()
    params = {"subject": replica.subject, "mode": "air"}
    wrong = {"Authorization": "Bearer tl_not-a-key"}
    answers = [
        httpx.get(f"{replica.url}/v1/check", params=params, headers=wrong, timeout=10).status_code
        for _ in range(31)
    ]
    assert answers[:30] == [401] * 30
    assert answers[30] == 429
    assert replica.rows() == before
    assert "sign_in.limited" in replica.log.read_text()  # its audit: a line in its log
