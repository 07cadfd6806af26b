"""Which record attributes a condition reads, and any read of `record` that names no attribute.

A condition may read `record.name` or `record["name"]` and nothing else of `record`: a computed
key (`record["sp" + "eech"]`), an escaped or raw string key, a macro over the record's keys
(`record.exists(k, ...)`), `"x" in record` or `size(record)` would read attributes the rule does
not declare, so each is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trustledger.domain.conditions import Token, condition_tokens

_PLAIN_KEY = frozenset("\\")


@dataclass
class Reads:
    names: set[str] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)


def condition_reads(expression: str) -> Reads:
    reads = Reads()
    tokens = condition_tokens(expression)
    for i, token in enumerate(tokens):
        if token.kind == "name" and token.text == "record":
            name = _attribute(tokens[i + 1 : i + 4])
            if name is None:
                reads.refused.append(_shown(expression, token))
            else:
                reads.names.add(name)
    return reads


def _attribute(after: list[Token]) -> str | None:
    """The attribute `record` is followed by, when it is read plainly; None otherwise."""
    texts = [t.text for t in after] + ["", "", ""]
    kinds = [t.kind for t in after] + ["", "", ""]
    if texts[0] == "." and kinds[1] == "name" and texts[2] != "(":
        return texts[1]
    if texts[0] == "[" and kinds[1] == "string" and texts[2] == "]":
        body = texts[1][1:-1]
        return body if body and not set(body) & _PLAIN_KEY else None
    return None


def _shown(expression: str, token: Token) -> str:
    return expression[token.at : token.at + 24].strip()
