"""A record's attributes checked against the types its rule declares: intake and examples alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustledger.domain.errors import InvalidInput


def typed_attributes(
    value: Any, declared: tuple[tuple[str, str], ...], *, code: str, text: bool = False
) -> dict[str, Any]:
    """A record's attributes checked against its rule's `declared` (name, type) pairs.

    `text`: values may come as text (a CSV import) and are parsed to their declared type.
    """
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise InvalidInput("attributes", "must be an object")
    types = dict(declared)
    unknown = sorted(str(name) for name in set(value) - set(types))
    if unknown:
        raise InvalidInput(f"attributes.{unknown[0]}", f"is not an attribute of rule {code}")
    result: dict[str, Any] = {}
    for name, kind in declared:
        raw = value.get(name)
        if raw is None or (text and raw == ""):
            raise InvalidInput(f"attributes.{name}", f"is required by rule {code}")
        result[name] = _typed(raw, kind, f"attributes.{name}", text=text)
    return result


_BOOLS = {"true": True, "false": False, "1": True, "0": False}


def _typed(raw: Any, kind: str, field: str, *, text: bool) -> Any:
    if text and isinstance(raw, str):
        raw = _from_text(raw.strip(), kind, field)
    ok = {
        "int": isinstance(raw, int) and not isinstance(raw, bool),
        "float": isinstance(raw, int | float) and not isinstance(raw, bool),
        "str": isinstance(raw, str),
        "bool": isinstance(raw, bool),
    }.get(kind, False)
    if not ok:
        raise InvalidInput(field, f"must be of type {kind}")
    return float(raw) if kind == "float" else raw


def _from_text(raw: str, kind: str, field: str) -> Any:
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as exc:
        raise InvalidInput(field, f"must be of type {kind}") from exc
    if kind == "bool":
        if raw.lower() not in _BOOLS:
            raise InvalidInput(field, "must be true or false")
        return _BOOLS[raw.lower()]
    return raw
