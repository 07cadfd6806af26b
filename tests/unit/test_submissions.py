"""Validation of record bodies: each error names the field at fault."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from tests.factories import TODAY, body, judgment, rulebook, unpaid
from trustledger.domain.errors import Forbidden, InvalidIdentity, InvalidInput
from trustledger.domain.identity import scheme_named
from trustledger.domain.rulebook import Rule, Rulebook
from trustledger.domain.submissions import (
    Source,
    payload_hash,
    record_id_for,
    validate_submission,
)
from trustledger.domain.texts import LocalizedText

EVERYTHING = Source("agency", ("*",))


def validate(data: dict[str, Any], *, source: Source = EVERYTHING, text: bool = False) -> Any:
    return validate_submission(
        data,
        source=source,
        rulebook=rulebook(),
        scheme=scheme_named("cn-ric"),
        today=TODAY,
        text_attributes=text,
    )


def test_a_valid_body_becomes_a_record_keyed_by_source_and_case_ref() -> None:
    record = validate(body(case_ref="A-1", subject="11010519491231002x"))
    assert record.subject == "11010519491231002X"
    assert record.record_id == record_id_for("agency", "A-1")
    assert record.occurred_on == date(2026, 10, 1)
    assert record.source == "agency"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"subject": "11010519491231002"}, "subject"),
        ({"subject": "110105194912310021"}, "subject"),
        ({"type": "rail.dancing"}, "type"),
        ({"occurred_on": "2026/10/01"}, "occurred_on"),
        ({"occurred_on": "2026-02-30"}, "occurred_on"),
        ({"occurred_on": "2010-01-01"}, "occurred_on"),
        ({"decided_on": "2026-09-01"}, "decided_on"),
        ({"decided_on": "2026-11-26"}, "decided_on"),
        ({"case_ref": ""}, "case_ref"),
        ({"case_ref": "x" * 129}, "case_ref"),
        ({"case_ref": 17}, "case_ref"),
        ({"evidence_ref": "e" * 257}, "evidence_ref"),
        ({"colour": "red"}, "colour"),
        ({"attributes": {"amount_cny": 5}}, "attributes.amount_cny"),
        ({"attributes": []}, "attributes"),
    ],
)
def test_an_invalid_body_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate(body() | change)
    assert caught.value.field == field


def test_a_decision_dated_today_is_accepted() -> None:
    assert validate(body(decided_on=TODAY.isoformat())).decided_on == TODAY


def test_a_wrong_check_digit_is_named_as_such() -> None:
    with pytest.raises(InvalidIdentity) as caught:
        validate(body(subject="110105194912310021"))
    assert caught.value.code == "check_digit"


def test_a_missing_required_field_is_named() -> None:
    data = body()
    del data["decided_on"]
    with pytest.raises(InvalidInput, match=r"decided_on: is required"):
        validate(data)


def test_a_source_may_submit_only_the_types_its_key_carries() -> None:
    rail = Source("rail_bureau", ("rail.*",))
    assert validate(body(), source=rail).type == "rail.smoking"
    with pytest.raises(Forbidden, match=r"^type: source 'rail_bureau' may not submit"):
        validate(judgment(), source=rail)


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"amount_cny": "6000", "months_unpaid": 1}, "attributes.amount_cny"),
        ({"amount_cny": True, "months_unpaid": 1}, "attributes.amount_cny"),
        ({"amount_cny": 6000}, "attributes.months_unpaid"),
        ({"amount_cny": 6000, "months_unpaid": 1, "employer": "x"}, "attributes.employer"),
    ],
)
def test_attributes_must_match_the_rule(attributes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate(unpaid() | {"attributes": attributes})
    assert caught.value.field == field


def test_text_attributes_are_read_as_the_rules_types() -> None:
    record = validate(
        unpaid() | {"attributes": {"amount_cny": "6000", "months_unpaid": " 2"}}, text=True
    )
    assert record.attributes == {"amount_cny": 6000, "months_unpaid": 2}
    with pytest.raises(InvalidInput, match=r"attributes.months_unpaid: must be of type int"):
        validate(unpaid() | {"attributes": {"amount_cny": "1", "months_unpaid": "two"}}, text=True)
    with pytest.raises(InvalidInput, match=r"attributes.amount_cny: is required"):
        validate(unpaid() | {"attributes": {"amount_cny": "", "months_unpaid": "2"}}, text=True)


def test_the_payload_hash_changes_with_any_field() -> None:
    data = body(case_ref="H-1")
    first = payload_hash(validate(data))
    assert payload_hash(validate(dict(data))) == first
    assert payload_hash(validate(data | {"evidence_ref": "ev-2"})) != first


def typed_rulebook() -> Rulebook:
    rule = Rule(
        code="tax.evasion",
        title=LocalizedText.of({"zh-Hans": "逃税", "en": "Tax evasion"}),
        legal_basis="Tax Collection Law, art. 63",
        domain="tax",
        points=-40,
        effective_from=date(2018, 5, 1),
        attributes=(("rate", "float"), ("repeat", "bool"), ("office", "str")),
    )
    return replace(rulebook(), rules=(rule,))


def validate_typed(attributes: dict[str, Any], *, text: bool) -> Any:
    data = body(type="tax.evasion", attributes=attributes)
    return validate_submission(
        data,
        source=EVERYTHING,
        rulebook=typed_rulebook(),
        scheme=scheme_named("opaque"),
        today=TODAY,
        text_attributes=text,
    ).attributes


def test_float_bool_and_str_attributes_are_checked_and_read_from_text() -> None:
    parsed = {"rate": 0.5, "repeat": True, "office": "Haidian"}
    assert validate_typed({"rate": 0.5, "repeat": True, "office": "Haidian"}, text=False) == parsed
    assert validate_typed({"rate": 1, "repeat": False, "office": "x"}, text=False)["rate"] == 1.0
    text = {"rate": "0.5", "repeat": "TRUE", "office": "Haidian"}
    assert validate_typed(text, text=True) == parsed
    with pytest.raises(InvalidInput, match=r"^attributes\.repeat: must be true or false"):
        validate_typed(text | {"repeat": "yes"}, text=True)
    with pytest.raises(InvalidInput, match=r"^attributes\.rate: must be of type float"):
        validate_typed(text | {"rate": "half"}, text=True)
    with pytest.raises(InvalidInput, match=r"^attributes\.office: must be of type str"):
        validate_typed({"rate": 0.5, "repeat": True, "office": 3}, text=False)


def test_dates_may_be_given_as_date_objects() -> None:
    record = validate(body(occurred_on=date(2026, 10, 1), decided_on=date(2026, 10, 2)))
    assert record.decided_on == date(2026, 10, 2)


@pytest.mark.parametrize(("value", "field"), [([1], "body"), ({"evidence_ref": 7}, "evidence_ref")])
def test_a_body_of_the_wrong_shape_is_refused(value: Any, field: str) -> None:
    data = body() | value if isinstance(value, dict) else value
    with pytest.raises(InvalidInput) as caught:
        validate(data)
    assert caught.value.field == field
