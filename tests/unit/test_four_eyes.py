"""Four eyes: an appeal against an officer's review decision is decided by another officer."""

from __future__ import annotations

import pytest

from tests.due_factories import COURT, Due, due, review_rulebook
from tests.factories import ric_number, unpaid
from trustledger.domain.errors import Forbidden
from trustledger.domain.jurisdiction import Jurisdiction
from trustledger.domain.records import EventKind


def restricted_by_review(actor: str) -> tuple[Due, str]:
    d = due(review_rulebook())
    subject = ric_number()
    d.intake.submit(unpaid(subject=subject), source=COURT)
    d.intake.submit(unpaid(subject=subject), source=COURT)
    (case,) = d.reviews.list_open_reviews()
    d.reviews.decide_review(
        case.case_id, outcome="restrict", scopes=["air"], days=90, reasons="r", actor=actor
    )
    filed = d.appeals.file_appeal(subject, grounds="the review was wrong", actor="subject")
    return d, filed.appeal_id


def test_the_officer_who_decided_the_review_cannot_decide_the_appeal_against_it() -> None:
    d, appeal_id = restricted_by_review("officer:li")
    before = len(d.store.memory.events)
    with pytest.raises(Forbidden, match="four eyes"):
        d.appeals.decide_appeal(
            appeal_id, outcome="overturned", reasons="I was wrong", actor="officer:li"
        )
    assert len(d.store.memory.events) == before


def test_another_officer_decides_the_appeal_against_a_review_decision() -> None:
    d, appeal_id = restricted_by_review("officer:li")
    decided = d.appeals.decide_appeal(
        appeal_id, outcome="overturned", reasons="no basis", actor="officer:wang"
    )
    assert decided.outcome.value == "overturned"
    assert d.events(EventKind.APPEAL_DECIDED)[-1].actor == "officer:wang"


@pytest.mark.parametrize(
    ("fence", "number", "sources", "inside"),
    [
        (Jurisdiction(), "440106199001010013", [], True),
        (Jurisdiction(regions=("44",)), "440106199001010013", [], True),
        (Jurisdiction(regions=("4401",)), "440106199001010013", [], True),
        (Jurisdiction(regions=("4403", "11")), "440106199001010013", [], False),
        (Jurisdiction(sources=("court-7",)), "440106199001010013", ["court-7", "rail"], True),
        (Jurisdiction(sources=("court-7",)), "440106199001010013", ["rail"], False),
        (Jurisdiction(("44",), ("court-7",)), "440106199001010013", ["rail"], False),
    ],
)
def test_a_jurisdiction_covers_its_regions_and_sources(
    fence: Jurisdiction, number: str, sources: list[str], inside: bool
) -> None:
    assert (fence.refusal(number, sources) is None) is inside
