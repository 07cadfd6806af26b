"""The officers' queues are fenced like the files they lead to (invariant 11): a fenced officer
lists appeals, review cases and undelivered notices of subjects inside their jurisdiction only,
and `limit` counts the admitted ones."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import Server
from tests.api.test_due_process import submit
from tests.api.test_flow import court_record
from tests.api.test_officers_fenced import officer
from tests.factories import ric_number

SHENZHEN = "440304"  # Futian district; no other test files people there


def appealed(server: Server, subject: str, *, also: dict[str, Any] | None = None) -> str:
    """A court judgment (and `also`, another record) for `subject`, appealed by an officer on
    the subject's behalf; the appeal's id."""
    record = submit(server, court_record(subject))
    if also is not None:
        submit(server, also)
    appeal = {"grounds": "The debt was paid.", "record_id": record["record_id"]}
    with server.client("officer") as clerk:
        filed = clerk.post(f"/v1/subjects/{subject}/appeals", json=appeal)
    assert filed.status_code == 201, filed.text
    appeal_id: str = filed.json()["appeal_id"]
    return appeal_id


def listed(client: httpx.Client, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()[key]
    return items


def test_a_fenced_officer_lists_only_appeals_inside_their_regions_up_to_the_limit(
    server: Server,
) -> None:
    inside = [appealed(server, ric_number(region=SHENZHEN)) for _ in range(2)]
    outside = [appealed(server, ric_number()) for _ in range(5)]
    with officer(server, regions=["4403"]) as shenzhen:
        found = listed(shenzhen, "/v1/appeals", "appeals", limit=500)
        assert {a["appeal_id"] for a in found} == set(inside)
        assert all(a["subject"].startswith("4403") for a in found)
        # The limit counts admitted appeals: the two, though others sort before them.
        page = shenzhen.get("/v1/appeals", params={"limit": 2}).json()
        assert {a["appeal_id"] for a in page["appeals"]} == set(inside)
        assert page["truncated"] is True
        (first,) = listed(shenzhen, "/v1/appeals", "appeals", limit=1)
        assert first["appeal_id"] in inside
        assert listed(shenzhen, "/v1/appeals", "appeals", status="overdue") == []
    with server.client("officer") as everywhere:
        seen = {a["appeal_id"] for a in listed(everywhere, "/v1/appeals", "appeals", limit=500)}
        assert set(inside) | set(outside) <= seen


def test_a_source_fenced_officer_lists_only_appeals_of_subjects_holding_its_records(
    server: Server,
) -> None:
    metro = f"metro-{ric_number()[-6:]}"
    key = server.registry.keys.create(role="source", name=metro, types=["rail.*"], actor="test")
    holding, other = ric_number(), ric_number()
    smoking = court_record(holding) | {
        "type": "rail.smoking",
        "case_ref": f"METRO-{holding}",
        "attributes": {},
    }
    with server.client(key=key.secret) as source:
        r = source.post("/v1/records", json=smoking)
        assert r.status_code == 201, r.text
    mine, theirs = appealed(server, holding), appealed(server, other)
    with officer(server, sources=[metro]) as fenced:
        found = listed(fenced, "/v1/appeals", "appeals", limit=500)
        assert [a["appeal_id"] for a in found] == [mine]
        assert theirs not in {a["appeal_id"] for a in found}
        (first,) = listed(fenced, "/v1/appeals", "appeals", limit=1)
        assert first["appeal_id"] == mine


def reviewed(server: Server, subject: str) -> None:
    """Two serious debts: the score falls below the threshold and a review case opens."""
    submit(server, court_record(subject))
    tax = court_record(subject) | {"type": "tax.serious_evasion", "case_ref": f"TAX-{subject}"}
    submit(server, tax)


def test_a_fenced_officer_lists_only_review_cases_inside_their_regions(server: Server) -> None:
    inside, outside = ric_number(region=SHENZHEN), ric_number()
    reviewed(server, inside)
    reviewed(server, outside)
    with officer(server, regions=["4403"]) as shenzhen:
        cases = listed(shenzhen, "/v1/reviews", "reviews", limit=500)
        assert inside in {c["subject"] for c in cases}
        assert all(c["subject"].startswith("4403") for c in cases)
        (first,) = listed(shenzhen, "/v1/reviews", "reviews", limit=1)
        assert first["subject"].startswith("4403")
    with server.client("officer") as everywhere:
        subjects = {c["subject"] for c in listed(everywhere, "/v1/reviews", "reviews", limit=500)}
        assert {inside, outside} <= subjects


def test_a_fenced_officer_lists_only_undelivered_notices_inside_their_regions(
    server: Server,
) -> None:
    inside, outside = ric_number(region=SHENZHEN), ric_number()
    submit(server, court_record(inside))
    submit(server, court_record(outside))
    # Neither has a contact address: delivery moves both notices to the officers' queue.
    server.registry.outbox.deliver_pending(server.registry.mailer())
    with officer(server, regions=["4403"]) as shenzhen:
        notices = listed(shenzhen, "/v1/notices/undelivered", "notices", limit=500)
        assert inside in {n["subject"] for n in notices}
        assert all(n["subject"].startswith("4403") for n in notices)
        (first,) = listed(shenzhen, "/v1/notices/undelivered", "notices", limit=1)
        assert first["subject"].startswith("4403")
    with officer(server, regions=["31"]) as shanghai:
        found = listed(shanghai, "/v1/notices/undelivered", "notices", limit=500)
        assert all(n["subject"].startswith("31") for n in found)
        assert not {inside, outside} & {n["subject"] for n in found}
    with server.client("officer") as everywhere:
        found = listed(everywhere, "/v1/notices/undelivered", "notices", limit=500)
        assert {inside, outside} <= {n["subject"] for n in found}


def test_the_queue_names_the_day_an_appealed_record_was_withdrawn(server: Server) -> None:
    """A withdrawal decides no pending appeal about the record: the queue keeps it and tells the
    officer the record is withdrawn (it is erased once the appeal's deadline passes)."""
    subject, other = ric_number(), ric_number()
    kept, plain = appealed(server, subject), appealed(server, other)
    with server.client("officer") as clerk:
        (target,) = [
            a for a in listed(clerk, "/v1/appeals", "appeals", limit=500) if a["appeal_id"] == kept
        ]
    withdrawal = {"reason": "Fined the wrong passenger."}
    with server.client("source") as source:
        r = source.post(f"/v1/records/{target['target']}/withdrawal", json=withdrawal)
    assert r.status_code == 201, r.text
    today = server.registry.clock.today().isoformat()
    with server.client("officer") as clerk:
        found = {a["appeal_id"]: a for a in listed(clerk, "/v1/appeals", "appeals", limit=500)}
    assert found[kept]["record_withdrawn_on"] == today
    assert found[kept]["record_overturned_on"] is None
    assert found[plain]["record_withdrawn_on"] is None
    assert target["record_withdrawn_on"] is None  # before the withdrawal
