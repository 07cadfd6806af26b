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
        """Vectorized validation for batch checks: ~0.2 µs a number instead of ~2 µs."""
        numbers = [r.strip().upper() if isinstance(r, str) else r for r in raws]
        chars = _char_matrix(numbers)
        bad = np.ones(len(numbers), dtype=bool) if chars is None else ~_valid_rows(chars)
        if bad.any():
            first = int(np.argmax(bad))
            self.normalize(raws[first], field=f"{field}[{first}]")  # raises with the reason
            # The fast path was stricter than the scalar one; fall back for every number.
            return [self.normalize(r, field=f"{field}[{i}]") for i, r in enumerate(raws)]
        return numbers

    def compact_keys(self, numbers: Sequence[str]) -> NDArray[np.int64]:
        chars = _char_matrix(list(numbers))
        if chars is None:
            return np.array([self.compact_key(n) for n in numbers], dtype=np.int64)
        return (chars[:, :17].astype(np.int64) - 48) @ _POWERS

    @staticmethod
    def birth_date(number: str) -> date:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))

    @staticmethod
    def province_code(number: str) -> str:
        return number[:2]


_WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)


def _char_matrix(numbers: list[str]) -> NDArray[np.uint8] | None:
    """The numbers as an n x 18 byte matrix, or None when one is not 18 ASCII characters."""
    if not all(isinstance(n, str) and len(n) == 18 for n in numbers):
        return None
    try:
        flat = "".join(numbers).encode("ascii")
    except UnicodeEncodeError:
        return None
    return np.frombuffer(flat, dtype=np.uint8).reshape(len(numbers), 18)


def _valid_rows(chars: NDArray[np.uint8]) -> NDArray[np.bool_]:
    digits = chars[:, :17].astype(np.int64) - 48
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    last = chars[:, 17]
    ok &= _CHECK_CHARS[(digits @ _WEIGHTS) % 11] == last
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    month = digits[:, 10:12] @ np.array([10, 1])
    day = digits[:, 12:14] @ np.array([10, 1])
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (year >= 1800)
    first = ((np.clip(year, 1800, 9998) - 1970) * 12 + np.clip(month, 1, 12) - 1).astype(
        "datetime64[M]"
    )
    days_in_month = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(
        np.int64
    )
    ok &= day <= days_in_month
    region_year = (digits[:, :6] @ _POWERS[-6:]) * 10_000 + np.clip(year, 1800, 9999)
    unique, inverse = np.unique(region_year, return_inverse=True)
    known = np.array([_region_year_known(u) for u in unique.tolist()], dtype=bool)
    valid: NDArray[np.bool_] = ok & known[inverse.reshape(-1)]
    return valid


_REGION_YEARS: dict[int, bool] = {}


def _region_year_known(key: int) -> bool:
    known = _REGION_YEARS.get(key)
    if known is None:
        known = _REGION_YEARS[key] = _region_known(f"{key // 10_000:06d}{key % 10_000:04d}01010000")
    return known


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


SCHEMES: dict[str, IdentityScheme] = {"cn-ric": CnRic(), "opaque": Opaque()}


def scheme_named(name: str) -> IdentityScheme:
    try:
        return SCHEMES[name]
    except KeyError as exc:
        raise InvalidIdentity("identity_scheme", "unknown", f"unknown scheme {name!r}") from exc
