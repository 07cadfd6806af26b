"""The lean /v1/check endpoint answers batches exactly as the FastAPI route does, in process.

The server answers POST /v1/check in check_route.CheckFastPath before FastAPI; the FastAPI app
alone is the route as documented. Both are driven here through ASGI with the same requests, and
their answers (status, content type, body bytes) must be equal, for good and bad input alike.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ric_number
from trustledger.api.app import create_app, serving
from trustledger.api.check_batch import plain_batch, results_json
from trustledger.api.limits import MAX_BODY_BYTES
from trustledger.api.schemas import BatchCheckIn
from trustledger.bootstrap import open_registry
from trustledger.checks import Denial, SubjectChange
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.identity import CnRic
from trustledger.domain.rulebook import Scope

TODAY = date.today()
BARRED = ric_number(900_001)
FREE = ric_number(900_002)
Answer = tuple[int, str, bytes]


@dataclass
class Apps:
    route: Any  # the FastAPI app alone: the documented route
    served: Any  # the app as served, with the lean endpoint in front
    key: str


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Apps]:
    db = tmp_path_factory.mktemp("fast") / "fast.db"
    registry = open_registry(f"sqlite:///{db}")
    registry.migrate()
    key = registry.keys.create(role="checker", name="fast-path").secret
    app = create_app(registry, follow=False)
    barring = Restriction(
        "r-1", BARRED, frozenset({Scope.AIR}), "air.disorder", "basis", None, None,
        TODAY, TODAY, TODAY + timedelta(days=90), None, RestrictionStatus.ACTIVE, None,
    )  # fmt: skip
    app.state.feed.index.apply([SubjectChange(CnRic().compact_key(BARRED), (barring,))])
    try:
        yield Apps(app, serving(app), key)
    finally:
        registry.close()


def call(app: Any, body: bytes | list[bytes], headers: dict[str, str] | None = None) -> Answer:
    """POST /v1/check through ASGI; a list of chunks is streamed without a Content-Length."""
    chunks = body if isinstance(body, list) else [body]
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if not isinstance(body, list):
        raw.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/v1/check", "raw_path": b"/v1/check", "root_path": "",
        "query_string": b"", "headers": [(b"host", b"test"), *raw],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2),
    }  # fmt: skip
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    content_type = dict(start["headers"]).get(b"content-type", b"").decode()
    return start["status"], content_type, b"".join(m.get("body", b"") for m in sent[1:])


def both(apps: Apps, body: bytes, headers: dict[str, str] | None = None) -> Answer:
    """The answer of the served app, asserted equal to the FastAPI route's."""
    headers = {
        "authorization": f"Bearer {apps.key}",
        "content-type": "application/json",
        **(headers or {}),
    }
    served = call(apps.served, body, headers)
    assert served == call(apps.route, body, headers)
    return served


def encoded(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def test_a_plain_batch_is_answered_as_the_route_answers_it(apps: Apps) -> None:
    status, content_type, body = both(apps, encoded({"subjects": [FREE, BARRED], "mode": "air"}))
    assert (status, content_type) == (200, "application/json")
    until = (TODAY + timedelta(days=90)).isoformat()
    assert orjson.loads(body) == {
        "results": [
            {"subject": FREE, "allowed": True},
            {
                "subject": BARRED,
                "allowed": False,
                "reason": "air.disorder",
                "until": until,
                "appeal": "/portal",
            },
        ]
    }


GOOD = {"subjects": [FREE, BARRED], "mode": "air"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", {}),
        (b"{", {}),
        (b"[]", {}),
        (b"null", {}),
        (encoded({}), {}),
        (encoded({"subjects": FREE, "mode": "air"}), {}),
        (encoded({"subjects": [FREE, 7], "mode": "air"}), {}),
        (encoded({"subjects": [FREE] * 10_001, "mode": "air"}), {}),
        (encoded({"subjects": [FREE], "mode": "bus"}), {}),
        (encoded(GOOD | {"class": "first"}), {}),
        (encoded(GOOD | {"class": None}), {}),
        (encoded(GOOD | {"class": "premium", "mode": "rail"}), {}),
        (encoded(GOOD | {"on": "tomorrow"}), {}),
        (encoded(GOOD | {"on": "2027-02-30"}), {}),
        (encoded(GOOD | {"on": "2027-02-28T00:00:00"}), {}),
        (encoded(GOOD | {"on": 20270101}), {}),
        (encoded(GOOD | {"on": None}), {}),
        (encoded(GOOD | {"on": (TODAY + timedelta(days=100)).isoformat()}), {}),
        (encoded(GOOD | {"extra": 1}), {}),
        (encoded({"subjects": [FREE, "110105194912310021"], "mode": "air"}), {}),
        (encoded({"subjects": [FREE.lower(), f" {BARRED} "], "mode": "air"}), {}),
        (encoded({"subjects": ["a,b", "\ud800", 'q"\\'], "mode": "air"}), {}),
        (b'{"subjects": [], "mode": "air", "on": NaN}', {}),
        (b'{"subjects": [], "mode": "air", "n": 1' + b"0" * 30 + b"}", {}),
        (b'{"mode": "rail", "mode": "air", "subjects": ["' + BARRED.encode() + b'"]}', {}),
        (encoded(GOOD).decode().encode("utf-16"), {}),
        (b"\xef\xbb\xbf" + encoded(GOOD), {}),
        (encoded(GOOD), {"content-type": "text/plain"}),
        (encoded(GOOD), {"content-type": "application/json; charset=utf-8"}),
        (encoded(GOOD), {"content-type": "application/problem+json"}),
        (encoded(GOOD), {"content-type": "Application/JSON ; charset=utf-8"}),
        (encoded(GOOD), {"content-type": ""}),
        (encoded(GOOD), {"authorization": "Bearer tl_not-a-key"}),
        (b"{", {"authorization": "Bearer tl_not-a-key"}),
        (encoded({"subjects": [FREE], "mode": "bus"}), {"authorization": ""}),
    ],
)
def test_any_batch_is_answered_as_the_route_answers_it(
    apps: Apps, body: bytes, headers: dict[str, str]
) -> None:
    both(apps, body, headers)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
fields = {
    "subjects": st.lists(st.sampled_from([FREE, BARRED, FREE.lower(), "x"]), max_size=4)
    | json_values,
    "mode": st.sampled_from(["air", "rail", "bus"]) | json_values,
    "class": st.sampled_from(["standard", "premium", "Premium"]) | json_values,
    "on": st.sampled_from([None, TODAY.isoformat(), "2026-13-01", "20261201"]) | json_values,
    "other": json_values,
}


iso_days = st.builds(
    lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
)
# Mostly bodies in the plain form or one step from it.
near_plain = st.fixed_dictionaries(
    {
        "subjects": st.lists(st.sampled_from([FREE, BARRED, FREE.lower()]) | st.text(max_size=3)),
        "mode": st.sampled_from(["air", "rail", "rail", "air", "bus"]),
    },
    optional={
        "class": st.sampled_from(["standard", "premium", "first"]) | st.none(),
        "on": iso_days | st.none() | st.sampled_from([TODAY.isoformat(), "2026-1-01"]),
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=near_plain | st.fixed_dictionaries({}, optional=fields))
def test_generated_batches_are_answered_as_the_route_answers_them(
    apps: Apps, payload: dict[str, Any]
) -> None:
    both(apps, encoded(payload))


def means_what_the_model_reads(payload: dict[str, Any]) -> None:
    """A body the lean endpoint takes as plain means what BatchCheckIn reads in it."""
    batch = plain_batch(encoded(payload))
    if batch is not None:
        model = BatchCheckIn.model_validate(payload)
        assert batch == (model.subjects, model.mode, model.class_, model.on)


@settings(max_examples=500)
@given(payload=near_plain | st.fixed_dictionaries({}, optional=fields))
def test_a_body_in_the_plain_form_means_what_the_routes_model_reads_in_it(
    payload: dict[str, Any],
) -> None:
    means_what_the_model_reads(payload)


@settings(max_examples=1000)
@given(day=iso_days)
def test_a_day_in_the_plain_form_is_the_day_the_routes_model_reads(day: str) -> None:
    means_what_the_model_reads({"subjects": [FREE], "mode": "air", "on": day})


def test_a_batch_body_past_the_limit_is_413_declared_or_streamed(apps: Apps) -> None:
    headers = {"authorization": f"Bearer {apps.key}", "content-type": "application/json"}
    body = b'{"subjects": [' + b'"x",' * (MAX_BODY_BYTES // 4) + b'"x"], "mode": "air"}'
    for app in (apps.served, apps.route):
        declared = call(app, body, headers)
        streamed = call(app, [body[: len(body) // 2], body[len(body) // 2 :]], headers)
        for status, content_type, answer in (declared, streamed):
            assert (status, content_type) == (413, "application/problem+json")
            assert orjson.loads(answer)["type"] == "/problems/too-large"
    assert call(apps.served, body, headers) == call(apps.route, body, headers)


def test_a_streamed_batch_under_the_limit_is_answered(apps: Apps) -> None:
    body = encoded(GOOD)
    headers = {"authorization": f"Bearer {apps.key}", "content-type": "application/json"}
    assert call(apps.served, [body[:7], body[7:]], headers) == call(apps.route, body, headers)


def encoded_items(subjects: list[str], barred: list[int], bars: list[Denial]) -> bytes:
    """orjson's encoding of the items as plain dicts: what the byte-built answer must equal."""
    items: list[dict[str, Any]] = [{"subject": s, "allowed": True} for s in subjects]
    for i, bar in zip(barred, bars, strict=True):
        items[i] = {
            "subject": subjects[i],
            "allowed": False,
            "reason": bar.reason,
            "until": bar.until,
            "appeal": "/portal",
        }
    return orjson.dumps({"results": items})


@given(
    subjects=st.lists(st.text(max_size=4) | st.sampled_from([FREE, BARRED]), max_size=8),
    marks=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_the_results_bytes_equal_orjsons_encoding_of_the_items(
    subjects: list[str], marks: list[bool]
) -> None:
    barred = [i for i in range(len(subjects)) if marks[i]]
    bars = [Denial(f"rule.{i}", date(2027, 1, i + 1), "r") for i in barred]
    assert results_json(subjects, barred, bars, appeal="/portal") == encoded_items(
        subjects, barred, bars
    )


@pytest.mark.parametrize("marks", [[], [0], [2], [0, 1, 2], [1]])
def test_uniform_subjects_take_the_byte_matrix_and_still_equal_orjsons_encoding(
    marks: list[int],
) -> None:
    subjects = [FREE, BARRED, FREE]
    bars = [Denial("air.disorder", date(2027, 1, 1), "r") for _ in marks]
    assert results_json(subjects, marks, bars, appeal="/portal") == encoded_items(
        subjects, marks, bars
    )
    assert results_json([], [], [], appeal="/portal") == b'{"results":[]}'
