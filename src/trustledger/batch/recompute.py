"""Scores, bands and restrictions of every subject on a date, recomputed in DuckDB from records.

The SQL mirrors trustledger.domain.evaluation over `known_by(events, on)`: a record counts from the
day it is recorded, and a notice, overturn or fulfilment from the day it happens. A subject whose
rows carry a history (appeals, review cases, corrections, withdrawals) is evaluated by the domain
core itself (trustledger.batch.core_files) and its answers joined to the SQL's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import pyarrow as pa

from trustledger.batch.core_files import CoreAnswers, core_answers
from trustledger.batch.history_sql import (
    ENDS_SQL,
    counted_codes,
    counted_since,
    history_sql,
    terms_on,
)
from trustledger.batch.rules_sql import conditions_sql, date_sql, quote, rules_sql, scopes_text
from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import MAX_RESTRICTION_DAYS, Rulebook, Scope

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
    core = _core(con, source, columns, rulebook, on)
    judged = _judged_sql(source, columns, rulebook, on)
    unended = _possibly_unended(columns, rulebook, on)
    return Recomputation(
        on=on,
        assessments=con.sql(_joined(judged + _assessments_sql(on), core, "assessments")),
        scores=con.sql(_joined(judged + _scores_sql(rulebook), core, "scores", rulebook)),
        restrictions=con.sql(
            _joined(judged + _restrictions_sql(rulebook, on), core, "restrictions", rulebook)
        ),
        current_restrictions=con.sql(
            _joined(
                _judged_sql(source, columns, rulebook, on, where=unended)
                + _restrictions_sql(rulebook, on, current=True),
                core,
                "current_restrictions",
                rulebook,
            )
        ),
    )


def _core(
    con: duckdb.DuckDBPyConnection,
    source: str,
    columns: dict[str, Any],
    rulebook: Rulebook,
    on: date,
) -> dict[str, str] | None:
    """The domain core's answers for subjects with a history, registered as views; None if none."""
    if "events" not in columns:
        return None
    answers: CoreAnswers = core_answers(con, source, rulebook, on)
    if not answers.subjects:
        return None
    names = {}
    for part in ("assessments", "scores", "restrictions"):
        names[part] = f"tl_core_{part}_{id(answers):x}"
        con.register(names[part], getattr(answers, part))
    return names


def _joined(
    sql: str, core: dict[str, str] | None, part: str, rulebook: Rulebook | None = None
) -> str:
    """The SQL's rows, then the domain core's for its subjects, cast to the same types."""
    if core is None:
        return sql
    if part == "assessments":
        return f"{sql} UNION ALL SELECT * FROM {core[part]}"
    assert rulebook is not None
    if part == "scores":
        return f"{sql} UNION ALL SELECT subject, score, {_band_type(rulebook, 'band')} FROM {core[part]}"
    table = core["restrictions"]
    over = "" if part == "restrictions" else f" WHERE status IN ({_CURRENT})"
    return f"""{sql} UNION ALL SELECT subject, record_id, CAST(reason AS {_reason_type(rulebook)}),
  CAST(scopes AS {_scopes_type(rulebook)}), noticed_on, starts_on, ends_on, lifted_on,
  CAST(status AS {enum_sql(RESTRICTION_STATUSES)}), appeal_by FROM {table}{over}"""


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
    if "events" in columns:  # those subjects are the domain core's (core_files)
        where = f"events IS NULL AND ({where})"
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
{history_sql(rulebook, on)}
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


# `suspended` only from the domain core (an appeal pending against a rule that suspends).
RESTRICTION_STATUSES = ["awaiting_notice", "pending", "active", "lifted", "expired", "suspended"]
_CURRENT = "'awaiting_notice', 'pending', 'active', 'suspended'"  # not over
REVIEW_REASON = "review"  # an officer's restriction decided on a review case (domain core only)


def _band_type(rulebook: Rulebook, value: str) -> str:
    bands = sorted(rulebook.bands, key=lambda b: b.min_score, reverse=True)
    return f"CAST({value} AS {enum_sql([b.name for b in bands] or ['-'])})"


def _band_sql(rulebook: Rulebook) -> str:
    bands = sorted(rulebook.bands, key=lambda b: b.min_score, reverse=True)
    fallback = quote(rulebook.bands[-1].name) if rulebook.bands else "'-'"
    whens = " ".join(f"WHEN score >= {b.min_score} THEN {quote(b.name)}" for b in bands)
    return _band_type(rulebook, f"CASE {whens} ELSE {fallback} END" if whens else fallback)


def _reason_type(rulebook: Rulebook) -> str:
    return enum_sql([*sorted(rulebook.codes()), REVIEW_REASON])


def _scopes_type(rulebook: Rulebook) -> str:
    """The rules' scope sets first, then every other set an officer's decision may name."""
    ruled = sorted({scopes_text(s) for r in rulebook.rules for s in r.spans()})
    values = [v.value for v in Scope]
    every = [
        ",".join(sorted(v for i, v in enumerate(values) if mask >> i & 1))
        for mask in range(1, 1 << len(values))
    ]
    return enum_sql([v for v in ruled if v] + sorted(every))


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
    return f"(noticed_on IS NULL OR noticed_on >= {date_sql(oldest)}{_counted(rulebook, on)})"


def _counted(rulebook: Rulebook, on: date) -> str:
    """Also every record a history term in force by `on` may count, however old its notice:
    those of its codes that occurred no earlier than the window before the term's first day."""
    terms = terms_on(rulebook, on)
    if not terms:
        return ""
    codes, since = counted_codes(terms), date_sql(counted_since(terms))
    return f" OR (type IN ({codes}) AND occurred_on >= {since})"


def _restrictions_sql(rulebook: Rulebook, on: date, *, current: bool = False) -> str:
    """Restrictions from records (scopes: sorted, comma-separated); `current` keeps unended ones."""
    day = date_sql(on)
    # Known lifts are never after `on`, so a restriction is over once lifted (a lift before any
    # notice included: it never starts, as the domain has it) or, once noticed, past its end.
    unended = f"WHERE lifted IS NULL AND (starts_on IS NULL OR {day} <= ends_on)" if current else ""
    reasons, scopes = _reason_type(rulebook), _scopes_type(rulebook)
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
