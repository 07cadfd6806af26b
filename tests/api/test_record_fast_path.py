"""The lean single-record write answers as the FastAPI route does, and passes on what it does not
take (a list, a body RecordIn refuses, one not declared JSON) for the route to answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.api.test_flow import court_record
from tests.api.test_security_headers import assert_protected
from tests.factories import ric_number
from trustledger.api.app import create_app
from trustledger.api.record_route import RecordFastPath, plain_record
from trustledger.api.routes_records import record_out, records_json
from trustledger.api.schemas import RecordsOut
from trustledger.api.state import app_state
from trustledger.bootstrap import Registry, open_registry
from trustledger.services.checking.feed import CheckFeed


@dataclass
class Spy:
    """The FastAPI app, counting the requests that reach it."""

    app: ASGIApp
    seen: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


@dataclass
class Lean:
    served: RecordFastPath
    route: Spy
    keys: dict[str, str]
    registry: Registry

    def post(self, role: str | None, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return ask(self.served, "/v1/records", headers=headers, **kwargs)


@pytest.fixture(scope="module")
def lean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lean]:
    db = tmp_path_factory.mktemp("record-fast-path") / "records.db"
    registry = open_registry(f"sqlite:///{db}")
    registry.migrate()
    keys = {
        "source": registry.keys.create(role="source", name="court-lean", types=["court.*"]).secret,
        "checker": registry.keys.create(role="checker", name="checker-lean").secret,
    }
    app = create_app(registry, follow=False)
    spy = Spy(app)
    try:
        yield Lean(RecordFastPath(spy, state=app_state(app)), spy, keys, registry)
    finally:
        registry.close()


def ask(app: Any, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, **kwargs)

    return asyncio.run(go())


def test_a_single_record_is_written_without_the_route_and_answered_as_the_route_would(
    lean: Lean,
) -> None:
    body = court_record(ric_number())
    first = lean.post("source", json=body)
    again = lean.post("source", json=body)
    assert lean.route.seen == []
    assert first.status_code == 201, first.text
    (result,) = first.json()["results"]
    assert (result["created"], result["case_ref"], result["type"]) == (
        True,
        body["case_ref"],
        "court.judgment_default",
    )
    assert [n["purpose"] for n in result["notices"]] == ["restriction"]
    assert again.status_code == 200
    assert again.json()["results"][0] | {"notices": []} == result | {
        "created": False,
        "notices": [],
    }
    assert_protected(first)
    assert first.headers["content-type"] == "application/json"
    with lean.registry.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM records WHERE record_id = :id"), {"id": result["record_id"]}
        ).scalar_one()
        conn.rollback()
    assert stored == 1


def test_the_lean_answer_is_the_bytes_the_route_s_model_encodes(lean: Lean) -> None:
    body = court_record(ric_number())
    source = lean.registry.keys.authenticate(lean.keys["source"]).as_source()
    result = lean.registry.intake.submit(body, source=source)
    assert result.notices  # a notice's date and purpose are encoded too
    model = RecordsOut(results=[record_out(result)]).model_dump_json().encode()
    assert records_json([result]) == model
    assert orjson.loads(model)["results"][0]["notices"][0]["purpose"] == "restriction"


def test_refusals_of_a_plain_body_are_problems_and_reach_no_route(lean: Lean) -> None:
    body = court_record(ric_number())
    unauthenticated = lean.post(None, json=body)
    checker = lean.post("checker", json=body)
    invalid = lean.post("source", json=body | {"occurred_on": "2026-02-30"})
    clash = lean.post("source", json=body)
    conflict = lean.post("source", json=body | {"evidence_ref": "other contents"})
    assert lean.route.seen == []
    assert unauthenticated.status_code == 401
    assert checker.status_code == 403
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "occurred_on"
    assert clash.status_code == 201
    assert conflict.status_code == 409
    assert "different contents" in conflict.json()["detail"]
    for r in (unauthenticated, checker, invalid, conflict):
        assert r.headers["content-type"] == "application/problem+json"
        assert_protected(r)


@pytest.mark.parametrize(
    ("content", "headers", "status", "field"),
    [
        (orjson.dumps(court_record(ric_number()) | {"subject": 7}), None, 422, "subject"),
        (b'{"subject": ', None, 422, None),
        (orjson.dumps([court_record(ric_number())]), None, 201, None),
        (orjson.dumps(court_record(ric_number())), {"content-type": "text/plain"}, 422, None),
    ],
)
def test_what_the_lean_path_does_not_take_the_route_answers(
    lean: Lean, content: bytes, headers: dict[str, str] | None, status: int, field: str | None
) -> None:
    before = len(lean.route.seen)
    given = {"content-type": "application/json"} | (headers or {})
    auth = {"Authorization": f"Bearer {lean.keys['source']}"}
    answer = ask(lean.served, "/v1/records", content=content, headers=auth | given)
    assert lean.route.seen[before:] == ["POST /v1/records"]
    assert answer.status_code == status, answer.text
    if field is not None:
        # The route's union model names it (RecordIn.subject), as it did before this layer.
        assert field in answer.json()["errors"][0]["field"]


def test_a_plain_record_body_is_read_as_the_route_reads_it() -> None:
    body = court_record(ric_number()) | {"contact": "li@example.org", "evidence_ref": None}
    fields = plain_record(orjson.dumps(body))
    assert fields is not None
    assert "evidence_ref" not in fields  # exclude_none, as the route dumps it
    assert fields["contact"] == "li@example.org"  # extra fields go on to validation
    assert plain_record(orjson.dumps([body])) is None
    assert plain_record(orjson.dumps(body | {"case_ref": 12})) is None


@pytest.fixture
def followed(lean: Lean) -> Iterator[CheckFeed]:
    """The lean app's feed, following the write queue as the app's lifespan has it while serving
    (an in-process app runs no lifespan)."""
    feed = lean.served.state.feed
    with lean.registry.follow_writes(feed):
        yield feed


def test_every_group_committed_write_polls_the_check_index_once_by_either_path(
    lean: Lean, followed: CheckFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = followed
    polls: list[int] = []
    poll = feed.poll_after_write

    def counted() -> None:  # which group was the last committed when it polled
        polls.append(lean.registry.writes.groups)
        poll()

    monkeypatch.setattr(feed, "poll_after_write", counted)
    auth = {"Authorization": f"Bearer {lean.keys['source']}"}
    # application/*+json: FastAPI reads it as JSON, the lean layer hands it to the route.
    routed = {"content-type": "application/vnd.trustledger+json"} | auth

    async def post(content: bytes, headers: dict[str, str]) -> int:
        transport = httpx.ASGITransport(app=lean.served)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.post("/v1/records", content=content, headers=headers)
            return answer.status_code

    async def wave() -> list[int]:
        bodies = [orjson.dumps(court_record(ric_number())) for _ in range(12)]
        lean_json = {"content-type": "application/json"} | auth
        return await asyncio.gather(
            *(post(b, lean_json if n % 3 else routed) for n, b in enumerate(bodies))
        )

    groups = lean.registry.writes.groups
    before = len(lean.route.seen)
    alone = ask(lean.served, "/v1/records", json=court_record(ric_number()), headers=auth)
    assert alone.status_code == 201
    assert asyncio.run(post(orjson.dumps(court_record(ric_number())), routed)) == 201
    assert asyncio.run(wave()) == [201] * 12
    assert len(lean.route.seen) - before == 5  # one routed alone, four in the wave
    committed = lean.registry.writes.groups - groups
    assert 2 < committed <= 14
    assert len(polls) == committed  # one poll a group, after its commit
    assert polls == list(range(groups + 1, groups + committed + 1))
    listed = [court_record(ric_number()) for _ in range(3)]
    assert ask(lean.served, "/v1/records", json=listed, headers=auth).status_code == 201
    assert len(polls) == committed + 1  # a list is its own transaction, polled once too
