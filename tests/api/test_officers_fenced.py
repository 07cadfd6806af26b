"""Officers fenced by jurisdiction (regions, sources), four eyes on appeals, auditors kept out
of files: each refusal is a 403, and a jurisdiction refusal is audited."""

from __future__ import annotations

from typing import NamedTuple

import httpx

from tests.api.conftest import Server, problem
from tests.api.test_due_process import submit
from tests.api.test_flow import court_record
from tests.factories import ric_number

GUANGZHOU = "440106"


def officer(server: Server, **fence: list[str]) -> httpx.Client:
    name = f"officer-{ric_number()[-6:]}"
    secret = server.registry.keys.create(role="officer", name=name, actor="test", **fence).secret
    return server.client(key=secret)


class Audited(NamedTuple):
    actor: str
    purpose: str
    detail: str


def audited(server: Server, action: str, subject: str) -> list[Audited]:
    """The subject's audit entries of `action`, details opened (they are stored sealed)."""
    with server.registry.uow(readonly=True) as uow:
        entries = uow.audit.of_subject(subject)
    return [Audited(e.actor, e.purpose, e.detail) for e in entries if e.action == action]


def test_an_officer_reads_files_in_their_regions_only_and_a_refusal_is_audited(
    server: Server,
) -> None:
    beijing, guangzhou = ric_number(), ric_number(region=GUANGZHOU)
    with officer(server, regions=["44"]) as canton:
        assert (
            canton.get(f"/v1/subjects/{guangzhou}", params={"purpose": "appeal"}).status_code == 200
        )
        refused = canton.get(f"/v1/subjects/{beijing}", params={"purpose": "curiosity"})
        body = problem(refused, 403)
        assert "outside your jurisdiction" in body["detail"]
        assert beijing not in refused.text  # its region only, nothing of the file
        for path in ("explain", "events"):
            r = canton.get(f"/v1/subjects/{beijing}/{path}", params={"purpose": "curiosity"})
            problem(r, 403)
    ((actor, purpose, detail), *_) = audited(server, "file.refused", beijing)
    assert actor.startswith("officer:officer-")
    assert purpose == "jurisdiction"
    assert "110105" in detail
    assert len(audited(server, "file.refused", beijing)) == 3
    assert audited(server, "file.read", beijing) == []


def test_an_officer_fenced_by_source_reads_only_files_holding_its_records(server: Server) -> None:
    with_court, without = ric_number(), ric_number()
    submit(server, court_record(with_court))
    with officer(server, sources=["court-test"]) as courts:
        assert courts.get(f"/v1/subjects/{with_court}", params={"purpose": "p"}).status_code == 200
        problem(courts.get(f"/v1/subjects/{without}", params={"purpose": "p"}), 403)
    with officer(server, sources=["rail-only"]) as rail:
        problem(rail.get(f"/v1/subjects/{with_court}", params={"purpose": "p"}), 403)


def reviewed_and_appealed(server: Server, reviewer: httpx.Client, subject: str) -> str:
    """A review case decided `restrict` by `reviewer`, then appealed; the appeal's id."""
    submit(server, court_record(subject))
    tax = court_record(subject) | {"type": "tax.serious_evasion", "case_ref": f"TAX-{subject}"}
    submit(server, tax)
    (case,) = [c for c in reviewer.get("/v1/reviews").json()["reviews"] if c["subject"] == subject]
    terms = {"outcome": "restrict", "scopes": ["rail"], "days": 90, "reasons": "Two debts."}
    decided = reviewer.post(f"/v1/reviews/{case['case_id']}/decision", json=terms)
    assert decided.status_code == 200, decided.text
    appeal = {"grounds": "Both debts were paid.", "record_id": case["case_id"]}
    filed = reviewer.post(f"/v1/subjects/{subject}/appeals", json=appeal)
    assert filed.status_code == 201, filed.text
    appeal_id: str = filed.json()["appeal_id"]
    return appeal_id


def test_four_eyes_the_reviewing_officer_cannot_decide_the_appeal_another_one_does(
    server: Server,
) -> None:
    subject = ric_number()
    decision = {"outcome": "overturned", "reasons": "The receipts show both debts paid."}
    with officer(server) as li, officer(server) as wang:
        appeal_id = reviewed_and_appealed(server, li, subject)
        refused = li.post(f"/v1/appeals/{appeal_id}/decision", json=decision)
        assert "four eyes" in problem(refused, 403)["detail"]
        assert audited(server, "appeal.decide", subject) == []
        decided = wang.post(f"/v1/appeals/{appeal_id}/decision", json=decision)
        assert decided.status_code == 200, decided.text
    (entry,) = audited(server, "appeal.decide", subject)
    assert entry.actor != audited(server, "review.decide", subject)[0].actor


def test_an_officer_outside_the_region_cannot_decide_for_the_subject(server: Server) -> None:
    subject = ric_number()
    decision = {"outcome": "overturned", "reasons": "r"}
    with officer(server) as li, officer(server, regions=["44"]) as canton:
        appeal_id = reviewed_and_appealed(server, li, subject)
        problem(canton.post(f"/v1/appeals/{appeal_id}/decision", json=decision), 403)
    assert len(audited(server, "file.refused", subject)) == 1
    assert audited(server, "appeal.decide", subject) == []


def test_an_auditor_sees_aggregates_and_the_audit_log_but_no_file(server: Server) -> None:
    subject = ric_number()
    submit(server, court_record(subject))
    with server.client("auditor") as auditor:
        for path in ("", "/explain", "/events"):
            r = auditor.get(f"/v1/subjects/{subject}{path}", params={"purpose": "audit sample"})
            problem(r, 403)
            assert "court" not in r.text
        assert auditor.get("/v1/stats").status_code == 200
        assert auditor.get("/v1/audit/verify").status_code == 200
