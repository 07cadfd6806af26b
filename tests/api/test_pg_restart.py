"""PostgreSQL restarted under mixed load (writes, checks, file reads): every answer is a success or
a 503 problem with Retry-After, never a 500, and the server recovers by itself."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from tests.api.conftest import start_server
from tests.api.test_faults import assert_unavailable, fresh_registry, record, stop
from tests.pg_cluster import own_clusters


def _load(
    url: str, keys: dict[str, str], name: str, seen: Counter[int], halt: threading.Event
) -> None:
    auth = {role: {"Authorization": f"Bearer {keys[role]}"} for role in keys}
    with httpx.Client(base_url=url, timeout=30) as client:
        first = record(f"pg-{name}-first")
        while client.post("/v1/records", json=first, headers=auth["source"]).status_code != 201:
            time.sleep(0.1)  # the database is not answering yet: the subject must exist first
        subject = str(first["subject"])
        for i in range(100_000):
            if halt.is_set():
                return
            answers = (
                client.post("/v1/records", json=record(f"pg-{name}-{i}"), headers=auth["source"]),
                client.get(
                    "/v1/subjects/" + subject,
                    params={"purpose": "restart test"},
                    headers=auth["officer"],
                ),
                client.get(
                    "/v1/check",
                    params={"subject": subject, "mode": "rail"},
                    headers=auth["checker"],
                ),
            )
            for r in answers:
                seen[r.status_code] += 1
                if r.status_code == 503:
                    assert_unavailable(r)
                else:
                    assert r.status_code in (200, 201), r.text


def test_a_postgresql_restart_under_load_answers_only_successes_and_503s_then_recovers(
    tmp_path: Path,
) -> None:
    with own_clusters() as (primary, _):
        keys = fresh_registry(primary.url)
        proc, url = start_server(primary.url, tmp_path / "server.log")
        seen: Counter[int] = Counter()
        halt = threading.Event()
        errors: list[BaseException] = []

        def run(name: str) -> None:
            try:
                _load(url, keys, name, seen, halt)
            except BaseException as exc:  # reported below
                errors.append(exc)

        workers = [threading.Thread(target=run, args=(str(n),)) for n in range(4)]
        try:
            for w in workers:
                w.start()
            deadline = time.monotonic() + 60
            while seen[201] < 12:  # every worker has written, and read its subject's file
                assert time.monotonic() < deadline, f"the load never got going: {seen}"
                time.sleep(0.05)
            primary.restart()
            time.sleep(0.5)
            primary.stop()
            time.sleep(1.0)  # down for a while: answers are 503 meanwhile
            primary.start()
            deadline = time.monotonic() + 20
            source = {"Authorization": f"Bearer {keys['source']}"}
            while (
                httpx.post(
                    f"{url}/v1/records",
                    json=record(f"pg-back-{time.monotonic()}"),
                    headers=source,
                    timeout=30,
                ).status_code
                != 201
            ):
                assert time.monotonic() < deadline, "the server did not recover by itself"
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            halt.set()
            for w in workers:
                w.join(timeout=60)
            stop(proc)
        assert not errors, errors[0]
        assert seen[503] > 0, f"the restart was never noticed: {seen}"
        assert set(seen) <= {200, 201, 503}, seen
