"""Identity numbers in bulk, for batch checks: validated and keyed with numpy, beside the index.

A batch of 1,000 canonical cn-ric numbers is validated in a few numpy steps (~0.1 µs a number,
against ~2 µs for CnRic.normalize one by one) and agrees with the scalar validator on every number
(tests/unit/test_check_numbers.py): where the batch path refuses one, the scalar path names why.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
from numpy.typing import NDArray

from trustledger.domain.identity import FIRST_YEAR, CnRic, IdentityScheme
from trustledger.domain.regions import region_table


def keyed_many(
    scheme: IdentityScheme, raws: Sequence[str], *, field: str = "subjects"
) -> tuple[list[str], NDArray[np.int64]]:
    """Each number normalized and its compact key; the first bad one raises naming `field[i]`."""
    if isinstance(scheme, CnRic):
        return _keyed_cn_ric(scheme, raws, field=field)
    numbers = normalize_each(scheme, raws, field=field)
    return numbers, np.array([scheme.compact_key(n) for n in numbers], dtype=np.int64)


def normalize_many(
    scheme: IdentityScheme, raws: Sequence[str], *, field: str = "subjects"
) -> list[str]:
    """`scheme.normalize` of each; the first bad one raises naming `field[i]`."""
    return keyed_many(scheme, raws, field=field)[0]


def normalize_each(scheme: IdentityScheme, raws: Sequence[str], *, field: str) -> list[str]:
    return [scheme.normalize(r, field=f"{field}[{i}]") for i, r in enumerate(raws)]


def compact_keys(scheme: IdentityScheme, numbers: Sequence[str]) -> NDArray[np.int64]:
    """The compact keys of normalized numbers."""
    chars = _char_matrix(numbers) if isinstance(scheme, CnRic) else None
    if chars is None:
        return np.array([scheme.compact_key(n) for n in numbers], dtype=np.int64)
    return _digits(chars) @ _POWERS


def _keyed_cn_ric(
    scheme: CnRic, raws: Sequence[str], *, field: str
) -> tuple[list[str], NDArray[np.int64]]:
    # Most batches hold canonical numbers: checked as sent, with no Python step per number.
    chars = _char_matrix(raws)
    if chars is not None:
        digits = _digits(chars)
        if valid_rows(chars, digits, today=scheme.today()).all():
            return list(raws), digits @ _POWERS
    numbers = [r.strip().upper() if isinstance(r, str) else r for r in raws]
    chars = _char_matrix(numbers)
    bad = (
        np.ones(len(numbers), dtype=bool)
        if chars is None
        else ~valid_rows(chars, today=scheme.today())
    )
    if bad.any():
        first = int(np.argmax(bad))
        scheme.normalize(raws[first], field=f"{field}[{first}]")  # raises with the reason
        # The fast path was stricter than the scalar one; fall back for every number.
        numbers = normalize_each(scheme, raws, field=field)
    return numbers, compact_keys(scheme, numbers)


_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)
_COMMA = ord(",")
_YEAR_DIGITS = np.array([1000, 100, 10, 1], dtype=np.int64)
_TWO_DIGITS = np.array([10, 1], dtype=np.int64)
_LAST_YEAR = 9999


def _days_in_months() -> NDArray[np.int8]:
    """Days in each month of the years from FIRST_YEAR to _LAST_YEAR; month 0 has none."""
    years = np.arange(FIRST_YEAR, _LAST_YEAR + 1, dtype=np.int64)
    first = ((years[:, None] - 1970) * 12 + np.arange(12)).astype("datetime64[M]")
    days = (first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")
    return np.hstack([np.zeros((len(years), 1), np.int8), days.astype(np.int8)])


_DAYS_IN_MONTH = _days_in_months()


def ascii_matrix(strings: Sequence[str], width: int) -> NDArray[np.uint8] | None:
    """The strings as an n x `width` byte matrix, or None unless each is `width` ASCII characters
    with no comma.

    Joined with commas in one C call rather than checked one by one: when the joined bytes hold
    exactly n commas, each at the end of a row of width + 1, every string fits.
    """
    n = len(strings)
    if n == 0:
        return np.empty((0, width), dtype=np.uint8)
    try:
        flat = (",".join(strings) + ",").encode("ascii")
    except (TypeError, UnicodeEncodeError):  # not a string, or not ASCII
        return None
    if len(flat) != (width + 1) * n or flat.count(b",") != n:
        return None
    rows = np.frombuffer(flat, dtype=np.uint8).reshape(n, width + 1)
    if not (rows[:, width] == _COMMA).all():
        return None
    return rows[:, :width]


def _char_matrix(numbers: Sequence[str]) -> NDArray[np.uint8] | None:
    return ascii_matrix(numbers, 18)


def _digits(chars: NDArray[np.uint8]) -> NDArray[np.int64]:
    """The first 17 characters' digit values (out of 0..9 where a character is not a digit)."""
    return chars[:, :17].astype(np.int64) - 48


def valid_rows(
    chars: NDArray[np.uint8], digits: NDArray[np.int64] | None = None, *, today: date | None
) -> NDArray[np.bool_]:
    """Which rows of `chars` (n x 18, as ascii_matrix gives them) are numbers CnRic.normalize
    accepts as they are, refusing a birth date after `today` if given."""
    digits = _digits(chars) if digits is None else digits
    in_range = (digits >= 0) & (digits <= 9)
    # One reduction over the whole batch is ~10x cheaper than one per row; rows only if it fails.
    ok: NDArray[np.bool_] = np.ones(len(chars), dtype=bool)
    if not in_range.all():
        ok = np.all(in_range, axis=1)
    ok &= _CHECK_CHARS[(digits @ _WEIGHTS) % 11] == chars[:, 17]
    year = digits[:, 6:10] @ _YEAR_DIGITS
    month = digits[:, 10:12] @ _TWO_DIGITS
    day = digits[:, 12:14] @ _TWO_DIGITS
    known_year = np.clip(year, FIRST_YEAR, _LAST_YEAR)
    days_in_month = _DAYS_IN_MONTH[known_year - FIRST_YEAR, np.clip(month, 0, 12)]
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
    ok &= year >= FIRST_YEAR
    if today is not None:
        ok &= digits[:, 6:14] @ _POWERS[-8:] <= today.year * 10_000 + today.month * 100 + today.day
    region = np.clip(digits[:, :6] @ _POWERS[-6:], 0, 999_999)  # out of range only if not digits
    ok &= region_table()[region]
    return ok
