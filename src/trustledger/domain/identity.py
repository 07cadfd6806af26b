"""Identity schemes: validate a subject's identity number and derive its compact int64 key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from stdnum.cn import ric

from trustledger.domain.errors import InvalidIdentity
from trustledger.domain.regions import region_table
from trustledger.domain.texts import N_, Message


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

    def dated(self, today: Callable[[], date]) -> IdentityScheme:
        """The same scheme, refusing numbers whose birth date is after `today()`."""
        ...


class CnRic:
    """GB 11643-1999 resident identity numbers: 6-digit region, 8-digit birth date, 3-digit order, check."""

    name = "cn-ric"

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        # The domain never reads the clock: the wiring hands it one (bootstrap.Registry).
        self._today = today

    def dated(self, today: Callable[[], date]) -> CnRic:
        return CnRic(today)

    def normalize(self, raw: str, *, field: str = "subject") -> str:
        if not isinstance(raw, str):
            raise InvalidIdentity(field, "format", N_("must be a string of 18 characters"))
        number = raw.strip().upper()
        if len(number) != 18:
            raise InvalidIdentity(
                field,
                "length",
                Message.of(N_("must have 18 characters, not %(count)s"), count=len(number)),
            )
        if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
            raise InvalidIdentity(field, "format", N_("must be 17 digits followed by a digit or X"))
        try:
            born = self.birth_date(number)  # what stdnum's get_birth_date does, without clean()
        except ValueError as exc:
            raise InvalidIdentity(
                field,
                "birth_date",
                Message.of(N_("birth date %(digits)s is not a real date"), digits=number[6:14]),
            ) from exc
        if born.year < _FIRST_YEAR:
            raise InvalidIdentity(
                field,
                "birth_date",
                Message.of(
                    N_("birth date %(digits)s is before %(year)s"),
                    digits=number[6:14],
                    year=_FIRST_YEAR,
                ),
            )
        if self._today is not None and born > (today := self._today()):
            raise InvalidIdentity(
                field,
                "future_birth_date",
                Message.of(
                    N_("birth date %(born)s is after today (%(today)s)"), born=born, today=today
                ),
            )
        if not region_table()[int(number[:6])]:
            raise InvalidIdentity(
                field,
                "region",
                Message.of(
                    N_("region code %(code)s is not in any edition of GB/T 2260"),
                    code=number[:6],
                ),
            )
        if ric.calc_check_digit(number) != number[17]:
            raise InvalidIdentity(
                field, "check_digit", N_("check digit does not match (ISO 7064 MOD 11-2)")
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
            if _valid_rows(chars, digits, today=self._today_or_none()).all():
                return list(raws), digits @ _POWERS
        numbers = [r.strip().upper() if isinstance(r, str) else r for r in raws]
        chars = _char_matrix(numbers)
        bad = (
            np.ones(len(numbers), dtype=bool)
            if chars is None
            else ~_valid_rows(chars, today=self._today_or_none())
        )
        if bad.any():
            first = int(np.argmax(bad))
            self.normalize(raws[first], field=f"{field}[{first}]")  # raises with the reason
            # The fast path was stricter than the scalar one; fall back for every number.
            numbers = [self.normalize(r, field=f"{field}[{i}]") for i, r in enumerate(raws)]
        return numbers, self.compact_keys(numbers)

    def _today_or_none(self) -> date | None:
        return None if self._today is None else self._today()

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
    chars: NDArray[np.uint8], digits: NDArray[np.int64] | None = None, *, today: date | None
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
    if today is not None:
        ok &= digits[:, 6:14] @ _POWERS[-8:] <= today.year * 10_000 + today.month * 100 + today.day
    region = np.clip(digits[:, :6] @ _POWERS[-6:], 0, 999_999)  # out of range only if not digits
    ok &= region_table()[region]
    return ok


class Opaque:
    """Any non-empty token up to 64 characters, for deployments with their own identifiers and for tests."""

    name = "opaque"

    def normalize(self, raw: str, *, field: str = "subject") -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidIdentity(field, "format", N_("must be a non-empty string"))
        number = raw.strip()
        if len(number) > 64:
            raise InvalidIdentity(field, "length", N_("must have at most 64 characters"))
        if any(c.isspace() for c in number):
            raise InvalidIdentity(field, "format", N_("must not contain white space"))
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

    def dated(self, today: Callable[[], date]) -> Opaque:
        return self  # opaque tokens carry no date


SCHEMES: dict[str, IdentityScheme] = {"cn-ric": CnRic(), "opaque": Opaque()}


def scheme_named(name: str) -> IdentityScheme:
    try:
        return SCHEMES[name]
    except KeyError as exc:
        raise InvalidIdentity("identity_scheme", "unknown", f"unknown scheme {name!r}") from exc
