"""Synthetic resident identity numbers (GB 11643-1999), many at a time with numpy."""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import cache

import numpy as np
import pyarrow as pa
from stdnum import numdb

from trustledger.domain.errors import InvalidInput

BIRTH_YEARS = range(1940, 2007)
DAYS_OF_YEAR = 365  # 31 December of leap years is left out so that every year has the same slots
ORDERS = 1000
# Person indexes stay below 2**31 so that index * multiplier (< 2**32) fits in an int64.
MAX_PEOPLE = 2**31 - 1
# Taiwan, Hong Kong and Macau residents do not hold these mainland numbers.
_EXCLUDED_PROVINCES = frozenset({"71", "81", "82"})
# ISO 7064 MOD 11-2 weight of each of the 17 significant digits: 2**(17-i) mod 11.
_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)


def _years_valid(county: str) -> list[int]:
    """Birth years in BIRTH_YEARS for which stdnum accepts a county entry like `[1986-]房山区`."""
    years: set[int] = set()
    for entry in county.split(","):
        if not entry.startswith("["):
            return list(BIRTH_YEARS)
        start, end = entry[1:].split("]")[0].split("-")
        first = max(int(start) if start else BIRTH_YEARS.start, BIRTH_YEARS.start)
        last = min(int(end) + 1 if end else BIRTH_YEARS.stop, BIRTH_YEARS.stop)
        years.update(range(first, last))
    return sorted(years)


@cache
def region_years() -> np.ndarray:
    """Pairs (region code, birth year) that python-stdnum accepts, county-level regions only."""
    db = numdb.get("cn/loc")
    pairs: list[tuple[int, int]] = []
    for _length, province, _high, _props, counties in db.prefixes:
        if province in _EXCLUDED_PROVINCES:
            continue
        for _clen, low, high, _cprops, _children in counties:
            if low != high or low.endswith("00"):
                continue
            code = province + low
            # numdb merges every entry of a code; the validator reads the merged `county`.
            info = {k: v for _part, props in db.info(code) for k, v in props.items()}
            pairs.extend((int(code), year) for year in _years_valid(info.get("county", "")))
    return np.unique(np.array(pairs, dtype=np.int64), axis=0)


def digit_matrix(numbers: np.ndarray, width: int) -> np.ndarray:
    """The decimal digits of non-negative integers, most significant first: (n, width) uint8."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((np.asarray(numbers, dtype=np.int64)[:, None] // powers) % 10).astype(np.uint8)


def ascii_strings(chars: np.ndarray) -> pa.StringArray:
    """An Arrow string array from an (n, width) matrix of ASCII codes, without a Python loop."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars, dtype=np.uint8)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


class _Part:
    """Lookup tables for one fixed-width part of the number: its ASCII digits and weighted sum."""

    def __init__(self, values: np.ndarray, width: int, first_position: int) -> None:
        digits = digit_matrix(values, width)
        self.values = np.asarray(values, dtype=np.int64)
        self.chars = digits + ord("0")
        self.weighted = digits @ _WEIGHTS[first_position : first_position + width]


class IdentityMint:
    """Maps person indexes 0..MAX_PEOPLE one-to-one to distinct, valid identity numbers.

    An index goes through an affine permutation of the slots (region and birth year) x day of
    year x order, so each seed gives a different, repeatable population with no shared number.
    """

    def __init__(self, seed: int) -> None:
        pairs = region_years()
        first_day = date(2001, 1, 1)  # a non-leap year gives the 365 month-days
        month_days = [int((first_day + timedelta(days=d)).strftime("%m%d")) for d in range(365)]
        self._place = _Part(pairs[:, 0] * 10_000 + pairs[:, 1], 10, 0)
        self._day = _Part(np.array(month_days), 4, 10)
        self._order = _Part(np.arange(ORDERS), 3, 14)
        self.space = len(pairs) * DAYS_OF_YEAR * ORDERS
        rng = np.random.default_rng([seed, 0x1D])
        multiplier = int(rng.integers(2**31, 2**32))
        while math.gcd(multiplier, self.space) != 1:
            multiplier += 1
        self._multiplier = multiplier
        self._offset = int(rng.integers(0, self.space))

    def _slots(self, people: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        people = np.asarray(people, dtype=np.int64)
        if people.size and (int(people.min()) < 0 or int(people.max()) > MAX_PEOPLE):
            raise InvalidInput("people", f"person indexes must lie in 0..{MAX_PEOPLE}")
        slot = (people * self._multiplier + self._offset) % self.space
        order = slot % ORDERS
        day = (slot // ORDERS) % DAYS_OF_YEAR
        return slot // (ORDERS * DAYS_OF_YEAR), day, order

    def significant(self, people: np.ndarray) -> np.ndarray:
        """The 17 significant digits of each person's number as int64 (the check index's key)."""
        place, day, order = self._slots(people)
        key: np.ndarray = (
            self._place.values[place] * 10_000 + self._day.values[day]
        ) * 1000 + order
        return key

    def numbers(self, people: np.ndarray) -> pa.StringArray:
        """The 18-character identity numbers of the given person indexes."""
        place, day, order = self._slots(people)
        chars = np.empty((len(place), 18), dtype=np.uint8)
        chars[:, :10] = self._place.chars[place]
        chars[:, 10:14] = self._day.chars[day]
        chars[:, 14:17] = self._order.chars[order]
        total = self._place.weighted[place] + self._day.weighted[day] + self._order.weighted[order]
        chars[:, 17] = _CHECK_CHARS[total % 11]
        return ascii_strings(chars)
