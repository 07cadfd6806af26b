"""GB/T 2260 region codes that ever existed, from python-stdnum's region data.

A resident identity number keeps the region code of the place where it was first issued, which can
be years after the birth (districts are created, merged and renamed): so a code is valid when it
was in any edition of GB/T 2260, whatever the birth year. See docs/identity.md.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from stdnum import numdb

_CODES = 1_000_000  # every 6-digit code


@cache
def region_table() -> NDArray[np.bool_]:
    """`table[code]` is True when the 6-digit region `code` names a region in some edition."""
    table = np.zeros(_CODES, dtype=bool)
    for code in _codes(numdb.get("cn/loc").prefixes, "", has_county=False):
        table[code] = True
    table.setflags(write=False)
    return table


@cache
def region_years() -> dict[int, tuple[int | None, int | None]]:
    """Each code's first and last year in the data (None: open), for tests and explanations."""
    years: dict[int, tuple[int | None, int | None]] = {}
    for code, county in _counties(numdb.get("cn/loc").prefixes, "", ""):
        first, last = _span(county)
        years[code] = first, last
    return years


def region_ever_existed(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and bool(region_table()[int(code)])


def _codes(prefixes: list[Any], head: str, *, has_county: bool) -> list[int]:
    found: list[int] = []
    for length, low, high, props, children in prefixes:
        for part in range(int(low), int(high) + 1):
            code = head + f"{part:0{length}d}"
            county = has_county or "county" in props
            if len(code) == 6:
                found.extend([int(code)] if county else [])
            else:
                found.extend(_codes(children, code, has_county=county))
    return found


def _counties(prefixes: list[Any], head: str, county: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for length, low, high, props, children in prefixes:
        for part in range(int(low), int(high) + 1):
            code = head + f"{part:0{length}d}"
            name = props.get("county", county)
            if len(code) == 6:
                found.extend([(int(code), name)] if name else [])
            else:
                found.extend(_counties(children, code, name))
    return found


def _span(county: str) -> tuple[int | None, int | None]:
    """The widest span of a county entry such as `[1986-]房山区` or `[-1990]东郊区,[1991-]东丽区`."""
    firsts: list[int | None] = []
    lasts: list[int | None] = []
    for entry in county.split(","):
        if not entry.startswith("["):
            return None, None
        start, end = entry[1:].split("]")[0].split("-")
        firsts.append(int(start) if start else None)
        lasts.append(int(end) if end else None)
    first = None if None in firsts else min(f for f in firsts if f is not None)
    last = None if None in lasts else max(e for e in lasts if e is not None)
    return first, last
