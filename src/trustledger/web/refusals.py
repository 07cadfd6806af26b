"""What a page says when a request is refused before any use case ran: a form or query value the
request validation refused (Pydantic's error types) or an HTTP error (no such page, method)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustledger.domain.texts import N_, Message

# Pydantic's error types a page's forms and queries can meet, in words the catalog translates.
_PLAIN = {
    "missing": N_("is required"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "date_parsing": N_("must be a date written YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("must be a date written YYYY-MM-DD"),
    "date_type": N_("must be a date written YYYY-MM-DD"),
    "bool_parsing": N_("must be true or false"),
}
_BOUNDED = {
    "string_too_long": (N_("must be at most %(limit)s characters"), "max_length"),
    "string_too_short": (N_("must be at least %(limit)s characters"), "min_length"),
    "greater_than_equal": (N_("must be at least %(limit)s"), "ge"),
    "greater_than": (N_("must be more than %(limit)s"), "gt"),
    "less_than_equal": (N_("must be at most %(limit)s"), "le"),
    "less_than": (N_("must be less than %(limit)s"), "lt"),
}
# An HTTP error's title by status, as a page gives it.
HTTP_TITLES = {
    404: N_("Not found"),
    405: N_("Method not allowed"),
    413: N_("Too large"),
    415: N_("Unsupported media type"),
}


def refusal_of(error: Mapping[str, Any]) -> Message:
    """One validation error of a request as a page says it; an unknown type keeps Pydantic's text."""
    kind = str(error.get("type", ""))
    if kind in _PLAIN:
        return Message(_PLAIN[kind])
    if kind in _BOUNDED:
        text, key = _BOUNDED[kind]
        limit = (error.get("ctx") or {}).get(key)
        if limit is not None:
            return Message.of(text, limit=limit)
    return Message(str(error.get("msg", "")))


def http_title(status: int, detail: str) -> str:
    """A catalog message for the status, else the detail as Starlette wrote it."""
    return HTTP_TITLES.get(status, detail)
