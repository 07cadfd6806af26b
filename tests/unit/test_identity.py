"""Identity schemes: each reason for rejecting a number is named; compact keys fit in int64."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from trustledger.checks.numbers import compact_keys, keyed_many, normalize_many
from trustledger.domain.errors import InvalidIdentity
from trustledger.domain.identity import CnRic, Opaque, scheme_named

STANDARD_EXAMPLE = "11010519491231002X"


def make_ric(region: str, birth: str, order: str) -> str:
    body = region + birth + order
    # calc_check_digit reads the first 17 of an 18-character number.
    return body + ric.calc_check_digit(body + "0")


def test_the_standards_published_example_is_valid() -> None:
    assert CnRic().normalize(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_lower_case_x_and_spaces_are_normalized() -> None:
    assert CnRic().normalize(" 11010519491231002x ") == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("11010519491231002", "length"),
        ("11010519491231002X1", "length"),
        ("1101051949123100AX", "format"),
        ("110105194912310021", "check_digit"),
        (make_ric("110105", "19491331", "002"), "birth_date"),
        (make_ric("110105", "19490229", "002"), "birth_date"),
        (make_ric("990105", "19491231", "002"), "region"),
        # A known province (61, Shaanxi) with a county code it never had.
        (make_ric("610105", "20000101", "000"), "region"),
        (make_ric("110105", "17991231", "002"), "birth_date"),
    ],
)
def test_each_bad_number_is_rejected_with_its_own_reason(number: str, code: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        CnRic().normalize(number)
    assert caught.value.code == code
    assert caught.value.field == "subject"


@given(
    region=st.sampled_from(["110105", "310101", "440300", "440305", "650102"]),
    birth=st.dates(min_value=date(1983, 1, 1), max_value=date(2025, 12, 31)),
    order=st.integers(0, 999),
)
def test_generated_numbers_validate_and_keep_their_17_digits_as_key(region, birth, order) -> None:
    number = make_ric(region, birth.strftime("%Y%m%d"), f"{order:03d}")
    scheme = CnRic()
    assert scheme.normalize(number) == number
    key = scheme.compact_key(number)
    assert key == int(number[:17])
    assert 0 <= key < 2**63


def test_opaque_keys_are_stable_signed_int64() -> None:
    key = Opaque().compact_key("person-1")
    assert key == Opaque().compact_key("person-1")
    assert key != Opaque().compact_key("person-2")
    assert -(2**63) <= key < 2**63


@pytest.mark.parametrize(("raw", "code"), [("", "format"), ("a b", "format"), ("x" * 65, "length")])
def test_opaque_rejects_empty_spaced_or_long_tokens(raw: str, code: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        Opaque().normalize(raw)
    assert caught.value.code == code


def test_unknown_scheme_is_an_error_naming_the_setting() -> None:
    with pytest.raises(InvalidIdentity, match="identity_scheme"):
        scheme_named("passport")
    assert scheme_named("cn-ric").name == "cn-ric"


def test_normalize_many_agrees_with_normalize_and_names_the_first_bad_item() -> None:
    scheme = CnRic()
    good = [make_ric("110105", f"19{y:02d}0101", f"{y:03d}") for y in range(50, 99)]
    assert normalize_many(scheme, [g.lower() for g in good]) == good
    assert compact_keys(scheme, good).tolist() == [scheme.compact_key(g) for g in good]
    for bad, code in [
        ("110105194912310021", "check_digit"),
        (make_ric("110105", "19490229", "002"), "birth_date"),
        (make_ric("990105", "19491231", "002"), "region"),
        ("1101051949123100", "length"),
        ("11010519491231002Ä", "format"),
    ]:
        with pytest.raises(InvalidIdentity) as caught:
            normalize_many(scheme, [*good[:3], bad, *good[3:]])
        assert (caught.value.field, caught.value.code) == ("subjects[3]", code)


def test_opaque_normalize_many_checks_each() -> None:
    assert normalize_many(Opaque(), ["a", " b "]) == ["a", "b"]
    assert compact_keys(Opaque(), ["a"]).tolist() == [Opaque().compact_key("a")]
    with pytest.raises(InvalidIdentity, match=r"subjects\[1\]"):
        normalize_many(Opaque(), ["a", ""])


def first_failure(raws: list[str]) -> tuple[str, str] | None:
    """(field, code) of the first number `normalize` rejects, as a batch must name it."""
    for i, raw in enumerate(raws):
        try:
            CnRic().normalize(raw, field=f"subjects[{i}]")
        except InvalidIdentity as exc:
            return exc.field, exc.code
    return None


GOOD = [make_ric("110105", f"19{y:02d}0101", f"{y:03d}") for y in range(50, 60)]


@pytest.mark.parametrize(
    "raws",
    [
        # Lengths that add up to whole rows, with a comma inside a number: each is still judged.
        [f"{GOOD[0]},{GOOD[1]}", "", GOOD[2][:17]],
        [GOOD[0], f"{GOOD[1]},", GOOD[2][:17]],
        [GOOD[0][:17], f"{GOOD[1]}9"],
        [GOOD[0], GOOD[1].replace("1", "١", 1)],  # an Arabic-Indic digit is not a digit here
        [GOOD[0], f" {GOOD[1]}", GOOD[2].lower()],  # normalized, not refused
        [GOOD[0], 42],  # not a string
    ],
)
def test_a_batch_is_judged_as_each_number_alone(raws: list[str]) -> None:
    scheme = CnRic()
    failure = first_failure(raws)
    if failure is None:
        numbers, keys = keyed_many(scheme, raws)
        assert numbers == [scheme.normalize(r) for r in raws]
        assert keys.tolist() == [scheme.compact_key(n) for n in numbers]
        return
    with pytest.raises(InvalidIdentity) as caught:
        keyed_many(scheme, raws)
    assert (caught.value.field, caught.value.code) == failure


def mutated(number: str, draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["keep", "keep", "cut", "extend", "swap", "lower", "space"]))
    at = draw(st.integers(0, 17))
    if kind == "cut":
        return number[:at]
    if kind == "extend":
        return number + draw(st.text(",0123456789X ", min_size=1, max_size=3))
    if kind == "swap":
        return number[:at] + draw(st.sampled_from(list("0123456789X,x é"))) + number[at + 1 :]
    if kind == "lower":
        return number.lower()
    if kind == "space":
        return f" {number}\t"
    return number


@st.composite
def batches(draw: st.DrawFn) -> list[str]:
    regions = st.sampled_from(["110105", "310101", "440305", "650102", "990105"])
    births = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))
    numbers = st.builds(
        lambda r, b, o: make_ric(r, f"{b:%Y%m%d}", f"{o:03d}"), regions, births, st.integers(0, 999)
    )
    return [mutated(n, draw) for n in draw(st.lists(numbers, max_size=12))]


@given(raws=batches())
def test_batch_validation_agrees_with_validating_each_number(raws: list[str]) -> None:
    test_a_batch_is_judged_as_each_number_alone(raws)


def test_a_region_created_after_the_birth_is_accepted_on_both_paths() -> None:
    # Shenzhen's Nanshan district (440305) dates from 1990; people born in 1949 hold its code when
    # their number was first issued there.
    late = make_ric("440305", "19491231", "002")
    scheme = CnRic()
    assert scheme.normalize(late) == late
    for _ in range(2):
        assert keyed_many(scheme, [GOOD[0], late])[0] == [GOOD[0], late]


def test_an_empty_batch_has_no_numbers_and_no_keys() -> None:
    numbers, keys = keyed_many(CnRic(), [])
    assert numbers == []
    assert keys.tolist() == []
    assert keyed_many(Opaque(), [])[0] == []
