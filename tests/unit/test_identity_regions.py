"""Region codes: a code that was in any edition of GB/T 2260 is valid for any birth year, and the
scalar and batch validators agree on every code in python-stdnum's data."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from tests.factories import ric_number
from trustledger.checks.numbers import keyed_many
from trustledger.domain.errors import InvalidIdentity
from trustledger.domain.identity import CnRic
from trustledger.domain.regions import region_ever_existed, region_years

TODAY = date(2026, 12, 1)
YEARS = region_years()
# Codes the data says were created (or abolished) in a known year: the ones a birth year can miss.
DATED = sorted(code for code, (first, last) in YEARS.items() if first or last)


def make_ric(region: int | str, born: date, order: int = 7) -> str:
    return ric_number(order, region=f"{int(region):06d}", born=f"{born:%Y%m%d}")


def before_and_after(code: int) -> list[date]:
    """Birth dates before the code's first year, in it, and after its last one."""
    first, last = YEARS[code]
    years = {1930, 2000}
    years |= {first - 1, first} if first else set()
    years |= {last + 1} if last and last + 1 <= TODAY.year - 1 else set()
    return [date(y, 6, 15) for y in sorted(years)]


def test_every_region_code_in_the_data_is_accepted_for_births_before_and_after_it() -> None:
    scheme = CnRic(lambda: TODAY)
    numbers = [make_ric(code, born) for code in YEARS for born in before_and_after(code)]
    assert len(numbers) > 2 * len(YEARS) > 10_000
    assert [scheme.normalize(n) for n in numbers] == numbers
    batch, keys = keyed_many(scheme, numbers)
    assert batch == numbers
    assert keys.tolist() == [int(n[:17]) for n in numbers]


@given(
    code=st.sampled_from(DATED),
    year=st.integers(1900, TODAY.year - 1),
    order=st.integers(0, 999),
    lower=st.booleans(),
)
def test_scalar_and_batch_agree_and_accept_whatever_the_birth_year(
    code: int, year: int, order: int, lower: bool
) -> None:
    number = make_ric(code, date(year, 3, 1), order)
    raw = number.lower() if lower else number
    scheme = CnRic(lambda: TODAY)
    assert scheme.normalize(raw) == number
    assert keyed_many(scheme, [raw])[0] == [number]
    assert keyed_many(scheme, [make_ric(110105, date(1980, 1, 1)), raw])[0][1] == number


@given(code=st.integers(0, 999_999))
def test_a_code_never_in_any_edition_is_refused_by_both_paths(code: int) -> None:
    number = make_ric(code, date(1990, 1, 1))
    scheme = CnRic(lambda: TODAY)
    if region_ever_existed(f"{code:06d}"):
        assert keyed_many(scheme, [number])[0] == [number]
        return
    for call in (lambda: scheme.normalize(number), lambda: keyed_many(scheme, [number])):
        with pytest.raises(InvalidIdentity) as caught:
            call()
        assert caught.value.code == "region"
        assert "any edition of GB/T 2260" in caught.value.reason


def test_a_birth_date_after_today_is_refused_with_its_own_reason() -> None:
    scheme = CnRic(lambda: TODAY)
    tomorrow = make_ric(110105, date(2026, 12, 2))
    assert scheme.normalize(make_ric(110105, TODAY)) == make_ric(110105, TODAY)
    with pytest.raises(InvalidIdentity) as caught:
        scheme.normalize(tomorrow)
    assert (caught.value.code, caught.value.reason) == (
        "future_birth_date",
        "birth date 2026-12-02 is after today (2026-12-01)",
    )
    with pytest.raises(InvalidIdentity) as batch:
        keyed_many(scheme, [make_ric(110105, TODAY), tomorrow])
    assert (batch.value.field, batch.value.code) == ("subjects[1]", "future_birth_date")


def test_the_date_is_the_schemes_clock_not_the_machines() -> None:
    # Undated (no clock wired), no date is in the future; dated, the clock decides.
    later = make_ric(110105, date(2027, 1, 1))
    assert CnRic().normalize(later) == later
    assert CnRic().dated(lambda: date(2027, 1, 1)).normalize(later) == later
    with pytest.raises(InvalidIdentity):
        keyed_many(CnRic().dated(lambda: TODAY), [later])


# python-stdnum's own cases for cn.ric (tests/test_cn_ric.doctest in its source distribution).
STDNUM_ACCEPTS = [
    "360426199101010071",
    "44011320141005001x",
    "412723199010050012",
    "110102199101010078",
    "120110198012010073",  # Tianjin 东郊区, before 1991
    "120110199212010072",  # the same code as 东丽区, after 1991
]
STDNUM_REJECTS = {
    "990426199112010074": "region",  # unknown birth place code
    "T60426199101010078": "format",
    "360426199113010079": "birth_date",
    "36042619910102009X": "check_digit",
}
# stdnum rejects these only because the code was not in force in the birth year; we accept them,
# because a number keeps the code of the place that first issued it (docs/identity.md).
STDNUM_REJECTS_FOR_THE_BIRTH_YEAR = [
    "110111198012010078",  # 房山区 [1986-], born 1980
    "110201199312010077",  # abolished before 1993
]


@pytest.mark.parametrize("number", STDNUM_ACCEPTS + STDNUM_REJECTS_FOR_THE_BIRTH_YEAR)
def test_what_stdnum_accepts_and_what_it_refuses_for_the_year_are_accepted(number: str) -> None:
    scheme = CnRic(lambda: TODAY)
    assert scheme.normalize(number) == number.upper()
    assert keyed_many(scheme, [number])[0] == [number.upper()]


@pytest.mark.parametrize(("number", "code"), STDNUM_REJECTS.items())
def test_what_stdnum_refuses_otherwise_is_refused_for_the_same_reason(
    number: str, code: str
) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        CnRic(lambda: TODAY).normalize(number)
    assert caught.value.code == code
    with pytest.raises(InvalidIdentity) as batch:
        keyed_many(CnRic(lambda: TODAY), [number])
    assert batch.value.code == code


def test_stdnum_itself_refuses_the_numbers_we_accept_for_the_year() -> None:
    # Keeps the peer suite honest: if stdnum changes its rule, this says so.
    assert not any(ric.is_valid(n) for n in STDNUM_REJECTS_FOR_THE_BIRTH_YEAR)
    assert all(ric.is_valid(n) for n in STDNUM_ACCEPTS)
