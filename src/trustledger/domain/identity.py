"""Identity schemes: validate a subject's identity number and derive its compact int64 key."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from trustledger.domain.errors import InvalidIdentity


class IdentityScheme(Protocol):
    name: str

    def normalize(self, raw: str, *, field: str = "subject") -> str:
        """Return the canonical form or raise InvalidIdentity naming the reason."""
        ...

    def compact_key(self, number: str) -> int:
        """A signed int64 key for the check index, from a normalized number."""
        ...

    def normalize_many(self, raws: Sequence[str], *, field: str = "subjects") -> list[str]:
        """`normalize` of each; the first bad one raises naming `field[i]`."""
        ...

    def compact_keys(self, numbers: Sequence[str]) -> NDArray[np.int64]: ...

    def keyed_many(
        self, raws: Sequence[str], *, field: str = "subjects"
    ) -> tuple[list[str], NDArray[np.int64]]:
        """`normalize_many` and `compact_keys` in one pass."""
        ...


class CnRic:
    """GB 11643-1999 resident identity numbers: 6-digit region, 8-digit birth date, 3-digit order, check."""

    name = "cn-ric"

    def normalize(self, raw: str, *, field: str = "subject") -> str:
        if not isinstance(raw, str):
            raise InvalidIdentity(field, "format", "must be a string of 18 characters")
        number = raw.strip().upper()
        if len(number) != 18:
            raise InvalidIdentity(field, "length", f"must have 18 characters, not {len(number)}")
        if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
            raise InvalidIdentity(field, "format", "must be 17 digits followed by a digit or X")
        try:
            self.birth_date(number)  # what stdnum's get_birth_date does, without its slow clean()
        except ValueError as exc:
            raise InvalidIdentity(
                field, "birth_date", f"birth date {number[6:14]} is not a real date"
            ) from exc
        if not _region_known(number):
            raise InvalidIdentity(
                field,
                "region",
                f"region code {number[:6]} is not a known region for a birth in {number[6:10]}",
            )
        if ric.calc_check_digit(number) != number[17]:
            raise InvalidIdentity(
                field, "check_digit", "check digit does not match (ISO 7064 MOD 11-2)"
            )
        return number

    def compact_key(self, number: str) -> int:
        # The check digit is derived from the other 17, so they alone identify the person; 10**17 < 2**63.
        return int(number[:17])

    def normalize_many(self, raws: Sequence[str], *, field: str = "subjects") -> list[str]:
        """Vectorized validation for batch checks: ~0.1 µs a number instead of ~2 µs."""
        return self.keyed_many(raws, field=field)[0]

    def compact_keys(self, numbers: Sequence[str]) -> NDArray[np.int64]:
        chars = _char_matrix(numbers)
        if chars is None:
            return np.array([self.compact_key(n) for n in numbers], dtype=np.int64)
        return _digits(chars) @ _POWERS

    def keyed_many(
        self, raws: Sequence[str], *, field: str = "subjects"
    ) -> tuple[list[str], NDArray[np.int64]]:
        # Most batches hold canonical numbers: checked as sent, with no Python step per number.
        chars = _char_matrix(raws)
        if chars is not None:
            digits = _digits(chars)
            if _valid_rows(chars, digits).all():
                return list(raws), digits @ _POWERS
        numbers = [r.strip().upper() if isinstance(r, str) else r for r in raws]
        chars = _char_matrix(numbers)
        bad = np.ones(len(numbers), dtype=bool) if chars is None else ~_valid_rows(chars)
        if bad.any():
            first = int(np.argmax(bad))
            self.normalize(raws[first], field=f"{field}[{first}]")  # raises with the reason
            # The fast path was stricter than the scalar one; fall back for every number.
            numbers = [self.normalize(r, field=f"{field}[{i}]") for i, r in enumerate(raws)]
        return numbers, self.compact_keys(numbers)

    @staticmethod
    def birth_date(number: str) -> date:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))

    @staticmethod
    def province_code(number: str) -> str:
        return number[:2]


_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)
_COMMA = ord(",")
_YEAR_DIGITS = np.array([1000, 100, 10, 1], dtype=np.int64)
_TWO_DIGITS = np.array([10, 1], dtype=np.int64)
_FIRST_YEAR, _LAST_YEAR = 1800, 9999


def _days_in_months() -> NDArray[np.int8]:
    """Days in each month of the years from _FIRST_YEAR to _LAST_YEAR; month 0 has none."""
    years = np.arange(_FIRST_YEAR, _LAST_YEAR + 1, dtype=np.int64)
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


def _valid_rows(
    chars: NDArray[np.uint8], digits: NDArray[np.int64] | None = None
) -> NDArray[np.bool_]:
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
    known_year = np.clip(year, _FIRST_YEAR, _LAST_YEAR)
    days_in_month = _DAYS_IN_MONTH[known_year - _FIRST_YEAR, np.clip(month, 0, 12)]
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= days_in_month)
    ok &= year >= _FIRST_YEAR
    region_year = (digits[:, :6] @ _POWERS[-6:]) * 10_000 + known_year
    if ok.all():
        return _KNOWN_REGION_YEARS.known(region_year)
    ok[ok] = _KNOWN_REGION_YEARS.known(region_year[ok])  # only well-formed numbers are looked up
    return ok


class _RegionYears:
    """Which (region code * 10_000 + birth year) keys name a known region, as two sorted arrays:
    a batch looks up its numbers in one search, and only keys not seen before go to stdnum."""

    def __init__(self) -> None:
        self._table = (np.empty(0, dtype=np.int64), np.empty(0, dtype=bool))

    def known(self, keys: NDArray[np.int64]) -> NDArray[np.bool_]:
        table = self._table
        at, found = _positions(table[0], keys)
        if not found.all():
            new = np.unique(keys[~found])
            flags = np.array([_region_year_known(k) for k in new.tolist()], dtype=bool)
            merged = np.concatenate([table[0], new])
            order = np.argsort(merged)
            # One attribute swapped whole: a reader in another thread sees either table.
            table = self._table = (merged[order], np.concatenate([table[1], flags])[order])
            at, _ = _positions(table[0], keys)
        known: NDArray[np.bool_] = table[1][at]
        return known


def _positions(
    ordered: NDArray[np.int64], keys: NDArray[np.int64]
) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """Where each key is in `ordered`, and whether it is there at all."""
    if ordered.size == 0:
        return np.zeros(keys.shape, dtype=np.intp), np.zeros(keys.shape, dtype=bool)
    at = np.minimum(np.searchsorted(ordered, keys), ordered.size - 1)
    return at, ordered[at] == keys


_KNOWN_REGION_YEARS = _RegionYears()


def _region_year_known(key: int) -> bool:
    return _region_known(f"{key // 10_000:06d}{key % 10_000:04d}01010000")


# (region code, birth year) -> known then. Looking a region up in stdnum's table costs ~100 µs, far
# more than the rest of a record's intake; there are only some thousand regions times a century.
_REGIONS: dict[tuple[str, str], bool] = {}


def _region_known(number: str) -> bool:
    key = (number[:6], number[6:10])
    known = _REGIONS.get(key)
    if known is None:
        try:
            ric.get_birth_place(number)
            known = True
        # stdnum raises KeyError for a known province with an unknown county code (610105).
        except (ValidationError, KeyError):
            known = False
        _REGIONS[key] = known
    return known


class Opaque:
    """Any non-empty token up to 64 characters, for deployments with their own identifiers and for tests."""

    name = "opaque"

    def normalize(self, raw: str, *, field: str = "subject") -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidIdentity(field, "format", "must be a non-empty string")
        number = raw.strip()
        if len(number) > 64:
            raise InvalidIdentity(field, "length", "must have at most 64 characters")
        if any(c.isspace() for c in number):
            raise InvalidIdentity(field, "format", "must not contain white space")
        return number

    def compact_key(self, number: str) -> int:
        digest = hashlib.blake2b(number.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def normalize_many(self, raws: Sequence[str], *, field: str = "subjects") -> list[str]:
        return [self.normalize(r, field=f"{field}[{i}]") for i, r in enumerate(raws)]

    def compact_keys(self, numbers: Sequence[str]) -> NDArray[np.int64]:
        return np.array([self.compact_key(n) for n in numbers], dtype=np.int64)

    def keyed_many(
        self, raws: Sequence[str], *, field: str = "subjects"
    ) -> tuple[list[str], NDArray[np.int64]]:
        numbers = self.normalize_many(raws, field=field)
        return numbers, self.compact_keys(numbers)


SCHEMES: dict[str, IdentityScheme] = {"cn-ric": CnRic(), "opaque": Opaque()}


def scheme_named(name: str) -> IdentityScheme:
    try:
        return SCHEMES[name]
    except KeyError as exc:
        raise InvalidIdentity("identity_scheme", "unknown", f"unknown scheme {name!r}") from exc
