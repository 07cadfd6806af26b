"""What a new key may be: its role, name, record types, expiry and an officer's jurisdiction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from trustledger.domain.errors import InvalidInput

ROLES = ("source", "checker", "officer", "auditor", "subject")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
TYPE_PATTERN = re.compile(r"[a-z0-9_.*?\[\]!-]{1,64}")
# A province (2 digits), prefecture (4) or county (6): a prefix of the identity number's region.
REGION = re.compile(r"\d{2}|\d{4}|\d{6}")
MAX_GRACE_HOURS = 24 * 30


def check_key(role: str, name: str, types: Sequence[str]) -> None:
    if role not in ROLES:
        raise InvalidInput("role", f"{role!r} is not one of {', '.join(ROLES)}")
    if not NAME.fullmatch(name):
        raise InvalidInput("name", "must be 1 to 64 letters, digits, '_', '.' or '-'")
    if role != "source" and types:
        raise InvalidInput("types", "only source keys carry record types")
    if role == "source" and not types:
        raise InvalidInput("types", "a source key needs at least one record type pattern")
    for pattern in types:
        if not TYPE_PATTERN.fullmatch(pattern):
            raise InvalidInput("types", f"{pattern!r} is not a record type pattern such as rail.*")


def check_jurisdiction(role: str, regions: Sequence[str], sources: Sequence[str]) -> None:
    if role != "officer" and (regions or sources):
        raise InvalidInput("regions", "only officer keys carry a jurisdiction")
    for code in regions:
        if not REGION.fullmatch(code):
            raise InvalidInput(
                "regions", f"{code!r} is not a 2-, 4- or 6-digit region code such as 44 or 4403"
            )
    for source in sources:
        if not NAME.fullmatch(source):
            raise InvalidInput("sources", f"{source!r} is not a source's name")


def parse_expiry(raw: str, now: datetime) -> datetime:
    """A date (the key stops working at its start, UTC) or a date and time; naive UTC."""
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidInput("expires", f"{raw!r} is not a date (YYYY-MM-DD) or time") from exc
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    if when <= now:
        raise InvalidInput("expires", f"{raw} is not in the future")
    return when


def check_grace(hours: float) -> None:
    if not 0 <= hours <= MAX_GRACE_HOURS:
        raise InvalidInput("grace", f"must be between 0 and {MAX_GRACE_HOURS} hours")


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput("reason", "say why the key is revoked")
    if len(text) > 500:
        raise InvalidInput("reason", "at most 500 characters")
    return text
