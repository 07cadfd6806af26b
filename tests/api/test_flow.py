"""Through HTTP: a source submits a record, the check denies after the notice period, explain says why."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.api.conftest import Server, serving
from tests.factories import ric_number

TODAY = date.today()


def court_record(subject: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "subject": subject,
        "type": "court.judgment_default",
        "occurred_on": (TODAY - timedelta(days=120)).isoformat(),
        "decided_on": (TODAY - timedelta(days=30)).isoformat(),
        "case_ref": f"(2026)京0105执{subject[-6:]}号",
        "attributes": {"amount_cny": 86000},
    }
    return body | overrides


def test_a_submitted_record_is_noticed_at_once_and_denies_only_after_the_notice_period(
    server: Server,
) -> None:
    subject = ric_number()
    with server.client("source") as source:
        r = source.post("/v1/records", json=court_record(subject))
    assert r.status_code == 201, r.text
    (result,) = r.json()["results"]
    assert result["created"] is True
    assert [n["purpose"] for n in result["notices"]] == ["restriction"]

    with server.client("checker") as checker:
        inside = checker.get("/v1/check", params={"subject": subject, "mode": "air"})
        assert inside.json() == {"allowed": True}
        start = (TODAY + timedelta(days=10)).isoformat()
        after = checker.get("/v1/check", params={"subject": subject, "mode": "air", "on": start})
        assert after.json() == {
            "allowed": False,
            "reason": "court.judgment_default",
            "until": (TODAY + timedelta(days=10 + 364)).isoformat(),
            "appeal": "/portal",
        }
        premium = {"subject": subject, "mode": "rail", "class": "premium", "on": start}
        assert checker.get("/v1/check", params=premium).json()["allowed"] is False
        standard = premium | {"class": "standard"}
        assert checker.get("/v1/check", params=standard).json() == {"allowed": True}

    with server.client("officer") as officer:
        file = officer.get(f"/v1/subjects/{subject}/explain", params={"purpose": "test"}).json()
    (restriction,) = file["restrictions"]
    assert restriction["status"] == "pending"
    assert restriction["legal_basis"].startswith("Supreme People's Court")
    assert file["records"][0]["rule"]["code"] == "court.judgment_default"


def test_resubmitting_the_same_record_creates_nothing_new(server: Server) -> None:
    subject = ric_number()
    body = court_record(subject)
    with server.client("source") as source:
        assert source.post("/v1/records", json=body).status_code == 201
        events = server.count("events")
        again = source.post("/v1/records", json=body)
    assert again.status_code == 200
    assert again.json()["results"][0]["created"] is False
    assert server.count("events") == events


def test_a_batch_check_answers_each_subject(server: Server) -> None:
    barred, free = ric_number(), ric_number()
    with server.client("source") as source:
        source.post("/v1/records", json=court_record(barred))
    on = (TODAY + timedelta(days=11)).isoformat()
    with server.client("checker") as checker:
        r = checker.post("/v1/check", json={"subjects": [barred, free], "mode": "air", "on": on})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["allowed"] for x in results] == [False, True]
    assert results[0]["reason"] == "court.judgment_default"
    assert set(results[1]) == {"subject", "allowed"}


def test_a_denial_is_audited_with_the_checker(server: Server) -> None:
    subject = ric_number()
    with server.client("source") as source:
        source.post("/v1/records", json=court_record(subject))
    on = (TODAY + timedelta(days=12)).isoformat()
    with server.client("checker") as checker:
        checker.get("/v1/check", params={"subject": subject, "mode": "air", "on": on})
    deadline = time.monotonic() + 3
    rows = 0
    while time.monotonic() < deadline and not rows:
        with server.registry.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT count(*) FROM audit_log WHERE action='check.deny' AND subject=:s AND actor='ticketing'"
                ),
                {"s": server.registry.keyring.master.pseudonym(subject)},
            ).scalar_one()
            conn.rollback()
        time.sleep(0.1)
    assert rows == 1


def test_the_event_feed_streams_the_pending_restriction(server: Server) -> None:
    subject = ric_number()
    with server.client("source") as source:
        source.post("/v1/records", json=court_record(subject))
    seq = server.count("events") - 5
    frames: list[str] = []
    with (
        server.client("checker") as checker,
        checker.stream("GET", "/v1/events", headers={"Last-Event-ID": str(max(seq, 0))}) as stream,
    ):
        for line in stream.iter_lines():
            if line.startswith("data:"):
                frames.append(line)
            if subject in line:
                break
    assert any(subject in f and '"change":"pending"' in f for f in frames)
    assert not any("case_ref" in f or "amount_cny" in f for f in frames)


def test_a_subjects_history_pages_in_seq_order_and_hides_access_codes(server: Server) -> None:
    subject = ric_number()
    with server.client("source") as source:
        source.post("/v1/records", json=court_record(subject))
    seen: list[dict[str, object]] = []
    after = 0
    with server.client("officer") as officer:
        while True:
            params = {"purpose": "appeal review", "after": after, "limit": 1}
            page = officer.get(f"/v1/subjects/{subject}/events", params=params).json()
            seen += page["events"]
            if page["next_after"] is None:
                break
            after = page["next_after"]
    assert [e["kind"] for e in seen][:2] == ["recorded", "notice_issued"]
    assert [e["seq"] for e in seen] == sorted(e["seq"] for e in seen)
    assert all("access_code_hash" not in e["data"] for e in seen)


def test_statistics_are_aggregates_that_hide_small_groups(tmp_path: Path) -> None:
    # The figures count the whole database: on the session's server they would count whatever
    # the other modules left in force, so this test has a database of its own.
    with serving(tmp_path) as server:
        first = ric_number()
        with server.client("source") as source:
            assert source.post("/v1/records", json=court_record(first)).status_code == 201
            alone = stats(server, TODAY + timedelta(days=11))
            assert first not in json.dumps(alone)
            # One person restricted: every group that counts them is shown as "<10".
            assert shown(alone) == {
                "active": "<10",
                "people": "<10",
                "air": "<10",
                "rail": "0",
                "rail_premium": "<10",
                "court.judgment_default": "<10",
                "11": "<10",
            }
            more = [court_record(ric_number()) for _ in range(10)]
            assert source.post("/v1/records", json=more).status_code == 201
        # Eleven people: the groups are shown. (Another day: figures are reused for 10 s.)
        assert shown(stats(server, TODAY + timedelta(days=12))) == {
            "active": "11",
            "people": "11",
            "air": "11",
            "rail": "0",
            "rail_premium": "11",
            "court.judgment_default": "11",
            "11": "11",
        }


def stats(server: Server, on: date) -> dict[str, Any]:
    with server.client("auditor") as auditor:
        r = auditor.get("/v1/stats", params={"on": on.isoformat()})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def shown(body: dict[str, Any]) -> dict[str, str]:
    """What the figures about restrictions in force show, by group key."""
    groups = [body["active_restrictions"], body["people_restricted"]]
    for part in ("active_by_mode", "active_by_rule", "active_by_province"):
        groups += body[part]
    return {g["key"]: g["shown"] for g in groups}
