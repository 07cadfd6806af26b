"""Erasure on request over HTTP: a subject asks to erase a record with no effect left, the
request waits in the officers' queue (fenced by region), and an officer decides it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tests.api.conftest import Server, problem
from tests.api.test_due_process import sql, submit
from tests.api.test_flow import court_record
from tests.api.test_officers_fenced import officer
from tests.api.test_officers_queues import listed
from tests.factories import SettableClock, ric_number
from trustledger.bootstrap import open_registry

HANGZHOU = "330106"  # Xihu district; no other API test files people there


@dataclass(frozen=True)
class Ended:
    subject: str
    record_id: str
    access_code: str


def ended(server: Server, *, region: str = HANGZHOU) -> Ended:
    """A court judgment submitted ten days ago and withdrawn by its source five days ago: it has
    no effect left today. Written through a registry whose clock stands on those days."""
    subject = ric_number(region=region)
    day = date.today() - timedelta(days=10)
    clock = SettableClock(day=day)
    past = open_registry(server.db_url, clock=clock)
    try:
        source = past.keys.source("court-test")
        body = court_record(subject, decided_on=(day - timedelta(days=2)).isoformat())
        submitted = past.intake.submit(body, source=source)
        clock.advance(5)
        rid = submitted.record.record_id
        past.corrections.withdraw(rid, source=source, reason="the wrong person")
    finally:
        past.close()
    return Ended(subject, rid, submitted.notices[0].access_code)


def requested(server: Server, e: Ended, reason: str = "It is no longer needed.") -> dict[str, Any]:
    with server.client(key=server.subject_key(e.subject)) as me:
        r = me.post(
            f"/v1/subjects/{e.subject}/erasure-requests",
            json={"record_id": e.record_id, "reason": reason, "access_code": e.access_code},
        )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_subject_requests_erasure_and_a_fenced_officer_sees_only_their_regions(
    server: Server,
) -> None:
    inside = ended(server)
    outside = ended(server, region="110105")
    filed = requested(server, inside, reason="Paid in full in 2025; not needed.")
    assert filed["record_id"] == inside.record_id
    # The reason is personal: sealed under the record's key, not in the plain data.
    rows = sql(server, "SELECT data, sealed FROM events WHERE kind = 'erasure_requested'")
    assert rows
    assert all("Paid in full" not in str(data) and sealed is not None for data, sealed in rows)
    assert date.fromisoformat(filed["deadline"]) == date.today() + timedelta(days=15)
    other = requested(server, outside)["case_id"]
    with officer(server, regions=["3301"]) as hangzhou:
        found = listed(hangzhou, "/v1/erasure-requests", "erasures", limit=500)
        assert [c["case_id"] for c in found] == [filed["case_id"]]
        assert found[0]["subject"] == inside.subject
        refused = hangzhou.post(
            f"/v1/erasure-requests/{other}/decision",
            json={"outcome": "granted", "reasons": "No effect left."},
        )
        assert "outside your jurisdiction" in problem(refused, 403)["detail"]
    with server.client("officer") as everywhere:
        seen = {c["case_id"] for c in listed(everywhere, "/v1/erasure-requests", "erasures")}
        assert {filed["case_id"], other} <= seen
    (status,) = sql(server, "SELECT outcome FROM erasure_cases WHERE case_id = :c", c=other)
    assert status[0] is None  # the refusal decided nothing


def test_a_refusal_is_recorded_with_its_reasons_and_leaves_the_queue(server: Server) -> None:
    e = ended(server)
    case_id = requested(server, e)["case_id"]
    with server.client("officer") as clerk:
        r = clerk.post(
            f"/v1/erasure-requests/{case_id}/decision",
            json={"outcome": "refused", "reasons": "A court asked that it be kept."},
        )
        assert r.status_code == 200, r.text
        assert r.json()["outcome"] == "refused"
        notice_id = r.json()["notice_id"]
        assert case_id not in {
            c["case_id"] for c in listed(clerk, "/v1/erasure-requests", "erasures")
        }
        again = clerk.post(
            f"/v1/erasure-requests/{case_id}/decision",
            json={"outcome": "refused", "reasons": "Twice."},
        )
        assert "was decided on" in problem(again, 409)["detail"]
        file = clerk.get(f"/v1/subjects/{e.subject}", params={"purpose": "erasure request"})
    assert file.status_code == 200
    assert e.record_id in file.text  # the record stays
    (listed_case,) = file.json()["erasure_requests"]
    assert (listed_case["case_id"], listed_case["outcome"]) == (case_id, "refused")
    assert listed_case["reasons"] == "A court asked that it be kept."
    # The subject is told by letter, the record's (it goes with the record's key).
    assert sql(server, "SELECT purpose, target FROM notices WHERE notice_id = :n", n=notice_id) == [
        ("erasure", e.record_id)
    ]


def test_a_record_still_in_effect_cannot_be_requested(server: Server) -> None:
    subject = ric_number(region=HANGZHOU)
    record = submit(server, court_record(subject))
    with server.client("officer") as clerk:
        r = clerk.post(
            f"/v1/subjects/{subject}/erasure-requests",
            json={"record_id": record["record_id"], "reason": "Please."},
        )
    body = problem(r, 422)
    assert f"record {record['record_id']} still has effect" in body["detail"]
    assert (
        sql(server, "SELECT count(*) FROM erasure_cases WHERE subject = :s", s=subject)[0][0] == 0
    )


def test_a_subject_key_needs_the_code_of_a_notice(server: Server) -> None:
    e = ended(server)
    with server.client(key=server.subject_key(e.subject)) as me:
        path = f"/v1/subjects/{e.subject}/erasure-requests"
        no_code = me.post(path, json={"record_id": e.record_id, "reason": "x"})
        problem(no_code, 422)
        wrong = me.post(
            path, json={"record_id": e.record_id, "reason": "x", "access_code": "AAAA-BBBB"}
        )
        problem(wrong, 401)


def test_a_grant_erases_the_record_and_keeps_the_one_in_force(server: Server) -> None:
    e = ended(server)
    kept = submit(server, court_record(e.subject, case_ref=f"KEEP-{e.subject[-6:]}"))
    case_id = requested(server, e)["case_id"]
    with server.client("officer") as clerk:
        r = clerk.post(
            f"/v1/erasure-requests/{case_id}/decision",
            json={"outcome": "granted", "reasons": "No effect left; not needed."},
        )
        assert r.status_code == 200, r.text
        assert r.json()["outcome"] == "granted"
        file = clerk.get(f"/v1/subjects/{e.subject}", params={"purpose": "erasure request"})
        assert case_id not in {
            c["case_id"] for c in listed(clerk, "/v1/erasure-requests", "erasures")
        }
    assert file.status_code == 200
    assert [rec["record_id"] for rec in file.json()["records"]] == [kept["record_id"]]
    assert e.record_id not in file.text
    assert "It is no longer needed." not in file.text
    (erased,) = sql(
        server, "SELECT data FROM events WHERE kind = 'erased' AND data LIKE :c", c=f"%{case_id}%"
    )
    assert e.record_id in erased[0]
    # The request went with the record: nothing of it is left to decide or to read.
    with server.client("officer") as clerk:
        again = clerk.post(
            f"/v1/erasure-requests/{case_id}/decision", json={"outcome": "granted", "reasons": "x"}
        )
    problem(again, 404)
