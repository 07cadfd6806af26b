"""Through HTTP: concurrent single-record POSTs (group commit) are each answered exactly."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import text

from tests.api.conftest import Server, make_keys, problem, start_server
from tests.api.test_flow import court_record
from tests.factories import ric_number
from trustledger.bootstrap import open_registry


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: these many records would change what the shared one's tests count."""
    tmp = tmp_path_factory.mktemp("group-commit")
    db_url = f"sqlite:///{tmp / 'api.db'}"
    registry = open_registry(db_url)
    registry.migrate()
    proc, url = start_server(db_url, tmp / "server.log")
    try:
        yield Server(url, make_keys(registry), registry, db_url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        registry.close()


def test_concurrent_posts_with_retries_and_bad_ones_are_each_answered_as_alone(
    server: Server,
) -> None:
    subjects = [ric_number() for _ in range(24)]
    goods = [court_record(s, case_ref=f"HTTP-G-{s}") for s in subjects]
    clashes = [g | {"evidence_ref": "other contents"} for g in goods[:4]]
    bad = [court_record(ric_number(), occurred_on="2026-02-30") for _ in range(4)]

    def post(body: dict[str, object]) -> httpx.Response:
        with server.client("source") as source:
            return source.post("/v1/records", json=body)

    with ThreadPoolExecutor(16) as pool:
        first = list(pool.map(post, goods + bad))
        # Every good one again (the retry of a lost answer), beside reused case_refs.
        second = list(pool.map(post, goods + clashes))

    for r in first[: len(goods)]:
        assert r.status_code == 201, r.text
        assert r.json()["results"][0]["created"] is True
    for r in first[len(goods) :]:
        assert "occurred_on" in problem(r, 422)["detail"]
    for r, g in zip(second[: len(goods)], goods, strict=True):
        assert r.status_code == 200, r.text
        (result,) = r.json()["results"]
        assert (result["created"], result["case_ref"]) == (False, g["case_ref"])
    for r in second[len(goods) :]:
        assert "different contents" in problem(r, 409)["detail"]

    keyed = server.registry.keyring.master.keyed_hash  # records keep keyed case references
    with server.registry.engine.connect() as conn:
        rows = conn.execute(text("SELECT source, case_ref FROM records")).all()
        conn.rollback()
    known = {
        keyed("case_ref", r.source, str(g["case_ref"])): g["case_ref"] for r in rows for g in goods
    }
    stored = [bytes(r.case_ref).hex() for r in rows]  # the keyed hashes' 32 bytes
    assert sorted(known[ref] for ref in stored if ref in known) == sorted(
        str(g["case_ref"]) for g in goods
    )
    with server.client("auditor") as auditor:
        assert auditor.get("/v1/audit/verify").json()["intact"] is True
