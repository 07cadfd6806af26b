"""Provinces by the first two digits of a resident identity number, from python-stdnum's table."""

from __future__ import annotations

from functools import cache

from stdnum import numdb

UNKNOWN = ""  # a subject whose number names no province (another identity scheme)


@cache
def province_names() -> dict[str, str]:
    """Two-digit region code -> province name as GB/T 2260 (through stdnum's cn/loc) gives it."""
    names: dict[str, str] = {}
    for _length, low, high, props, _children in numdb.get("cn/loc").prefixes:
        if low == high and "province" in props:
            names[low] = props["province"]
    return names


def province_name(code: str) -> str:
    return province_names().get(code, "unknown")


def province_sql(subject: str = "subject") -> str:
    """The province code of a subject in SQL: the first two characters of an 18-character number."""
    return f"CASE WHEN length({subject}) = 18 THEN substr({subject}, 1, 2) ELSE '' END"
