"""Every path answers the same for real people whose region code postdates their birth: records
are taken, checks answer allowed or denied (never 422), files open, the portal asks for a code."""

from __future__ import annotations

import random
from datetime import date, timedelta

import httpx
import pytest

from tests.api.conftest import Server, problem
from tests.factories import ric_number
from trustledger.domain.regions import region_years

TODAY = date.today()


def make_ric(region: int | str, born: date, order: int = 7) -> str:
    return ric_number(order, region=f"{int(region):06d}", born=f"{born:%Y%m%d}")


def postdating_people(count: int) -> list[str]:
    """People born before their region code was created, as real Shanghai or Shenzhen residents are."""
    created = sorted((code, first) for code, (first, _) in region_years().items() if first)
    picked = random.Random(2026).sample(created, count)
    return [make_ric(code, date(first - 5, 7, 1), i) for i, (code, first) in enumerate(picked)]


PEOPLE = postdating_people(12)
FUTURE = make_ric(110105, TODAY + timedelta(days=1), 1)
NO_REGION = make_ric(990105, date(1980, 1, 1), 1)


def record(subject: str) -> dict[str, object]:
    return {
        "subject": subject.lower(),  # a lower-case x is normalized, not refused
        "type": "court.judgment_default",
        "occurred_on": (TODAY - timedelta(days=120)).isoformat(),
        "decided_on": (TODAY - timedelta(days=30)).isoformat(),
        "case_ref": f"(2026)沪0115执{subject}号",
        "attributes": {"amount_cny": 86000},
    }


@pytest.fixture(scope="module")
def submitted(server: Server) -> list[str]:
    with server.client("source") as source:
        r = source.post("/v1/records", json=[record(p) for p in PEOPLE])
    assert r.status_code == 201, r.text
    assert all(item["created"] for item in r.json()["results"])
    return PEOPLE


def test_records_about_them_are_accepted_and_stored_under_the_normalized_number(
    server: Server, submitted: list[str]
) -> None:
    with server.client("officer") as officer:
        for person in submitted:
            r = officer.get(f"/v1/subjects/{person}", params={"purpose": "identity test"})
            assert r.status_code == 200, r.text
            assert r.json()["subject"] == person


def test_both_check_endpoints_answer_for_them(server: Server, submitted: list[str]) -> None:
    later = (TODAY + timedelta(days=11)).isoformat()
    with server.client("checker") as checker:
        for person in submitted:
            today = checker.get("/v1/check", params={"subject": person, "mode": "air"})
            assert today.status_code == 200, today.text
            assert today.json() == {"allowed": True}
            barred = checker.get(
                "/v1/check", params={"subject": person, "mode": "air", "on": later}
            )
            assert barred.json()["allowed"] is False
        batch = checker.post(
            "/v1/check",
            json={"subjects": [p.lower() for p in submitted], "mode": "air", "on": later},
        )
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [r["subject"] for r in results] == submitted
    assert not any(r["allowed"] for r in results)


def test_the_console_search_opens_their_file(server: Server, submitted: list[str]) -> None:
    with httpx.Client(base_url=server.url, headers={"Accept": "text/html"}) as page:
        assert page.post("/sign-in", data={"key": server.keys["officer"]}).status_code == 303
        for person in submitted[:4]:
            found = page.get(
                "/subjects",
                params={"number": person, "purpose": "identity test"},
                follow_redirects=True,
            )
            assert found.status_code == 200, found.text
            assert person in found.text


def test_the_portal_sign_in_asks_them_for_their_code_not_a_valid_number(
    server: Server, submitted: list[str]
) -> None:
    with httpx.Client(base_url=server.url, headers={"Accept": "text/html"}) as page:
        wrong = {"subject": submitted[0], "access_code": "AAAA-BBBB-CCCC-DDDD"}
        answer = page.post("/portal/sign-in", data=wrong)
        bad = page.post("/portal/sign-in", data=wrong | {"subject": NO_REGION})
    assert answer.status_code == 401
    assert "does not match" in answer.text
    assert bad.status_code == 422
    assert "any edition of GB/T 2260" in bad.text


@pytest.mark.parametrize(("number", "code"), [(FUTURE, "future_birth_date"), (NO_REGION, "region")])
def test_a_number_refused_is_refused_alike_by_every_endpoint(
    server: Server, number: str, code: str
) -> None:
    with server.client("checker") as checker:
        single = problem(checker.get("/v1/check", params={"subject": number, "mode": "air"}), 422)
        batch = problem(
            checker.post("/v1/check", json={"subjects": [PEOPLE[0], number], "mode": "air"}), 422
        )
    with server.client("source") as source:
        submit = problem(source.post("/v1/records", json=record(number)), 422)
    assert single["errors"][0]["code"] == code
    assert batch["errors"][0] == single["errors"][0] | {"field": "subjects[1]"}
    assert submit["errors"][0]["code"] == code
