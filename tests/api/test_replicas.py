"""Check servers are replicas: a change written through one is answered by another within a second."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import make_keys, start_server
from tests.api.test_flow import court_record
from tests.factories import SettableClock, ric_number
from trustledger.bootstrap import open_registry


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
