"""The routes' response models carry exactly the JSON the domain's dictionaries do."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from batch_factories import batch_rulebook
from tests.due_factories import COURT, RAIL, due, review_rulebook
from tests.factories import TODAY, body, judgment, ric_number, rulebook, unpaid
from tests.unit.test_erasure_requests import requests as erasure_requests
from tests.unit.test_erasure_requests import withdrawn
from tests.unit.test_history_terms import HISTORY_RULES, _evasions
from tests.unit.test_stats import FakeReader, _stats
from trustledger.api.file_schemas import FileOut
from trustledger.api.schemas import StatsOut
from trustledger.cli.explain import render
from trustledger.domain.evaluation import evaluate
from trustledger.domain.events import Erased
from trustledger.domain.explanation import explain
from trustledger.services.reading.stats import Tally


def as_json(model: type[BaseModel], body: dict[str, Any]) -> Any:
    return model.model_validate(body).model_dump(mode="json", by_alias=True)


def test_a_file_with_a_review_restriction_and_a_decided_appeal_keeps_every_field() -> None:
    d = due(review_rulebook())
    subject = ric_number()
    d.intake.submit(unpaid(subject=subject), source=COURT)
    d.intake.submit(unpaid(subject=subject), source=COURT)
    (case,) = d.reviews.list_open_reviews()
    d.reviews.decide_review(
        case.case_id,
        outcome="restrict",
        scopes=["air"],
        days=90,
        reasons="repeated refusals",
        actor="officer_li",
    )
    d.intake.submit(judgment(subject=subject), source=COURT)
    filed = d.appeals.file_appeal(subject, grounds="paid", actor="subject", target=case.case_id)
    d.appeals.decide_appeal(filed.appeal_id, outcome="upheld", reasons="unpaid", actor="officer")
    body = explain(d.store.memory.derived[subject].state)
    assert len(body["appeals"]) == len(body["review_cases"]) == 1
    assert {"record_id", "review_case_id"} <= {k for r in body["restrictions"] for k in r["cause"]}
    assert as_json(FileOut, body) == body


def test_a_file_with_a_history_term_keeps_its_count() -> None:
    events = _evasions(
        (date(2019, 1, 10), None), (date(2019, 2, 10), None), (date(2019, 3, 10), None)
    )
    state = evaluate(events, batch_rulebook(*HISTORY_RULES), date(2019, 4, 1), subject="s")
    body = explain(state)
    assert body["records"][2]["history"] is not None
    assert as_json(FileOut, body) == body


def test_the_statistics_keep_every_figure_and_the_from_key() -> None:
    day = TODAY - timedelta(days=1)
    reader = FakeReader(
        scopes=[Tally("air", 40, 40), Tally("rail", 3, 3)],
        reasons=[Tally("court.judgment_default", 40, 40), Tally("review", 25, 25)],
        regions=[Tally("11", 50, 50)],
        starts=[Tally(day.isoformat(), 12, 12)],
        ends=[Tally(TODAY.isoformat(), 30, 25)],
    )
    body = _stats(reader).snapshot(days=3).as_dict()
    assert "from" in body
    assert as_json(StatsOut, body) == body


def test_a_file_lists_its_erasure_requests_and_the_erasures_done(
    capsys: pytest.CaptureFixture[str],
) -> None:
    d = due()
    service, _ = erasure_requests(d)
    subject, first, _ = withdrawn(d)
    second = d.intake.submit(body(subject=subject), source=RAIL).record.record_id
    d.corrections.withdraw(second, source=RAIL, reason="duplicate")
    d.clock.advance(1)
    refused = service.request(subject, record_id=first, reason="done", actor="subject")
    service.decide(refused.case_id, outcome="refused", reasons="a claim", actor="officer_li")
    pending = service.request(subject, record_id=second, reason="also", actor="subject")
    # What a grant leaves of a request: an `erased` event naming its case as the basis.
    erased = Erased(("rec_gone",), ("rail.smoking",), "era_granted").as_event(
        subject, d.clock.today()
    )
    events = [e for e in d.store.memory.events if e.subject == subject]
    body_ = explain(evaluate([*events, erased], rulebook(), d.clock.today(), subject=subject))
    today = d.clock.today().isoformat()
    listed = {c["case_id"]: c for c in body_["erasure_requests"]}  # filed the same day
    assert {k: (c["outcome"], c["reasons"]) for k, c in listed.items()} == {
        refused.case_id: ("refused", "a claim"),
        pending.case_id: (None, None),
    }
    assert listed[pending.case_id]["deadline"] == pending.deadline.isoformat()
    assert body_["erasures"] == [
        {"on": today, "basis": "era_granted", "ended_on": None, "records": 1, "awaits_letters": []}
    ]
    assert as_json(FileOut, body_) == body_
    render(body_)  # `trustledger explain` prints them too
    out = " ".join(capsys.readouterr().out.split())
    assert f"erasure request {refused.case_id} for record {first} filed" in out
    assert f"refused on {today}" in out
    assert "reasons: a claim" in out
    assert f"erasure request {pending.case_id} for record {second}" in out
    assert f"1 record(s) erased on {today} (decision era_granted)" in out
