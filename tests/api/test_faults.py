"""Faults made for real on a served SQLite registry: SIGTERM mid-request, kill -9 under concurrent
writes, a full disk. Each answer is a success or a 503 problem with Retry-After, never a 500."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
from sqlalchemy import text

from tests.api.conftest import make_keys, problem, start_server
from tests.api.test_flow import court_record
from tests.factories import ric_number
from trustledger.bootstrap import open_registry


def fresh_registry(db_url: str) -> dict[str, str]:
    registry = open_registry(db_url)
    try:
        registry.migrate()
        return make_keys(registry)
    finally:
        registry.close()


Body = dict[str, object]


def record(case_ref: str) -> Body:
    return court_record(ric_number(), case_ref=case_ref)


def scalar(db_url: str, query: str) -> int:
    registry = open_registry(db_url)
    try:
        with registry.engine.connect() as conn:
            return int(conn.execute(text(query)).scalar_one())
    finally:
        registry.close()


def assert_unavailable(response: httpx.Response) -> str:
    body = problem(response, 503)
    assert int(response.headers["retry-after"]) > 0
    return str(body["detail"])


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def test_sigterm_lets_the_request_in_flight_finish_answers_new_ones_503_then_exits(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'drain.db'}"
    keys = fresh_registry(db_url)
    proc, url = start_server(db_url, tmp_path / "server.log")
    source = {"Authorization": f"Bearer {keys['source']}"}
    batch = [record(f"drain-{i}") for i in range(3000)]
    try:
        with ThreadPoolExecutor(1) as pool:
            started = pool.submit(
                httpx.post, f"{url}/v1/records", json=batch, headers=source, timeout=120
            )
            deadline = time.monotonic() + 20
            while httpx.get(f"{url}/healthz").json()["in_flight"] < 2:  # itself and the POST
                assert not started.done(), "the POST was answered before it was seen in flight"
                assert time.monotonic() < deadline, "the POST never ran"
                time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            late = httpx.get(f"{url}/v1/check", params={"subject": ric_number(), "mode": "air"})
            assert "shutting down" in assert_unavailable(late)
            assert assert_unavailable(httpx.get(f"{url}/healthz"))
            answered = started.result()
            assert answered.status_code == 201, answered.text
            assert time.monotonic() > signalled
        proc.wait(timeout=30)  # then it exits by itself
    finally:
        stop(proc)
    assert len(_case_refs(db_url, [f"drain-{i}" for i in range(3000)])) == 3000


def _writer(
    url: str, source: dict[str, str], name: str, acked: list[str], tried: dict[str, Body]
) -> None:
    with httpx.Client(base_url=url, headers=source, timeout=10) as client:
        for i in range(100_000):
            case_ref = f"k9-{name}-{i}"
            tried[case_ref] = body = record(case_ref)
            try:
                r = client.post("/v1/records", json=body)
            except httpx.TransportError:
                return  # the server is gone: this one is in doubt
            assert r.status_code == 201, r.text
            acked.append(case_ref)


def test_kill_9_under_concurrent_writes_loses_no_acknowledged_record_and_doubles_none(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'kill.db'}"
    keys = fresh_registry(db_url)
    source = {"Authorization": f"Bearer {keys['source']}"}
    proc, url = start_server(db_url, tmp_path / "a.log")
    acked: list[str] = []
    tried: dict[str, Body] = {}
    writers = [
        threading.Thread(target=_writer, args=(url, source, str(n), acked, tried)) for n in range(8)
    ]
    for w in writers:
        w.start()
    deadline = time.monotonic() + 30
    while len(acked) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.kill()  # SIGKILL: no drain, no flush
    proc.wait(timeout=10)
    for w in writers:
        w.join(timeout=20)
    assert len(acked) >= 200
    started = time.monotonic()
    proc, url = start_server(db_url, tmp_path / "b.log")
    print("restart", time.monotonic() - started, len(acked), len(tried))
    try:
        stored = set(_case_refs(db_url, tried))
        assert set(acked) <= stored, "an acknowledged record is missing after the restart"
        # Every stored record is one of those tried (the table keeps keyed case references).
        assert scalar(db_url, "SELECT count(*) FROM records") == len(stored)
        # A client retries what it was not told about: each is stored once, whatever happened.
        with httpx.Client(base_url=url, headers=source, timeout=10) as client:
            in_doubt = set(tried) - set(acked)
            for case_ref in in_doubt:
                again = client.post("/v1/records", json=tried[case_ref])
                assert again.status_code in (200, 201), again.text
        assert sorted(_case_refs(db_url, tried)) == sorted(set(tried))
        recorded = "SELECT count(*) FROM events WHERE kind = 'recorded'"
        assert scalar(db_url, recorded) == len(set(tried)), "a record was recorded twice"
        auditor = {"Authorization": f"Bearer {keys['auditor']}"}
        verdict = httpx.get(f"{url}/v1/audit/verify", headers=auditor).json()
        assert verdict["intact"], verdict
    finally:
        stop(proc)


def _case_refs(db_url: str, case_refs: Iterable[str]) -> list[str]:
    """Which of these case references the records table holds (once each, as stored: it keeps
    their keyed hashes, so the candidates are hashed under every source stored)."""
    registry = open_registry(db_url)
    try:
        keyed = registry.keyring.master.keyed_hash
        with registry.engine.connect() as conn:
            rows = conn.execute(text("SELECT source, case_ref FROM records")).all()
        sources = {r.source for r in rows}
        known = {keyed("case_ref", s, ref): ref for s in sources for ref in set(case_refs)}
        stored = [bytes(r.case_ref).hex() for r in rows]  # the keyed hashes' 32 bytes
        return [known[ref] for ref in stored if ref in known]
    finally:
        registry.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs of the test's own (root only: RECIPES.md)."""
    if os.geteuid() != 0:
        reason = "mounting a small tmpfs for the full-disk test needs root"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    block = b"\0" * 65536
    with filler.open("wb") as out:
        while _written(out, block):
            pass
    return filler


def _written(out: BinaryIO, block: bytes) -> bool:
    """Whether the block was written; False once the disk is full (any other error raises)."""
    try:
        out.write(block)
        out.flush()
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        return False
    return True


def test_a_full_disk_is_a_clear_503_writes_nothing_and_writes_resume_once_space_is_freed(
    small_disk: Path, tmp_path: Path
) -> None:
    db_url = f"sqlite:///{small_disk / 'full.db'}"
    keys = fresh_registry(db_url)
    source = {"Authorization": f"Bearer {keys['source']}"}
    proc, url = start_server(db_url, tmp_path / "server.log")
    try:
        with httpx.Client(base_url=url, headers=source, timeout=30) as client:
            assert client.post("/v1/records", json=record("disk-before")).status_code == 201
            filler = fill(small_disk)
            # The WAL may still have room for a few pages: write batches until the disk refuses.
            refused = None
            for n in range(200):
                batch = [record(f"disk-full-{n}-{i}") for i in range(20)]
                r = client.post("/v1/records", json=batch)
                if r.status_code != 201:
                    refused = n
                    assert "disk is full" in assert_unavailable(r)
                    break
            assert refused is not None, "the full disk never refused a write"
            half = _case_refs(db_url, [f"disk-full-{refused}-{i}" for i in range(20)])
            assert half == [], "the batch was half-written"
            checker = {"Authorization": f"Bearer {keys['checker']}"}
            check = {"subject": ric_number(), "mode": "air"}
            assert client.get("/v1/check", params=check, headers=checker).status_code == 200
            filler.unlink()
            after = client.post("/v1/records", json=record("disk-after"))
            assert after.status_code == 201, after.text
        auditor = {"Authorization": f"Bearer {keys['auditor']}"}
        assert httpx.get(f"{url}/v1/audit/verify", headers=auditor).json()["intact"]
    finally:
        stop(proc)
