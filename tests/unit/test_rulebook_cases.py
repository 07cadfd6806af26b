"""Every example case in the default rulebook holds: a rule change without a case change fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from trustledger.domain.records import EventKind
from trustledger.domain.rulebook import Scope
from trustledger.rulebook import load_cases, load_rulebook
from trustledger.rulebook.cases import (
    Case,
    CaseRecord,
    Outcome,
    case_events,
    case_mismatch,
    run_case,
)

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_rulebook_case(case: Case) -> None:
    assert run_case(case, load_rulebook()) == case.expect


def test_every_rule_code_has_a_case_of_its_own() -> None:
    assert {case.code for case in CASES} == load_rulebook().codes()


def test_case_names_are_unique_so_test_ids_are() -> None:
    assert len({case.name for case in CASES}) == len(CASES)


def _smoking_case(**expect: object) -> Case:
    outcome = Outcome(950, "B", frozenset({Scope.RAIL}), (("r1", "active"),))
    record = CaseRecord("r1", "rail.smoking", date(2019, 3, 1), date(2019, 3, 5))
    return Case("smoking", "rail.smoking", date(2019, 3, 20), (record,), replace(outcome, **expect))


def test_case_events_record_and_notice_each_record_on_its_decision_date() -> None:
    record = CaseRecord(
        "r1",
        "rail.fare_evasion",
        date(2019, 3, 25),
        date(2019, 4, 1),
        fulfilled_on=date(2019, 5, 10),
    )
    case = Case("fare", "rail.fare_evasion", date(2019, 6, 1), (record,), _smoking_case().expect)
    events = case_events(case)
    assert [(e.kind, e.on) for e in events] == [
        (EventKind.RECORDED, date(2019, 4, 1)),
        (EventKind.NOTICE_ISSUED, date(2019, 4, 1)),
        (EventKind.FULFILLED, date(2019, 5, 10)),
    ]
    assert events[1].data == {"notice_id": "notice-r1", "target": "r1", "purpose": "restriction"}
    assert [e.seq for e in events] == [1, 2, 3]


def test_a_wrong_expectation_is_reported_with_what_evaluation_gives() -> None:
    case = replace(_smoking_case(score=900), file="rail.yaml", line=7)
    problem = case_mismatch(case, load_rulebook())
    assert problem is not None
    assert (problem.file, problem.line, problem.key) == ("rail.yaml", 7, "rail.smoking.cases")
    assert "expects score 900, evaluation gives 950" in problem.message
    assert case_mismatch(_smoking_case(), load_rulebook()) is None
