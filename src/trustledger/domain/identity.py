"""Identity schemes: validate a subject's identity number and derive its compact int64 key."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Protocol

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
                field, "region", f"region code {number[:6]} is not a known region"
            )
        if ric.calc_check_digit(number) != number[17]:
            raise InvalidIdentity(field, "check_digit", "check digit does not match (ISO 7064 MOD 11-2)")
        return number

    def compact_key(self, number: str) -> int:
        # The check digit is derived from the other 17, so they alone identify the person; 10**17 < 2**63.
        return int(number[:17])

    @staticmethod
    def birth_date(number: str) -> date:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))

    @staticmethod
    def province_code(number: str) -> str:
        return number[:2]


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
        except ValidationError:
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


SCHEMES: dict[str, IdentityScheme] = {"cn-ric": CnRic(), "opaque": Opaque()}


def scheme_named(name: str) -> IdentityScheme:
    try:
        return SCHEMES[name]
    except KeyError as exc:
        raise InvalidIdentity("identity_scheme", "unknown", f"unknown scheme {name!r}") from exc
