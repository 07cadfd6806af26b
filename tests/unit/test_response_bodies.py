"""The routes' response models carry exactly the JSON the domain's dictionaries do."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from batch_factories import batch_rulebook
from tests.due_factories import COURT, due, review_rulebook
from tests.factories import TODAY, judgment, ric_number, unpaid
from tests.unit.test_history_terms import HISTORY_RULES, _evasions
from tests.unit.test_stats import FakeReader, _stats
from trustledger.api.file_schemas import FileOut
from trustledger.api.schemas import StatsOut
from trustledger.domain.evaluation import evaluate
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
