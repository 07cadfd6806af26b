"""Every role against every endpoint: allowed, or 403 with nothing of the subject in the answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Server
from tests.api.test_flow import court_record
from tests.factories import ric_number

SUBJECT = ric_number()
OTHER = ric_number()
ROLES = ("source", "checker", "officer", "auditor", "subject", "fenced_officer")

# (method, path, body or params, roles admitted)
ENDPOINTS: list[tuple[str, str, Any, set[str]]] = [
    ("POST", "/v1/records", None, {"source"}),
    ("GET", "/v1/check", {"subject": SUBJECT, "mode": "air"}, {"checker"}),
    ("POST", "/v1/check", {"subjects": [SUBJECT], "mode": "rail"}, {"checker"}),
    # An auditor reads no file; an officer fenced to Guangdong (44) no Beijing (11) file.
    ("GET", f"/v1/subjects/{SUBJECT}", {"purpose": "matrix"}, {"officer", "subject"}),
    ("GET", f"/v1/subjects/{SUBJECT}/explain", {"purpose": "matrix"}, {"officer", "subject"}),
    ("GET", f"/v1/subjects/{OTHER}", {"purpose": "matrix"}, {"officer"}),
    ("GET", f"/v1/subjects/{SUBJECT}/events", {"purpose": "matrix"}, {"officer", "subject"}),
    ("GET", "/v1/audit/verify", None, {"auditor"}),
    ("GET", "/v1/audit/checkpoint", None, {"auditor", "subject"}),
    # A leaf the log does not have: 404 for the roles admitted, 403 before any lookup otherwise.
    ("GET", "/v1/audit/inclusion", {"leaf": 10**12}, {"auditor", "subject"}),
    ("GET", "/v1/audit/consistency", {"from": 0, "to": 0}, {"auditor"}),
    ("GET", "/v1/stats", None, {"officer", "auditor", "fenced_officer"}),
    (
        "POST",
        f"/v1/subjects/{SUBJECT}/appeals",
        {"grounds": "g", "access_code": "X"},
        {"officer", "subject", "fenced_officer"},
    ),
    (
        "POST",
        "/v1/appeals/apl_missing/decision",
        {"outcome": "upheld", "reasons": "r"},
        {"officer", "fenced_officer"},
    ),
    ("POST", "/v1/records/rec_missing/fulfilment", {}, {"source"}),
    (
        "POST",
        "/v1/records/rec_missing/correction",
        {"changes": {"evidence_ref": "ev-2"}, "reason": "r"},
        {"source"},
    ),
    ("POST", "/v1/records/rec_missing/withdrawal", {"reason": "r"}, {"source"}),
    (
        "POST",
        "/v1/reviews/case_missing/decision",
        {"outcome": "no_action", "reasons": "r"},
        {"officer", "fenced_officer"},
    ),
    (
        "POST",
        f"/v1/subjects/{SUBJECT}/erasure-requests",
        {"record_id": "rec_missing", "reason": "r"},
        {"officer", "subject", "fenced_officer"},
    ),
    (
        "POST",
        "/v1/erasure-requests/era_missing/decision",
        {"outcome": "refused", "reasons": "r"},
        {"officer", "fenced_officer"},
    ),
    ("GET", "/v1/erasure-requests", None, {"officer", "fenced_officer"}),
    ("GET", "/v1/appeals", None, {"officer", "fenced_officer"}),
    ("GET", "/v1/reviews", None, {"officer", "fenced_officer"}),
    ("GET", "/v1/notices/undelivered", None, {"officer", "fenced_officer"}),
    ("GET", "/v1/events", {"after": 10**9}, {"checker", "auditor"}),
]


@pytest.fixture(scope="module")
def keys(server: Server) -> dict[str, str]:
    with server.client("source") as source:
        source.post("/v1/records", json=court_record(SUBJECT))
        source.post("/v1/records", json=court_record(OTHER))
    fenced = server.registry.keys.create(
        role="officer", name="officer-44", regions=["44"], actor="test"
    )
    return {role: server.keys[role] for role in ROLES if role in server.keys} | {
        "subject": server.subject_key(SUBJECT),
        "fenced_officer": fenced.secret,
    }


def call(server: Server, key: str, method: str, path: str, payload: Any) -> Any:
    with server.client(key=key) as client:
        if path == "/v1/events":
            with client.stream(method, path, params=payload) as stream:
                return stream.status_code, stream.read() if stream.status_code != 200 else b""
        if method == "GET":
            r = client.get(path, params=payload)
        elif path == "/v1/records":
            r = client.post(path, json=court_record(ric_number()))
        elif path.startswith("/v1/subjects/") and path.endswith(("/appeals", "/erasure-requests")):
            with server.registry.uow(readonly=True) as uow:  # the code is sealed
                code = uow.notices.for_subject(SUBJECT)[0].access_code
            r = client.post(path, json=payload | {"access_code": code})
        else:
            r = client.post(path, json=payload)
        return r.status_code, r.content


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "payload", "admitted"), ENDPOINTS)
def test_each_role_is_admitted_or_refused_without_a_leak(
    server: Server,
    keys: dict[str, str],
    role: str,
    method: str,
    path: str,
    payload: Any,
    admitted: set[str],
) -> None:
    status, content = call(server, keys[role], method, path, payload)
    if role in admitted:
        # Admitted: the answer is about the request (done, not found, invalid), never the key.
        assert status not in (401, 403), content
        assert status < 500, content
    else:
        assert status == 403, content
        assert b'"score"' not in content
        assert b"court.judgment_default" not in content


def test_the_matrix_covers_every_endpoint_of_the_api(server: Server) -> None:
    with server.client() as client:
        schema = client.get("/openapi.json").json()
    published = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/v1/")
        for method in operations
    }

    def template(path: str) -> str:
        for name, value in (("subject", SUBJECT), ("subject", OTHER)):
            path = path.replace(value, "{" + name + "}")
        parts = path.split("/")
        ids = {
            "appeals": "{appeal_id}",
            "records": "{record_id}",
            "reviews": "{case_id}",
            "erasure-requests": "{case_id}",
        }
        return "/".join(
            ids[parts[i - 1]] if i and parts[i - 1] in ids and "_" in p else p
            for i, p in enumerate(parts)
        )

    covered = {(method, template(path)) for method, path, _, _ in ENDPOINTS}
    assert published <= covered, sorted(published - covered)
