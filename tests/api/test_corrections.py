"""Corrections and withdrawals over HTTP: who may, what a repeat answers, what checks then say."""

from __future__ import annotations

from datetime import date, timedelta

from tests.api.conftest import Server, problem
from tests.factories import kept_letter, ric_number

TODAY = date.today()


def smoking(subject: str) -> dict[str, object]:
    return {
        "subject": subject,
        "type": "rail.smoking",
        "occurred_on": (TODAY - timedelta(days=40)).isoformat(),
        "decided_on": (TODAY - timedelta(days=20)).isoformat(),
        "case_ref": f"RAIL-{subject}",
    }


def submitted(server: Server, subject: str) -> str:
    with server.client("source") as c:
        r = c.post("/v1/records", json=smoking(subject))
    assert r.status_code == 201, r.text
    return str(r.json()["results"][0]["record_id"])


def allowed(server: Server, subject: str, mode: str, day: date) -> bool:
    with server.client("checker") as c:
        r = c.get("/v1/check", params={"subject": subject, "mode": mode, "on": day.isoformat()})
    assert r.status_code == 200, r.text
    return bool(r.json()["allowed"])


def letter(server: Server, notice_id: str) -> str:
    return kept_letter(server.registry, notice_id).text


def test_a_correction_to_a_more_adverse_type_bars_flights_only_after_its_own_notice(
    server: Server,
) -> None:
    subject = ric_number()
    rid = submitted(server, subject)
    in_ten = TODAY + timedelta(days=10)
    assert allowed(server, subject, "air", in_ten)
    change = {"changes": {"type": "air.false_threat"}, "reason": "Retrial: a false threat."}
    with server.client("source") as c:
        r = c.post(f"/v1/records/{rid}/correction", json=change)
    assert r.status_code == 201, r.text
    done = r.json()
    assert (done["created"], done["adverse"], done["changes"]) == (
        True,
        True,
        {"type": "air.false_threat"},
    )
    assert allowed(server, subject, "air", in_ten - timedelta(days=1))
    assert not allowed(server, subject, "air", in_ten)
    assert allowed(server, subject, "rail", in_ten)  # trains: narrower, at once
    texts = [letter(server, n) for n in done["notice_ids"]]
    assert any("record type: rail.smoking -> air.false_threat" in t for t in texts)
    assert any("It is a new decision" in t and "no flights" in t for t in texts)
    events = server.count("events")
    with server.client("source") as c:
        again = c.post(f"/v1/records/{rid}/correction", json=change)
    assert again.status_code == 200
    assert again.json() | {"created": True} == done
    assert server.count("events") == events


def test_only_the_submitting_source_and_never_after_withdrawal(server: Server) -> None:
    subject = ric_number()
    rid = submitted(server, subject)
    body = {"reason": "Fined the wrong passenger."}
    with server.client("rail_source") as c:
        problem(c.post(f"/v1/records/{rid}/withdrawal", json=body), 403)
    with server.client("checker") as c:
        problem(c.post(f"/v1/records/{rid}/withdrawal", json=body), 403)
    with server.client("source") as c:
        problem(c.post("/v1/records/rec_none/withdrawal", json=body), 404)
        assert not allowed(server, subject, "rail", TODAY + timedelta(days=10))
        r = c.post(f"/v1/records/{rid}/withdrawal", json=body)
        assert r.status_code == 201, r.text
        assert allowed(server, subject, "rail", TODAY + timedelta(days=10))
        assert "Fined the wrong passenger." in letter(server, r.json()["notice_ids"][0])
        again = c.post(f"/v1/records/{rid}/withdrawal", json=body)
        assert (again.status_code, again.json()["notice_ids"]) == (200, r.json()["notice_ids"])
        change = {"changes": {"evidence_ref": "ev-2"}, "reason": "late"}
        assert (
            "withdrawn"
            in problem(c.post(f"/v1/records/{rid}/correction", json=change), 409)["detail"]
        )
        explained = c.get(f"/v1/subjects/{subject}/explain")
    assert explained.status_code == 403  # a source reads no files


def test_a_bad_correction_is_a_problem_naming_the_field_and_writes_nothing(
    server: Server,
) -> None:
    rid = submitted(server, ric_number())
    events = server.count("events")
    with server.client("source") as c:
        bad = c.post(
            f"/v1/records/{rid}/correction",
            json={"changes": {"decided_on": "2099-01-01"}, "reason": "r"},
        )
        body = problem(bad, 422)
        assert "changes.decided_on" in str(body)
        problem(c.post(f"/v1/records/{rid}/correction", json={"changes": {}}), 422)
        problem(c.post(f"/v1/records/{rid}/withdrawal", json={"reason": ""}), 422)
    assert server.count("events") == events
