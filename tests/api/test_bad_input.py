"""Bad input through HTTP: problem+json naming the field and the reason, and nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from tests.api.conftest import Server, problem, serving
from tests.api.test_flow import court_record
from tests.factories import ric_number

TODAY = date.today()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own, so that `unchanged` counts what its test wrote and
    nothing else. The shared one takes writes from earlier tests late: a denied check is
    audited by the server's check-log thread up to 0.2 s after it was answered (the `check.deny`
    of test_due_process.py's last check landed inside the next test here), and the notice
    outbox marks letters with no address undelivered, with an audit entry, once a minute. Here
    the outbox is off and no test is denied a check, so nothing is written but by a request."""
    tmp = tmp_path_factory.mktemp("bad-input")
    with serving(tmp, TRUSTLEDGER_DELIVER_NOTICES="false") as running:
        yield running


@pytest.fixture
def unchanged(server: Server) -> Iterator[None]:
    """Asserts that the test wrote no event, no record and no audit entry."""
    before = [server.count(t) for t in ("events", "records", "audit_log")]
    yield
    assert [server.count(t) for t in ("events", "records", "audit_log")] == before


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"subject": "110105194912310021"}, "subject", 422),
        ({"subject": "11010519491231002"}, "subject", 422),
        ({"type": "speech.criticism"}, "type", 422),
        # Conduct after its decision: the decision date is the one at fault.
        ({"occurred_on": (TODAY + timedelta(days=3)).isoformat()}, "decided_on", 422),
        ({"decided_on": (TODAY + timedelta(days=1)).isoformat()}, "decided_on", 422),
        ({"occurred_on": "2026-02-30"}, "occurred_on", 422),
        ({"attributes": {"amount_cny": "a lot"}}, "attributes.amount_cny", 422),
    ],
)
def test_an_invalid_record_is_refused_naming_the_field(
    server: Server, change: dict[str, object], field: str, status: int
) -> None:
    with server.client("source") as source:
        body = problem(source.post("/v1/records", json=court_record(ric_number()) | change), status)
    assert body["errors"][0]["field"] == field
    assert field in body["detail"]


@pytest.mark.usefixtures("unchanged")
def test_a_source_may_not_submit_a_type_outside_its_grant(server: Server) -> None:
    with server.client("rail_source") as rail:
        body = problem(rail.post("/v1/records", json=court_record(ric_number())), 403)
    assert "court.judgment_default" in body["detail"]


def test_the_same_case_ref_with_other_contents_is_a_conflict(server: Server) -> None:
    record = court_record(ric_number())
    with server.client("source") as source:
        assert source.post("/v1/records", json=record).status_code == 201
        before = server.count("events")
        changed = record | {"attributes": {"amount_cny": 1}}
        body = problem(source.post("/v1/records", json=changed), 409)
    assert "case_ref" in body["detail"]
    assert server.count("events") == before


@pytest.mark.usefixtures("unchanged")
def test_a_batch_with_one_bad_record_writes_none(server: Server) -> None:
    good = court_record(ric_number())
    bad = court_record(ric_number()) | {"subject": "110105194912310021"}
    with server.client("source") as source:
        body = problem(source.post("/v1/records", json=[good, bad]), 422)
    assert body["errors"][0]["field"] == "[1].subject"


@pytest.mark.usefixtures("unchanged")
def test_malformed_json_is_a_problem_not_a_crash(server: Server) -> None:
    with server.client("source") as source:
        r = source.post(
            "/v1/records", content=b'{"subject": ', headers={"content-type": "application/json"}
        )
    problem(r, 422)


@pytest.mark.usefixtures("unchanged")
def test_an_oversized_batch_check_is_refused(server: Server) -> None:
    subjects = [ric_number(i) for i in range(10_001)]
    with server.client("checker") as checker:
        body = problem(checker.post("/v1/check", json={"subjects": subjects, "mode": "air"}), 422)
    assert body["errors"][0]["field"] == "subjects"


@pytest.mark.usefixtures("unchanged")
def test_a_body_past_the_size_limit_is_413(server: Server) -> None:
    with server.client("source") as source:
        r = source.post(
            "/v1/records",
            content=b"[" + b'{"x": 1},' * 1_000_000 + b"{}]",
            headers={"content-type": "application/json"},
        )
    problem(r, 413)


def chunks(body: bytes, size: int = 1 << 20) -> Iterator[bytes]:
    """The body as a stream: httpx sends it chunked, with no Content-Length to refuse it by."""
    for at in range(0, len(body), size):
        yield body[at : at + size]


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("path", "role"), [("/v1/records", "source"), ("/v1/check", "checker")])
def test_a_streamed_body_past_the_size_limit_is_413(server: Server, path: str, role: str) -> None:
    body = b'{"subjects": [' + b'"11010519491231002X",' * 500_000 + b'""], "mode": "air"}'
    with server.client(role) as client:
        r = client.post(path, content=chunks(body), headers={"content-type": "application/json"})
        assert "content-length" not in r.request.headers
        declared = client.post(path, content=body, headers={"content-type": "application/json"})
    assert problem(r, 413)["type"] == "/problems/too-large"
    assert problem(declared, 413) == problem(r, 413)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subjects": ["11010519491231002X"], "mode": "bus"}, "mode"),
        ({"subjects": ["11010519491231002X"], "mode": "air", "class": "first"}, "class"),
        ({"subjects": ["11010519491231002X"], "mode": "air", "on": "tomorrow"}, "on"),
        ({"subjects": ["11010519491231002X", 7], "mode": "air"}, "subjects.1"),
        ({"subjects": ["11010519491231002X"], "mode": "air", "extra": 1}, "extra"),
        ({"subjects": ["11010519491231002X", "110105194912310021"], "mode": "air"}, "subjects[1]"),
        ({"mode": "air"}, "subjects"),
    ],
)
def test_a_bad_batch_check_names_the_field(
    server: Server, body: dict[str, object], field: str
) -> None:
    with server.client("checker") as checker:
        answer = problem(checker.post("/v1/check", json=body), 422)
    assert answer["errors"][0]["field"] == field


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"subject": "110105194912310021", "mode": "air"}, "subject"),
        ({"subject": "11010519491231002X", "mode": "bus"}, "mode"),
        ({"subject": "11010519491231002X", "mode": "rail", "class": "first"}, "class"),
        ({"subject": "11010519491231002X", "mode": "air", "on": "tomorrow"}, "on"),
        ({"mode": "air"}, "subject"),
    ],
)
def test_a_bad_check_names_the_parameter(
    server: Server, params: dict[str, str], field: str
) -> None:
    with server.client("checker") as checker:
        body = problem(checker.get("/v1/check", params=params), 422)
    assert body["errors"][0]["field"] == field


def test_a_missing_or_unknown_key_is_401(server: Server) -> None:
    with server.client() as anonymous:
        problem(anonymous.get("/v1/check", params={"subject": "x", "mode": "air"}), 401)
    with server.client(key="tl_not-a-key") as stranger:
        problem(stranger.get("/v1/audit/verify"), 401)
