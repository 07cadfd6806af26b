"""A check replica reading a real PostgreSQL hot standby (streaming replication built by the test):
an overturn on the primary reaches its checks within a second; with the primary stopped it keeps
answering and says how stale it is; it refuses writes."""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.api.conftest import problem, start_server
from tests.api.test_faults import fresh_registry, stop
from tests.api.test_flow import court_record
from tests.factories import ric_number
from tests.pg_cluster import own_clusters, wait_until

TRUSTLEDGER = str(Path(sys.executable).with_name("trustledger"))
ON = (date.today() + timedelta(days=10)).isoformat()


def replica_command(standby_url: str) -> list[str]:
    return [TRUSTLEDGER, "--db", standby_url, "serve", "--replica"]


def allowed(url: str, checker: dict[str, str], subject: str) -> bool:
    params = {"subject": subject, "mode": "air", "on": ON}
    r = httpx.get(f"{url}/v1/check", params=params, headers=checker, timeout=5)
    assert r.status_code == 200, r.text
    return bool(r.json()["allowed"])


def health(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/healthz", timeout=5).json()
    return body


def test_a_replica_on_a_standby_follows_an_overturn_within_a_second_and_outlives_the_primary(
    tmp_path: Path,
) -> None:
    with own_clusters(standby=True) as (primary, standby):
        assert standby is not None
        assert standby.sql("SELECT pg_is_in_recovery()") == [(True,)]
        keys = fresh_registry(primary.url)
        auth = {role: {"Authorization": f"Bearer {secret}"} for role, secret in keys.items()}
        writer, url_p = start_server(primary.url, tmp_path / "primary.log")
        replica, url_r = start_server(
            standby.url, tmp_path / "replica.log", command=replica_command(standby.url)
        )
        try:
            subject = ric_number()
            body = court_record(subject, case_ref="standby-1")
            written = httpx.post(f"{url_p}/v1/records", json=body, headers=auth["source"])
            assert written.status_code == 201, written.text
            wait_until(
                lambda: not allowed(url_r, auth["checker"], subject),
                seconds=5,
                what="the replica denying the new record",
            )
            # Writes go to the primary: the replica refuses them, and nothing reaches the standby.
            refused = httpx.post(
                f"{url_r}/v1/records", json=court_record(ric_number()), headers=auth["source"]
            )
            assert "read-only" in problem(refused, 503)["detail"]
            assert refused.headers["retry-after"]
            seen = health(url_r)
            assert seen["role"] == "replica"
            assert seen["primary"] == "streaming"
            assert seen["seq"] == health(url_p)["seq"]
            assert seen["seconds_behind"] < 1.0

            filed = httpx.post(
                f"{url_p}/v1/subjects/{subject}/appeals",
                json={"grounds": "The judgment was paid in full."},
                headers=auth["officer"],
            )
            assert filed.status_code == 201, filed.text
            decided = httpx.post(
                f"{url_p}/v1/appeals/{filed.json()['appeal_id']}/decision",
                json={"outcome": "overturned", "reasons": "The court confirmed the payment."},
                headers=auth["officer"],
            )
            assert decided.status_code == 200, decided.text
            overturned = time.monotonic()
            while not allowed(url_r, auth["checker"], subject):
                assert time.monotonic() - overturned < 1.0, "the replica missed the overturn"
                time.sleep(0.02)

            stop(writer)
            primary.stop()
            other = ric_number()
            for _ in range(20):  # it keeps answering from what it holds
                assert allowed(url_r, auth["checker"], subject)
                assert allowed(url_r, auth["checker"], other)
                time.sleep(0.1)
            stale = health(url_r)
            assert stale["primary"] == "disconnected"
            assert stale["seconds_behind"] >= 1.5, stale
            time.sleep(0.5)
            assert health(url_r)["seconds_behind"] > stale["seconds_behind"]
        finally:
            stop(writer)
            stop(replica)
