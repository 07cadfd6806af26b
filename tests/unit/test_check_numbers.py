"""The batch validator beside the index agrees with CnRic.normalize on valid and invalid numbers."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from trustledger.checks.numbers import ascii_matrix, keyed_many, valid_rows
from trustledger.domain.errors import InvalidIdentity
from trustledger.domain.identity import CnRic
from trustledger.domain.regions import region_table

TODAY = date(2026, 12, 1)
SCHEME = CnRic(lambda: TODAY)
REGIONS = np.flatnonzero(region_table()).tolist()  # every code in an edition of GB/T 2260


def with_check_digit(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 characters


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    born = draw(st.dates(date(1800, 1, 1), TODAY))
    order = draw(st.integers(0, 999))
    return with_check_digit(f"{region:06d}{born:%Y%m%d}{order:03d}")


@st.composite
def mutated_numbers(draw: st.DrawFn) -> str:
    """A valid number with one character changed, or a region, date or check digit made wrong."""
    number = draw(valid_numbers())
    how = draw(st.sampled_from(["char", "region", "date", "check", "future", "length", "case"]))
    if how == "char":
        at = draw(st.integers(0, 17))
        char = draw(st.sampled_from("0123456789X x,é"))
        return number[:at] + char + number[at + 1 :]
    if how == "region":
        code = draw(st.integers(0, 999_999))
        return with_check_digit(f"{code:06d}{number[6:17]}")
    if how == "date":
        day = draw(st.from_regex(r"[0-9]{8}", fullmatch=True))
        return with_check_digit(f"{number[:6]}{day}{number[14:17]}")
    if how == "check":
        return number[:17] + draw(st.sampled_from("0123456789X"))
    if how == "future":
        born = draw(st.dates(date(2026, 12, 2), date(2100, 1, 1)))
        return with_check_digit(f"{number[:6]}{born:%Y%m%d}{number[14:17]}")
    if how == "length":
        return number[: draw(st.integers(0, 17))] + draw(st.sampled_from(["", "00"]))
    return number.lower()


def scalar_accepts_as_is(number: str) -> bool:
    try:
        return SCHEME.normalize(number) == number
    except InvalidIdentity:
        return False


@settings(max_examples=400, deadline=None)
@given(numbers=st.lists(st.one_of(valid_numbers(), mutated_numbers()), min_size=1, max_size=20))
def test_the_batch_validator_accepts_exactly_what_the_scalar_one_accepts_as_it_is(
    numbers: list[str],
) -> None:
    fixed = [n for n in numbers if len(n) == 18 and n.isascii() and "," not in n]
    chars = ascii_matrix(fixed, 18)
    assert chars is not None
    assert valid_rows(chars, today=TODAY).tolist() == [scalar_accepts_as_is(n) for n in fixed]
    # What does not fit the batch's byte matrix, the scalar validator never accepts as it is.
    assert not any(scalar_accepts_as_is(n) for n in numbers if n not in fixed)
    assert ascii_matrix([n for n in numbers if n not in fixed][:1], 18) is None or fixed == numbers


@settings(max_examples=300, deadline=None)
@given(numbers=st.lists(st.one_of(valid_numbers(), mutated_numbers()), max_size=20))
def test_a_batch_is_keyed_as_its_numbers_one_by_one_or_refused_as_the_first_bad_one(
    numbers: list[str],
) -> None:
    expected: list[str] = []
    first_error: InvalidIdentity | None = None
    for i, n in enumerate(numbers):
        try:
            expected.append(SCHEME.normalize(n, field=f"subjects[{i}]"))
        except InvalidIdentity as exc:
            first_error = exc
            break
    if first_error is None:
        got, keys = keyed_many(SCHEME, numbers)
        assert got == expected
        assert keys.tolist() == [SCHEME.compact_key(n) for n in expected]
    else:
        with pytest.raises(InvalidIdentity) as caught:
            keyed_many(SCHEME, numbers)
        assert (caught.value.field, caught.value.code) == (first_error.field, first_error.code)
