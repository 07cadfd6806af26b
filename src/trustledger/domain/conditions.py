"""CEL conditions over a record's attributes, compiled once and evaluated without eval()."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
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


# CEL's lexical grammar as far as rule conditions use it; `other` takes any character left.
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<float>(?:\d+\.\d+|\.\d+)(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)
    |(?P<int>\d+)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?P<op>&&|\|\||==|!=|<=|>=|[<>!\-().\[\]])
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # space is dropped; float, int, string, op, name, other, end
    text: str
    at: int


def condition_tokens(expression: str) -> list[Token]:
    """The expression's tokens, ending with an `end` token."""
    tokens, at = [], 0
    while at < len(expression):
        match = _TOKEN.match(expression, at)
        assert match is not None  # the `other` group matches any character
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), at))
        at = match.end()
    tokens.append(Token("end", "", len(expression)))
    return tokens
