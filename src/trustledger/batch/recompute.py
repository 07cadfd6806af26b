"""Scores, bands and restrictions of every subject on a date, recomputed in DuckDB from records.

The SQL mirrors trustledger.domain.evaluation over `known_by(events, on)`: a record counts from the
day it is recorded, and a notice, overturn or fulfilment from the day it happens. Appeals are not
part of the flattened records, so appeal suspension and appeal decisions are out of its reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa

from trustledger.batch.condition_sql import SQL_TYPES, Sql, condition_sql
from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import MAX_RESTRICTION_DAYS, Rule, Rulebook

REQUIRED = ("record_id", "subject", "type", "occurred_on", "decided_on", "recorded_on")
OPTIONAL_DATES = ("noticed_on", "overturned_on", "fulfilled_on")
# Statuses of a record that never lead to a restriction (evaluation._NEVER_RESTRICTS).
NEVER_RESTRICTS = ("no_rule", "time_barred", "not_applicable")

Records: TypeAlias = str | Path | duckdb.DuckDBPyRelation | pa.Table


@dataclass(frozen=True, slots=True)
class Recomputation:
    """Lazy DuckDB relations; `.to_arrow_table()` or `.write_parquet(path)` runs them."""

    on: date
    assessments: duckdb.DuckDBPyRelation  # record_id, subject, type, rule, status, points
    scores: duckdb.DuckDBPyRelation  # subject, score, band
    restrictions: duckdb.DuckDBPyRelation  # subject, record_id, reason, scopes, ..., status


def recompute(
    con: duckdb.DuckDBPyConnection, records: Records, rulebook: Rulebook, on: date
) -> Recomputation:
    """Recompute every subject in `records` (a Parquet path or directory, a relation or a table)."""
    source = _source(con, records)
    columns = dict(zip(*_describe(con, source), strict=True))
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidInput("records", f"missing columns {', '.join(missing)}")
    judged = _judged_sql(source, columns, rulebook, on)
    return Recomputation(
        on=on,
        assessments=con.sql(
            f"{judged} SELECT record_id, subject, type, reason AS rule, status, "
            "CASE WHEN status = 'in_force' THEN points ELSE 0 END AS points FROM judged"
        ),
        scores=con.sql(judged + _scores_sql(rulebook)),
        restrictions=con.sql(judged + _restrictions_sql(on)),
    )


def _source(con: duckdb.DuckDBPyConnection, records: Records) -> str:
    name = f"tl_records_{id(records):x}"
    if isinstance(records, duckdb.DuckDBPyRelation):
        records.create_view(name, replace=True)
        return name
    if isinstance(records, pa.Table):
        con.register(name, records)
        return name
    path = Path(records)
    if not path.exists():
        raise InvalidInput("records", f"no such file or directory: {path}")
    pattern = str(path / "**" / "*.parquet") if path.is_dir() else str(path)
    return f"read_parquet({_quote(pattern)})"


def _describe(con: duckdb.DuckDBPyConnection, source: str) -> tuple[list[str], list[Any]]:
    try:
        relation = con.sql(f"SELECT * FROM {source} LIMIT 0")
    except duckdb.Error as exc:
        raise InvalidInput("records", str(exc).splitlines()[0]) from exc
    return relation.columns, relation.types


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _date(day: date | None) -> str:
    return "CAST(NULL AS DATE)" if day is None else f"DATE '{day.isoformat()}'"


def _segments(rulebook: Rulebook) -> list[tuple[int, date, date | None]]:
    """Disjoint (rule index, from, to) per code: the version `Rulebook.rule_for` picks each day."""
    segments: list[tuple[int, date, date | None]] = []
    for code in sorted(rulebook.codes()):
        versions = [r for r in rulebook.rules if r.code == code]
        bounds = sorted(
            {r.effective_from for r in versions}
            | {r.effective_to + timedelta(days=1) for r in versions if r.effective_to is not None}
        )
        stops: list[date | None] = [*bounds[1:], None]
        for start, stop in zip(bounds, stops, strict=True):
            rule = rulebook.rule_for(code, start)
            if rule is None:
                continue
            end = stop - timedelta(days=1) if stop is not None else None
            index = rulebook.rules.index(rule)
            if (
                segments
                and segments[-1][0] == index
                and segments[-1][2] == start - timedelta(days=1)
            ):
                segments[-1] = (index, segments[-1][1], end)
            else:
                segments.append((index, start, end))
    return segments


def _rules_sql(rulebook: Rulebook) -> str:
    names = (
        "code, seg_from, seg_to, rule_idx, points, counts_for_days, restricts, scopes, days, "
        "notice_days, appeal_days, lift_on_fulfilment"
    )
    rows = []
    for index, start, end in _segments(rulebook):
        rule = rulebook.rules[index]
        spec = rule.restriction
        scopes = sorted(s.value for s in spec.scopes) if spec else []
        values = [
            _quote(rule.code),
            _date(start),
            _date(end),
            str(index),
            str(rule.points),
            str(rule.counts_for_days),
            "TRUE" if spec else "FALSE",
            f"CAST([{', '.join(_quote(s) for s in scopes)}] AS VARCHAR[])",
            str(min(spec.days, MAX_RESTRICTION_DAYS) if spec else 0),
            str(rule.notice_days),
            str(rule.appeal_days),
            "TRUE" if rule.lift_on_fulfilment else "FALSE",
        ]
        rows.append(f"({', '.join(values)})")
    if not rows:
        empty = (
            "NULL::VARCHAR, NULL::DATE, NULL::DATE, -1, 0, 0, FALSE, []::VARCHAR[], 0, 0, 0, FALSE"
        )
        return f"rules({names}) AS (SELECT {empty} WHERE FALSE)"
    return f"rules({names}) AS (VALUES {', '.join(rows)})"


def _attribute_resolver(rule: Rule, column_type: Any) -> Any:
    declared = dict(rule.attributes)
    kind = getattr(column_type, "id", None) if column_type is not None else None
    fields = (
        {name for name, _type in getattr(column_type, "children", [])}
        if kind == "struct"
        else set()
    )

    def resolve(name: str) -> Sql:
        cel_type = declared.get(name)
        if cel_type not in SQL_TYPES:
            raise InvalidInput(
                "condition", f"record.{name} is not among the rule's declared attributes"
            )
        sql_type = SQL_TYPES[cel_type]
        if kind == "struct" and name in fields:
            return Sql(
                f"TRY_CAST(struct_extract(attributes, {_quote(name)}) AS {sql_type})", cel_type
            )
        if kind in ("varchar", "json"):
            value = f"json_extract_string(attributes, {_quote(f'$.{name}')})"
            return Sql(f"TRY_CAST({value} AS {sql_type})", cel_type)
        return Sql(f"CAST(NULL AS {sql_type})", cel_type)

    return resolve


def _condition_sql(rulebook: Rulebook, attributes_type: Any) -> str:
    """TRUE where the rule's condition holds (or it has none); a CASE over the rule index."""
    branches = []
    for index, rule in enumerate(rulebook.rules):
        if rule.condition is not None:
            where = f"rules.{rule.code}.condition"
            sql = condition_sql(
                rule.condition, _attribute_resolver(rule, attributes_type), field=where
            )
            branches.append(f"WHEN {index} THEN coalesce({sql}, FALSE)")
    return f"(CASE r.rule_idx {' '.join(branches)} ELSE TRUE END)" if branches else "TRUE"


def _judged_sql(source: str, columns: dict[str, Any], rulebook: Rulebook, on: date) -> str:
    day = _date(on)
    attributes = "attributes" if "attributes" in columns else "CAST(NULL AS VARCHAR) AS attributes"
    later = ", ".join(
        f"CASE WHEN {c} <= {day} THEN {c} END AS {c}"
        if c in columns
        else f"CAST(NULL AS DATE) AS {c}"
        for c in OPTIONAL_DATES
    )
    condition = _condition_sql(rulebook, columns.get("attributes"))
    return f"""
WITH {_rules_sql(rulebook)},
known AS (
  SELECT record_id, subject, type, occurred_on, decided_on, recorded_on, {attributes}, {later}
  FROM {source} WHERE recorded_on <= {day}
),
judged AS (
  SELECT k.record_id, k.subject, k.type, k.decided_on, k.recorded_on, k.noticed_on,
    k.overturned_on, k.fulfilled_on, r.code AS reason, r.points, r.restricts, r.scopes, r.days,
    r.notice_days, r.appeal_days, r.lift_on_fulfilment,
    CASE
      WHEN r.rule_idx IS NULL THEN 'no_rule'
      WHEN k.recorded_on >= k.decided_on + r.counts_for_days THEN 'time_barred'
      WHEN NOT {condition} THEN 'not_applicable'
      WHEN k.overturned_on IS NOT NULL THEN 'overturned'
      WHEN {day} < k.decided_on THEN 'not_yet'
      WHEN {day} >= k.decided_on + r.counts_for_days THEN 'lapsed'
      ELSE 'in_force'
    END AS status
  FROM known k LEFT JOIN rules r ON r.code = k.type AND k.occurred_on >= r.seg_from
    AND (r.seg_to IS NULL OR k.occurred_on <= r.seg_to)
)
"""


def _band_sql(rulebook: Rulebook) -> str:
    bands = sorted(rulebook.bands, key=lambda b: b.min_score, reverse=True)
    fallback = _quote(rulebook.bands[-1].name) if rulebook.bands else "'-'"
    whens = " ".join(f"WHEN score >= {b.min_score} THEN {_quote(b.name)}" for b in bands)
    return f"CASE {whens} ELSE {fallback} END" if whens else fallback


def _scores_sql(rulebook: Rulebook) -> str:
    # sum() over small integers widens to HUGEINT in DuckDB 2: cast back to BIGINT.
    total = "CAST(coalesce(sum(points) FILTER (WHERE status = 'in_force'), 0) AS BIGINT)"
    return f"""
SELECT subject, score, {_band_sql(rulebook)} AS band
FROM (SELECT subject, {rulebook.base_score} + {total} AS score FROM judged GROUP BY subject)
"""


def _restrictions_sql(on: date) -> str:
    day = _date(on)
    never = ", ".join(_quote(s) for s in NEVER_RESTRICTS)
    return f"""
SELECT subject, record_id, reason, scopes, noticed_on, starts_on, ends_on,
  CASE WHEN lifted IS NOT NULL AND (ends_on IS NULL OR lifted <= ends_on) THEN lifted END
    AS lifted_on,
  CASE
    WHEN starts_on IS NULL THEN 'awaiting_notice'
    WHEN lifted <= {day} AND lifted <= ends_on THEN 'lifted'
    WHEN {day} > ends_on THEN 'expired'
    WHEN {day} < starts_on THEN 'pending'
    ELSE 'active'
  END AS status,
  noticed_on + appeal_days AS appeal_by
FROM (
  SELECT *, noticed_on + notice_days AS starts_on, noticed_on + notice_days + (days - 1) AS ends_on,
    least(overturned_on, CASE WHEN lift_on_fulfilment THEN fulfilled_on END) AS lifted
  FROM judged WHERE restricts AND status NOT IN ({never})
)
"""
