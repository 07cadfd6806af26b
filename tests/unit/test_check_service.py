"""The check service: valid numbers in; allowed, or (reason, until, appeal) out; nothing more."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from stdnum.cn import ric

from trustledger.api.check_batch import results_json
from trustledger.checks import CheckIndex, SubjectChange
from trustledger.domain.errors import InvalidIdentity, InvalidInput
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.identity import CnRic
from trustledger.domain.rulebook import Mode, Scope, SeatClass
from trustledger.services.checking.check import MAX_BATCH, CheckAnswer, CheckService

DAY = date(2026, 6, 1)


def number(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")  # it reads the first 17 characters


BARRED = number("11010519491231002")  # 11010519491231002X
PREMIUM_ONLY = number("44030419900101123")
FREE = number("32010219850505007")


def restriction(subject: str, scopes: frozenset[Scope], reason: str) -> Restriction:
    return Restriction(
        restriction_id=f"secret-record-of-{subject}",
        subject=subject,
        scopes=scopes,
        reason=reason,
        legal_basis="test basis",
        record_id=f"secret-record-of-{subject}",
        case_id=None,
        noticed_on=date(2026, 1, 1),
        starts_on=date(2026, 1, 11),
        ends_on=date(2026, 7, 9),
        lifted_on=None,
        status=RestrictionStatus.ACTIVE,
        appeal_by=date(2026, 1, 16),
    )


def service() -> CheckService:
    index = CheckIndex.build(
        [
            restriction(BARRED, frozenset({Scope.AIR, Scope.RAIL}), "rail.smoking"),
            restriction(PREMIUM_ONLY, frozenset({Scope.RAIL_PREMIUM}), "court.debtor"),
        ]
    )
    return CheckService(index, CnRic(), appeal="/portal")


def test_subject_without_restriction_is_allowed_and_told_nothing_else() -> None:
    answer = service().check(FREE, Mode.AIR, on=DAY)
    assert answer == CheckAnswer(allowed=True)
    assert answer.as_dict() == {"allowed": True}


def test_denied_subject_learns_the_rule_the_last_day_and_where_to_appeal() -> None:
    answer = service().check(BARRED, "rail", "standard", on=DAY)
    assert answer.as_dict() == {
        "allowed": False,
        "reason": "rail.smoking",
        "until": "2026-07-09",
        "appeal": "/portal",
    }
    assert "secret" not in str(answer)


def test_restriction_ends_after_its_last_day() -> None:
    assert service().check(BARRED, Mode.AIR, on=date(2026, 7, 10)).allowed


def test_premium_only_restriction_bars_premium_seats_and_not_standard_ones() -> None:
    svc = service()
    assert svc.check(PREMIUM_ONLY, Mode.RAIL, SeatClass.STANDARD, on=DAY).allowed
    assert not svc.check(PREMIUM_ONLY, Mode.RAIL, SeatClass.PREMIUM, on=DAY).allowed
    assert svc.check(PREMIUM_ONLY, Mode.AIR, on=DAY).allowed


def test_number_is_normalized_before_the_lookup() -> None:
    answer = service().check(f"  {BARRED.lower()} ", Mode.AIR, on=DAY)
    assert answer.reason == "rail.smoking"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1234", "length"),
        ("11010519491231002Y", "format"),
        ("110105194913310021", "birth_date"),
        (BARRED[:17] + ("0" if BARRED[17] != "0" else "1"), "check_digit"),
    ],
)
def test_invalid_number_is_refused_naming_the_subject_field(raw: str, code: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        service().check(raw, Mode.AIR, on=DAY)
    assert (caught.value.field, caught.value.code) == ("subject", code)


@pytest.mark.parametrize(
    ("mode", "seat_class", "field"), [("bus", "standard", "mode"), ("rail", "first", "class")]
)
def test_unknown_mode_or_class_is_refused_naming_its_field(
    mode: str, seat_class: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        service().check(FREE, mode, seat_class, on=DAY)
    assert caught.value.field == field


def batch(
    svc: CheckService, subjects: list[str], mode: Mode | str, seat_class: str = "standard"
) -> list[dict[str, Any]]:
    """A batch as the HTTP batch check answers it: the service's columns, the results' JSON."""
    _, barred, bars = svc.bar_many(subjects, mode, seat_class, on=DAY)
    results: list[dict[str, Any]] = orjson.loads(
        results_json(subjects, barred, bars, appeal=svc.appeal)
    )["results"]
    return results


def test_batch_answers_each_subject_in_order_as_single_checks_do() -> None:
    svc = service()
    subjects = [FREE, BARRED, PREMIUM_ONLY, BARRED.lower()]
    items = batch(svc, subjects, "rail", "premium")
    assert [i["subject"] for i in items] == subjects
    for item, subject in zip(items, subjects, strict=True):
        single = svc.check(subject, "rail", "premium", on=DAY)
        assert (item["allowed"], item.get("reason"), item.get("until")) == (
            single.allowed,
            single.reason,
            single.until.isoformat() if single.until else None,
        )
    assert items[1] == {
        "subject": BARRED,
        "allowed": False,
        "reason": "rail.smoking",
        "until": "2026-07-09",
        "appeal": "/portal",
    }
    assert items[0] == {"subject": FREE, "allowed": True}


def test_batch_columns_hold_the_normalized_numbers_and_only_the_barred_positions() -> None:
    numbers, barred, bars = service().bar_many([FREE, BARRED.lower(), FREE], "air", on=DAY)
    assert numbers == [FREE, BARRED, FREE]
    assert list(barred) == [1]
    assert [(b.reason, b.until) for b in bars] == [("rail.smoking", date(2026, 7, 9))]


def test_batch_with_one_invalid_number_fails_whole_naming_its_position() -> None:
    with pytest.raises(InvalidIdentity) as caught:
        batch(service(), [FREE, BARRED, "nonsense"], Mode.AIR)
    assert caught.value.field == "subjects[2]"


def test_batch_larger_than_the_limit_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        batch(service(), [FREE] * (MAX_BATCH + 1), Mode.AIR)
    assert caught.value.field == "subjects"


def test_empty_batch_answers_nothing() -> None:
    assert batch(service(), [], Mode.AIR) == []


def test_lift_applied_to_the_index_reaches_the_next_check() -> None:
    index = CheckIndex.build([restriction(BARRED, frozenset({Scope.AIR}), "air.smoking")])
    svc = CheckService(index, CnRic(), appeal="/portal")
    assert not svc.check(BARRED, Mode.AIR, on=DAY).allowed
    lifted = restriction(BARRED, frozenset({Scope.AIR}), "air.smoking")
    index.apply(
        [SubjectChange(CnRic().compact_key(BARRED), ((lifted_on(lifted, DAY - timedelta(1))),))]
    )
    assert svc.check(BARRED, Mode.AIR, on=DAY).allowed


def lifted_on(r: Restriction, day: date) -> Restriction:
    return replace(r, lifted_on=day, status=RestrictionStatus.LIFTED)
