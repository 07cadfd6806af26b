"""CEL conditions over a record's attributes, compiled once and evaluated without eval()."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import cel


class ConditionError(ValueError):
    """A condition that does not compile, or does not yield a boolean."""


@lru_cache(maxsize=1024)
def compile_condition(expression: str) -> Any:
    try:
        return cel.compile(expression)
    except ValueError as exc:
        raise ConditionError(str(exc).splitlines()[0]) from exc


def condition_holds(expression: str | None, attributes: Mapping[str, Any]) -> bool:
    """True when there is no condition or it evaluates to true; a missing attribute makes it false."""
    if expression is None:
        return True
    program = compile_condition(expression)
    try:
        value = program.execute({"record": dict(attributes)})
    except (KeyError, ValueError, TypeError, RuntimeError):
        return False
    return value is True


def condition_variables(expression: str) -> list[str]:
    """Names the expression reads: used by the linter to refuse anything but `record`."""
    refs = compile_condition(expression).references()
    return list(refs.get("variables", []))
