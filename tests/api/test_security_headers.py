"""Security headers on every answer, also those given before the app's middleware: the check
fast path's answers and refusals, the drain's 503 and a replica's 503 (issue 14)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.conftest import Server
from tests.factories import ric_number
from trustledger.api.app import create_app, serving
from trustledger.api.drain import Drain
from trustledger.api.replica import ReadOnly
from trustledger.bootstrap import open_registry

CSP = "content-security-policy"


def assert_protected(response: httpx.Response) -> None:
    where = (response.request.method, response.request.url.path, response.status_code)
    assert response.headers.get("x-content-type-options") == "nosniff", where
    assert response.headers.get("referrer-policy") == "same-origin", where
    assert response.headers.get("cache-control") == "no-store", where
    assert "frame-ancestors 'none'" in response.headers.get(CSP, ""), where
    assert "unsafe-inline" not in response.headers[CSP]


@dataclass
class InProcess:
    served: Drain
    key: str


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    db = tmp_path_factory.mktemp("headers") / "headers.db"
    registry = open_registry(f"sqlite:///{db}")
    registry.migrate()
    key = registry.keys.create(role="checker", name="headers").secret
    try:
        yield InProcess(serving(create_app(registry, follow=False)), key)
    finally:
        registry.close()


def ask(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def test_the_check_fast_path_answers_and_refusals_carry_the_headers(in_process: InProcess) -> None:
    auth = {"Authorization": f"Bearer {in_process.key}"}
    params = {"subject": ric_number(), "mode": "air"}
    answered = ask(in_process.served, "GET", "/v1/check", params=params, headers=auth)
    assert answered.json() == {"allowed": True}
    batch = {"subjects": [ric_number()], "mode": "rail"}
    for response in (
        answered,
        ask(in_process.served, "POST", "/v1/check", json=batch, headers=auth),
        ask(in_process.served, "GET", "/v1/check", params=params),  # 401
        ask(in_process.served, "GET", "/v1/check", params={"mode": "air"}, headers=auth),  # 422
    ):
        assert_protected(response)
    assert answered.headers["content-type"] == "application/json"


def test_the_drain_s_503_carries_the_headers(in_process: InProcess) -> None:
    draining = Drain(in_process.served.app)
    draining.draining = True
    refused = ask(draining, "GET", "/healthz")
    assert refused.status_code == 503
    assert refused.headers["retry-after"]
    assert_protected(refused)


def test_a_replica_s_503_carries_the_headers(in_process: InProcess) -> None:
    replica = ReadOnly(in_process.served.app)
    refused = ask(replica, "POST", "/v1/records", json={})
    assert "send writes to the primary" in refused.json()["detail"]
    assert_protected(refused)


def test_every_json_answer_of_the_app_is_not_stored_and_pages_keep_their_csp(
    server: Server,
) -> None:
    with server.client("officer") as officer:
        for path in ("/v1/appeals", "/v1/stats", f"/v1/subjects/{ric_number()}?purpose=p"):
            assert_protected(officer.get(path))
    with server.client() as anonymous:
        assert_protected(anonymous.get("/healthz"))
        assert_protected(anonymous.get("/v1/appeals"))  # 401
        page = anonymous.get("/", headers={"Accept": "text/html"})
        assert_protected(page)
        assert "script-src 'self'" in page.headers[CSP]
        asset = anonymous.get("/static/site.css")
        assert asset.status_code == 200
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert asset.headers.get("cache-control") != "no-store"  # an asset may be cached
