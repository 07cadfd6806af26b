"""Issue 5's scenarios through HTTP: notice, appeal, overturn, fulfilment, expiry, review."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

from tests.api.conftest import Server, problem
from tests.api.test_flow import court_record
from tests.factories import SettableClock, kept_letter, ric_number
from trustledger.bootstrap import open_registry

TODAY = date.today()
START = TODAY + timedelta(days=10)


def sql(server: Server, statement: str, **params: Any) -> list[Any]:
    with server.registry.engine.connect() as conn:
        rows = list(conn.execute(text(statement), params))
        conn.rollback()
    return rows


def check(
    server: Server, subject: str, on: date, mode: str = "air", **extra: str
) -> dict[str, Any]:
    params = {"subject": subject, "mode": mode, "on": on.isoformat(), **extra}
    with server.client("checker") as checker:
        answer: dict[str, Any] = checker.get("/v1/check", params=params).json()
    return answer


def submit(server: Server, body: dict[str, Any]) -> dict[str, Any]:
    with server.client("source") as source:
        r = source.post("/v1/records", json=body)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()["results"][0]
    return result


def notices_of(server: Server, subject: str) -> list[Any]:
    """The subject's notice rows (stored under its pseudonym)."""
    pseudonym = server.registry.keyring.master.pseudonym(subject)
    return sql(server, "SELECT purpose FROM notices WHERE subject = :s", s=pseudonym)


def test_a_court_record_is_noticed_appealed_with_the_portal_code_and_overturned(
    server: Server,
) -> None:
    subject = ric_number()
    record = submit(server, court_record(subject))
    (row,) = sql(
        server,
        "SELECT purpose, notice_id FROM notices WHERE subject = :s",
        s=server.registry.keyring.master.pseudonym(subject),
    )
    notice = kept_letter(server.registry, row.notice_id)
    assert notice.purpose == "restriction"
    assert "Supreme People's Court" in notice.text
    assert "How to appeal" in notice.text
    assert check(server, subject, START - timedelta(days=1)) == {"allowed": True}
    denied = check(server, subject, START)
    assert denied["allowed"] is False
    assert denied["reason"] == "court.judgment_default"
    assert denied["until"] == (START + timedelta(days=364)).isoformat()

    key = server.subject_key(subject)
    with server.client(key=key) as me:
        wrong = me.post(
            f"/v1/subjects/{subject}/appeals", json={"grounds": "paid", "access_code": "AAAA-BBBB"}
        )
        problem(wrong, 401)
        filed = me.post(
            f"/v1/subjects/{subject}/appeals",
            json={
                "grounds": "I paid on 1 July; receipt attached.",
                "access_code": notice.access_code,
            },
        )
    assert filed.status_code == 201, filed.text
    appeal_id = filed.json()["appeal_id"]
    with server.client("officer") as officer:
        queue = officer.get("/v1/appeals").json()["appeals"]
        assert appeal_id in [a["appeal_id"] for a in queue]
        problem(
            officer.post(
                f"/v1/appeals/{appeal_id}/decision", json={"outcome": "overturned", "reasons": ""}
            ),
            422,
        )
        decided = officer.post(
            f"/v1/appeals/{appeal_id}/decision",
            json={"outcome": "overturned", "reasons": "The court confirmed the payment."},
        )
        assert decided.status_code == 200, decided.text
        flipped = time.monotonic()
        assert check(server, subject, START) == {"allowed": True}
        assert time.monotonic() - flipped < 1.0
        explained = officer.get(
            f"/v1/subjects/{subject}/explain", params={"purpose": "test"}
        ).json()
        history = officer.get(f"/v1/subjects/{subject}/events", params={"purpose": "test"}).json()
    with server.client("auditor") as auditor:
        assert auditor.get("/v1/audit/verify").json()["intact"] is True
    assert explained["restrictions"][0]["status"] == "lifted"
    assert explained["records"][0]["status"] == "overturned"
    assert explained["appeals"][0]["outcome"] == "overturned"
    kinds = [e["kind"] for e in history["events"]]
    for kind in (
        "recorded",
        "notice_issued",
        "appeal_filed",
        "appeal_decided",
        "restriction_lifted",
    ):
        assert kind in kinds
    assert record["record_id"] in explained["restrictions"][0]["restriction_id"]


def test_unpaid_social_insurance_ends_early_on_fulfilment_with_a_notice(server: Server) -> None:
    subject = ric_number()
    body = court_record(subject) | {
        "type": "social_insurance.unpaid",
        "attributes": {"amount_cny": 12000, "months_unpaid": 5},
    }
    record = submit(server, body)
    assert check(server, subject, START)["allowed"] is False
    with server.client("rail_source") as other:
        problem(other.post(f"/v1/records/{record['record_id']}/fulfilment", json={}), 403)
    with server.client("source") as source:
        paid = source.post(f"/v1/records/{record['record_id']}/fulfilment", json={})
    assert paid.status_code == 200, paid.text
    assert paid.json()["lifted"]
    assert check(server, subject, START) == {"allowed": True}
    purposes = [r.purpose for r in notices_of(server, subject)]
    assert "lifted" in purposes


def test_smoking_on_a_high_speed_train_expires_after_its_days_with_no_action(
    server: Server,
) -> None:
    subject = ric_number()
    submit(server, court_record(subject) | {"type": "rail.smoking", "attributes": {}})
    last = START + timedelta(days=179)
    assert check(server, subject, last, mode="rail")["until"] == last.isoformat()
    assert check(server, subject, last + timedelta(days=1), mode="rail") == {"allowed": True}
    # Half a year on, the daily sweep records the end and tells the subject.
    later = open_registry(server.db_url, clock=SettableClock(day=last + timedelta(days=1)))
    try:
        later.sweep.advance()
    finally:
        later.close()
    stored = server.registry.keyring.master.pseudonym(subject)  # events name it so
    kinds = [r.kind for r in sql(server, "SELECT kind FROM events WHERE subject = :s", s=stored)]
    assert "restriction_expired" in kinds
    purposes = [r.purpose for r in notices_of(server, subject)]
    assert "expired" in purposes


def test_a_score_below_the_threshold_opens_a_review_that_restricts_only_by_decision(
    server: Server,
) -> None:
    subject = ric_number()
    submit(server, court_record(subject))
    tax = court_record(subject) | {"type": "tax.serious_evasion", "case_ref": f"TAX-{subject}"}
    submit(server, tax)
    with server.client("officer") as officer:
        reviews = officer.get("/v1/reviews").json()["reviews"]
        (case,) = [c for c in reviews if c["subject"] == subject]
        assert case["score"] < case["below"] == 850
        purposes = [r.purpose for r in notices_of(server, subject)]
        assert "review" in purposes
        # The review alone restricts nothing: standard rail seats stay open.
        assert check(server, subject, START, mode="rail") == {"allowed": True}
        decided = officer.post(
            f"/v1/reviews/{case['case_id']}/decision",
            json={
                "outcome": "restrict",
                "scopes": ["rail"],
                "days": 90,
                "reasons": "Two serious debts unpaid.",
            },
        )
        assert decided.status_code == 200, decided.text
    restriction = decided.json()["restriction"]
    assert restriction["scopes"] == ["rail"]
    starts = date.fromisoformat(restriction["starts_on"])
    assert starts == TODAY + timedelta(days=10)
    assert check(server, subject, starts - timedelta(days=1), mode="rail") == {"allowed": True}
    denied = check(server, subject, starts, mode="rail")
    assert denied["reason"] == "review"
    assert denied["until"] == (starts + timedelta(days=89)).isoformat()
