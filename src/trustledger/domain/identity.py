"""Identity schemes: validate a subject's identity number and derive its compact int64 key.

One number at a time; checks/numbers.py validates a batch of them at once, in agreement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Protocol

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
        if born.year < FIRST_YEAR:
            raise InvalidIdentity(
                field,
                "birth_date",
                Message.of(
                    N_("birth date %(digits)s is before %(year)s"),
                    digits=number[6:14],
                    year=FIRST_YEAR,
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

    def today(self) -> date | None:
        """The day a birth date may not be after, when the wiring gave a clock."""
        return None if self._today is None else self._today()

    @staticmethod
    def birth_date(number: str) -> date:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))

    @staticmethod
    def province_code(number: str) -> str:
        return number[:2]


FIRST_YEAR = 1800  # the earliest birth year a number may carry


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

    def dated(self, today: Callable[[], date]) -> Opaque:
        return self  # opaque tokens carry no date


SCHEMES: dict[str, IdentityScheme] = {"cn-ric": CnRic(), "opaque": Opaque()}


def scheme_named(name: str) -> IdentityScheme:
    try:
        return SCHEMES[name]
    except KeyError as exc:
        raise InvalidIdentity("identity_scheme", "unknown", f"unknown scheme {name!r}") from exc
