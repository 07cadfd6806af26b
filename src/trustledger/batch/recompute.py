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

from trustledger.batch.history_sql import ENDS_SQL, history_sql
from trustledger.batch.rules_sql import conditions_sql, date_sql, quote, rules_sql, scopes_text
from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import MAX_RESTRICTION_DAYS, Rulebook

REQUIRED = ("record_id", "subject", "type", "occurred_on", "decided_on", "recorded_on")
OPTIONAL_DATES = ("noticed_on", "overturned_on", "fulfilled_on")

Records: TypeAlias = str | Path | duckdb.DuckDBPyRelation | pa.Table


@dataclass(frozen=True, slots=True)
class Recomputation:
    """Lazy DuckDB relations; `.to_arrow_table()` or `.write_parquet(path)` runs them."""

    on: date
    assessments: duckdb.DuckDBPyRelation  # record_id, subject, type, rule, status, points
    scores: duckdb.DuckDBPyRelation  # subject, score, band
    restrictions: duckdb.DuckDBPyRelation  # subject, record_id, reason, scopes, ..., status
    # Those not over (awaiting notice, pending, active): what a check index or a notice run needs.
    current_restrictions: duckdb.DuckDBPyRelation


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
        assessments=con.sql(judged + _assessments_sql(on)),
        scores=con.sql(judged + _scores_sql(rulebook)),
        restrictions=con.sql(judged + _restrictions_sql(rulebook, on)),
        current_restrictions=con.sql(
            _judged_sql(
                source, columns, rulebook, on, where=_possibly_unended(columns, rulebook, on)
            )
            + _restrictions_sql(rulebook, on, current=True)
        ),
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
    return f"read_parquet({quote(pattern)})"


def _describe(con: duckdb.DuckDBPyConnection, source: str) -> tuple[list[str], list[Any]]:
    try:
        relation = con.sql(f"SELECT * FROM {source} LIMIT 0")
    except duckdb.Error as exc:
        raise InvalidInput("records", str(exc).splitlines()[0]) from exc
    return relation.columns, relation.types


def _judged_sql(
    source: str, columns: dict[str, Any], rulebook: Rulebook, on: date, *, where: str = "TRUE"
) -> str:
    day = date_sql(on)
    attributes = "attributes" if "attributes" in columns else "CAST(NULL AS VARCHAR) AS attributes"
    later = ", ".join(
        f"CASE WHEN {c} <= {day} THEN {c} END AS {c}"
        if c in columns
        else f"CAST(NULL AS DATE) AS {c}"
        for c in OPTIONAL_DATES
    )
    condition = conditions_sql(rulebook, columns.get("attributes"))
    return f"""
WITH {rules_sql(rulebook)},
known AS (
  SELECT record_id, subject, type, occurred_on, decided_on, recorded_on, {attributes}, {later}
  FROM {source} WHERE recorded_on <= {day} AND {where}
),
ruled AS (
  SELECT k.*, r.rule_idx, r.code AS reason, r.points, r.restricts, r.scopes, r.days,
    r.after_days, r.notice_days, r.appeal_days, r.lift_on_fulfilment, r.h_codes, r.h_within,
    r.h_at_least, r.h_points, r.x_restricts, r.x_scopes, r.x_days, r.x_after_days,
    k.decided_on + r.counts_for_days AS until,
    -- Not NO_RULE, TIME_BARRED or NOT_APPLICABLE: the record is judged under its rule.
    coalesce(k.recorded_on < k.decided_on + r.counts_for_days AND {condition}, FALSE) AS applies
  FROM known k LEFT JOIN rules r ON r.code = k.type AND k.occurred_on >= r.seg_from
    AND (r.seg_to IS NULL OR k.occurred_on <= r.seg_to)
),
judged AS (
  SELECT *, applies AND overturned_on IS NULL AND decided_on <= {day} AND {day} < until
    AS in_force
  FROM ruled
),
{history_sql(day)}
"""


def _assessments_sql(on: date) -> str:
    """Each record's status as evaluation.RecordStatus names it, in the same order of tests."""
    day = date_sql(on)
    return f"""
SELECT record_id, subject, type, reason AS rule,
  CASE
    WHEN rule_idx IS NULL THEN 'no_rule'
    WHEN recorded_on >= until THEN 'time_barred'
    WHEN NOT applies THEN 'not_applicable'
    WHEN overturned_on IS NOT NULL THEN 'overturned'
    WHEN {day} < decided_on THEN 'not_yet'
    WHEN {day} >= until THEN 'lapsed'
    ELSE 'in_force'
  END AS status,
  CASE WHEN in_force THEN points ELSE 0 END AS points
FROM judged
"""


def enum_sql(values: list[str]) -> str:
    """A DuckDB ENUM of a closed set of names: stored and written as small integer codes with a
    dictionary, several times cheaper to write out than the same strings."""
    return f"ENUM({', '.join(quote(v) for v in dict.fromkeys(values))})"


RESTRICTION_STATUSES = ["awaiting_notice", "pending", "active", "lifted", "expired"]


def _band_sql(rulebook: Rulebook) -> str:
    bands = sorted(rulebook.bands, key=lambda b: b.min_score, reverse=True)
    fallback = quote(rulebook.bands[-1].name) if rulebook.bands else "'-'"
    whens = " ".join(f"WHEN score >= {b.min_score} THEN {quote(b.name)}" for b in bands)
    band = f"CASE {whens} ELSE {fallback} END" if whens else fallback
    names = [b.name for b in bands] or ["-"]
    return f"CAST({band} AS {enum_sql(names)})"


def _scores_sql(rulebook: Rulebook) -> str:
    # sum() over small integers widens to HUGEINT in DuckDB 2: cast back to BIGINT.
    total = "CAST(sum(CASE WHEN in_force THEN points ELSE 0 END) AS BIGINT)"
    return f"""
SELECT subject, score, {_band_sql(rulebook)} AS band
FROM (SELECT subject, {rulebook.base_score} + {total} AS score FROM judged GROUP BY subject)
"""


def _possibly_unended(columns: dict[str, Any], rulebook: Rulebook, on: date) -> str:
    """A cheap filter on the raw columns that keeps every restriction not over on `on`.

    A noticed restriction ends at most notice_days + days - 1 after its notice, so older notices
    cannot matter; DuckDB pushes this into the Parquet scan and skips the rest of those rows.
    """
    spans = [
        r.notice_days + min(spec.days, MAX_RESTRICTION_DAYS)
        for r in rulebook.rules
        for spec in r.spans()
    ]
    if "noticed_on" not in columns or not spans:
        return "TRUE"
    oldest = on - timedelta(days=max(spans) - 1)  # ends_on = noticed_on + span - 1 >= on
    return f"(noticed_on IS NULL OR noticed_on >= {date_sql(oldest)}{_counted(rulebook)})"


def _counted(rulebook: Rulebook) -> str:
    """Also every record a history term may count, however old its notice: those of its codes
    that occurred no earlier than the window before the term's first day in force."""
    terms = [(r.effective_from, r.history) for r in rulebook.rules if r.history is not None]
    if not terms:
        return ""
    codes = ", ".join(quote(c) for c in sorted({c for _, t in terms for c in t.codes}))
    since = min(start - timedelta(days=t.within_days) for start, t in terms)
    return f" OR (type IN ({codes}) AND occurred_on >= {date_sql(since)})"


def _restrictions_sql(rulebook: Rulebook, on: date, *, current: bool = False) -> str:
    """Restrictions from records (scopes: sorted, comma-separated); `current` keeps unended ones."""
    day = date_sql(on)
    # Known lifts are never after `on`, so a restriction is over once lifted (a lift before any
    # notice included: it never starts, as the domain has it) or, once noticed, past its end.
    unended = f"WHERE lifted IS NULL AND (starts_on IS NULL OR {day} <= ends_on)" if current else ""
    reasons = enum_sql(sorted(rulebook.codes()) or ["-"])
    scopes = enum_sql(sorted({scopes_text(s) for r in rulebook.rules for s in r.spans()}) or ["-"])
    return f"""
SELECT subject, record_id, CAST(reason AS {reasons}) AS reason,
  CAST(scopes AS {scopes}) AS scopes, noticed_on, starts_on, ends_on,
  CASE WHEN lifted IS NOT NULL AND (ends_on IS NULL OR lifted <= ends_on) THEN lifted END
    AS lifted_on,
  CAST(CASE
    WHEN starts_on IS NULL AND lifted IS NOT NULL THEN 'lifted'
    WHEN starts_on IS NULL THEN 'awaiting_notice'
    WHEN lifted <= {day} AND lifted <= ends_on THEN 'lifted'
    WHEN {day} > ends_on THEN 'expired'
    WHEN {day} < starts_on THEN 'pending'
    ELSE 'active'
  END AS {enum_sql(RESTRICTION_STATUSES)}) AS status,
  noticed_on + appeal_days AS appeal_by
FROM (
  SELECT *, noticed_on + notice_days AS starts_on, {ENDS_SQL} AS ends_on,
    least(overturned_on, CASE WHEN lift_on_fulfilment AND after_days IS NULL THEN fulfilled_on END)
      AS lifted
  FROM termed WHERE applies AND restricts
) {unended}
"""
