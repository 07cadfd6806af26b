"""CEL conditions translated to DuckDB SQL hold exactly where the CEL evaluator says they do."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustledger.batch.condition_sql import SQL_TYPES, Sql, condition_sql
from trustledger.domain.conditions import condition_holds
from trustledger.domain.errors import InvalidInput

DECLARED = {"a": "int", "b": "float", "s": "str", "f": "bool"}
STRUCT = "STRUCT(a BIGINT, b DOUBLE, s VARCHAR, f BOOLEAN)"


def _struct_attribute(name: str) -> Sql:
    if name not in DECLARED:
        raise InvalidInput("condition", f"record.{name} is not declared")
    return Sql(f"attributes.{name}", DECLARED[name])


def _json_attribute(name: str) -> Sql:
    sql_type = SQL_TYPES[DECLARED[name]]
    return Sql(
        f"TRY_CAST(json_extract_string(attributes, '$.{name}') AS {sql_type})", DECLARED[name]
    )


def _holds_in_sql(expression: str, attributes: dict[str, Any]) -> tuple[bool, bool]:
    """(holds over a STRUCT column, holds over a JSON text column)."""
    con = duckdb.connect()
    struct_sql = condition_sql(expression, _struct_attribute)
    json_sql = condition_sql(expression, _json_attribute)
    row = {k: attributes.get(k) for k in DECLARED}
    con.execute(f"CREATE TABLE s AS SELECT CAST(? AS {STRUCT}) AS attributes", [row])
    con.execute(
        "CREATE TABLE j AS SELECT CAST(? AS VARCHAR) AS attributes", [json.dumps(attributes)]
    )
    over_struct = con.execute(f"SELECT coalesce({struct_sql}, FALSE) FROM s").fetchone()
    over_json = con.execute(f"SELECT coalesce({json_sql}, FALSE) FROM j").fetchone()
    assert over_struct is not None
    assert over_json is not None
    return bool(over_struct[0]), bool(over_json[0])


attribute_values = st.fixed_dictionaries(
    {},
    optional={
        "a": st.integers(-3, 3),
        "b": st.sampled_from([-1.5, 0.0, 1.0, 2.5]),
        "s": st.text(alphabet="ab'", max_size=2),
        "f": st.booleans(),
    },
)
operands = st.one_of(
    st.sampled_from(["record.a", "record.b", "record.s", "record.f", "record['a']"]),
    st.integers(-3, 3).map(str),
    st.sampled_from(["1.0", "2.5", ".5", "1e1", "true", "false", '"a"', "'b'", '"a\'"', '""']),
)
comparisons = st.builds(
    lambda left, op, right: f"{left} {op} {right}",
    operands,
    st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
    operands,
)
conditions = st.recursive(
    st.one_of(comparisons, st.sampled_from(["record.f", "true", "false"])),
    lambda inner: st.one_of(
        inner.map(lambda e: f"!({e})"),
        st.builds(lambda x, y: f"({x} && {y})", inner, inner),
        st.builds(lambda x, y: f"({x} || {y})", inner, inner),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(expression=conditions, attributes=attribute_values)
def test_translated_condition_agrees_with_cel_on_any_attributes(
    expression: str, attributes: dict[str, Any]
) -> None:
    expected = condition_holds(expression, attributes)
    assert _holds_in_sql(expression, attributes) == (expected, expected)


@pytest.mark.parametrize(
    ("expression", "attributes", "expected"),
    [
        ("record.a >= 10000", {"a": 10000}, True),
        ("record.a >= 10000", {}, False),
        ("record.a > 1 || true", {}, True),
        ("!(record.a > 1)", {}, False),
        ("record.a == 'x'", {"a": 1}, False),
        ("record.a != 'x'", {"a": 1}, True),
        ("record.a != 'x'", {}, False),
        ("-record.a < 0", {"a": 2}, True),
        ('record.s == "it\\\'s\\n"', {"s": "it's\n"}, True),
    ],
)
def test_translated_condition_examples(
    expression: str, attributes: dict[str, Any], expected: bool
) -> None:
    assert condition_holds(expression, attributes) is expected
    assert _holds_in_sql(expression, attributes) == (expected, expected)


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("size(record.s) > 1", "unsupported 'size'"),
        ("record.a + 1 > 2", "unsupported '+'"),
        ("record.a in [1, 2]", "unsupported 'in'"),
        ("record.a > 1 ? true : false", "unsupported '?'"),
        ("record.nope > 1", "record.nope is not declared"),
        ("record.a", "must be a boolean expression"),
        ("record.a && true", "&& needs boolean operands"),
        ("!record.a", "! does not apply to a int"),
        ("1 < record.a < 3", "chained comparisons"),
        ("record.s.x == 1", "only direct attributes"),
        ("(record.a > 1", "expected ')'"),
        ("null == record.a", "unsupported 'null'"),
        ("99999999999999999999 > record.a", "integer literal out of range"),
        ("1e999 > record.b", "float literal out of range"),
        ("record.s == '\\x41'", "unsupported escape"),
    ],
)
def test_unsupported_conditions_fail_with_a_clear_error(expression: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=r"rules\.x\.condition") as caught:
        condition_sql(expression, _struct_attribute, field="rules.x.condition")
    assert reason in caught.value.reason
