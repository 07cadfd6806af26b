"""Translate a rule's CEL condition to a DuckDB SQL expression, for the subset rules use.

Supported: `record.<attr>` (and `record["attr"]`), int, float, string and bool literals, unary
`-` and `!`, comparisons, `&&`, `||` and parentheses. SQL's three-valued logic mirrors CEL's
error handling here: a missing attribute is NULL as a CEL error is absorbed by `false && e` and
`true || e`, and a NULL at the top means the condition does not hold, as `condition_holds` says.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from trustledger.domain.conditions import Token, condition_tokens
from trustledger.domain.errors import InvalidInput

BOOL, INT, FLOAT, STR = "bool", "int", "float", "str"
_NUMERIC = frozenset({INT, FLOAT})
SQL_TYPES = {INT: "BIGINT", FLOAT: "DOUBLE", STR: "VARCHAR", BOOL: "BOOLEAN"}
_RELATIONS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t", "r": "\r"}


@dataclass(frozen=True, slots=True)
class Sql:
    """A translated piece of expression and its CEL type."""

    text: str
    type: str


# Resolves an attribute name to its SQL (NULL when the record lacks it) and its declared type.
AttributeResolver = Callable[[str], Sql]


def condition_sql(
    expression: str, attribute: AttributeResolver, *, field: str = "condition"
) -> str:
    """SQL that is TRUE exactly where the CEL condition holds, NULL or FALSE elsewhere."""
    parser = _Parser(expression, attribute, field)
    result = parser.parse()
    if result.type != BOOL:
        raise parser.error("the condition must be a boolean expression", 0)
    return result.text


class _Parser:
    """Recursive descent over CEL's precedence: || < && < relations < unary < member access."""

    def __init__(self, expression: str, attribute: AttributeResolver, field: str) -> None:
        self.expression = expression
        self.field = field
        self.attribute = attribute
        self.tokens = condition_tokens(expression)
        self.pos = 0

    def error(self, reason: str, at: int) -> InvalidInput:
        return InvalidInput(self.field, f"{reason} at position {at} of {self.expression!r}")

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self, text: str | None = None) -> Token:
        token = self.tokens[self.pos]
        if text is not None and token.text != text:
            raise self.error(f"expected {text!r}, found {token.text or 'the end'!r}", token.at)
        self.pos += 1
        return token

    def parse(self) -> Sql:
        result = self.logical("||", self.conjunction)
        token = self.peek()
        if token.kind != "end":
            raise self.error(f"unsupported {token.text!r}", token.at)
        return result

    def conjunction(self) -> Sql:
        return self.logical("&&", self.relation)

    def logical(self, op: str, operand: Callable[[], Sql]) -> Sql:
        left = operand()
        while self.peek().text == op:
            token = self.take()
            right = operand()
            if left.type != BOOL or right.type != BOOL:
                raise self.error(f"{op} needs boolean operands", token.at)
            left = Sql(f"({left.text} {'OR' if op == '||' else 'AND'} {right.text})", BOOL)
        return left

    def relation(self) -> Sql:
        left = self.unary()
        token = self.peek()
        if token.text not in _RELATIONS:
            return left
        self.take()
        right = self.unary()
        if self.peek().text in _RELATIONS:
            raise self.error("chained comparisons are not supported", self.peek().at)
        return _compare(left, token.text, right)

    def unary(self) -> Sql:
        token = self.peek()
        if token.text in ("!", "-"):
            self.take()
            operand = self.unary()
            wanted = {BOOL} if token.text == "!" else _NUMERIC
            if operand.type not in wanted:
                raise self.error(f"{token.text} does not apply to a {operand.type}", token.at)
            return Sql(
                f"(NOT {operand.text})" if token.text == "!" else f"(- {operand.text})",
                operand.type,
            )
        return self.primary()

    def primary(self) -> Sql:
        token = self.take()
        if token.text == "(":
            inner = self.logical("||", self.conjunction)
            self.take(")")
            return Sql(f"({inner.text})", inner.type)
        if token.kind in ("int", "float", "string"):
            return self.literal(token)
        if token.text in ("true", "false"):
            return Sql(token.text.upper(), BOOL)
        if token.text == "record":
            return self.member(token)
        raise self.error(f"unsupported {token.text or 'end'!r}", token.at)

    def member(self, record: Token) -> Sql:
        token = self.take()
        if token.text == ".":
            name = self.take()
            if name.kind != "name":
                raise self.error("expected an attribute name", name.at)
            attribute = name.text
        elif token.text == "[":
            key = self.take()
            if key.kind != "string":
                raise self.error("expected a string key", key.at)
            attribute = _unquote(key.text, lambda r: self.error(r, key.at))
            self.take("]")
        else:
            raise self.error("record must be followed by .<attribute>", record.at)
        if self.peek().text in (".", "[", "("):
            raise self.error("only direct attributes of record are supported", self.peek().at)
        try:
            return self.attribute(attribute)
        except InvalidInput as exc:
            raise self.error(exc.reason, record.at) from exc

    def literal(self, token: Token) -> Sql:
        if token.kind == "int":
            if int(token.text) >= 2**63:
                raise self.error("integer literal out of range", token.at)
            return Sql(str(int(token.text)), INT)
        if token.kind == "float":
            value = float(token.text)
            if not math.isfinite(value):
                raise self.error("float literal out of range", token.at)
            return Sql(f"CAST({value!r} AS DOUBLE)", FLOAT)
        text = _unquote(token.text, lambda r: self.error(r, token.at))
        return Sql("'" + text.replace("'", "''") + "'", STR)


def _compare(left: Sql, op: str, right: Sql) -> Sql:
    if left.type == right.type or {left.type, right.type} <= _NUMERIC:
        return Sql(f"({left.text} {_RELATIONS[op]} {right.text})", BOOL)
    # CEL: values of different types are never equal, and have no order (an error, so NULL).
    if op in ("==", "!="):
        verdict = "FALSE" if op == "==" else "TRUE"
        missing = f"{left.text} IS NULL OR {right.text} IS NULL"
        return Sql(f"(CASE WHEN {missing} THEN NULL ELSE {verdict} END)", BOOL)
    return Sql("CAST(NULL AS BOOLEAN)", BOOL)


def _unquote(literal: str, fail: Callable[[str], InvalidInput]) -> str:
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        if body[i] == "\\":
            escaped = _ESCAPES.get(body[i + 1 : i + 2])
            if escaped is None:
                raise fail(f"unsupported escape {body[i : i + 2]!r}")
            out.append(escaped)
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)
