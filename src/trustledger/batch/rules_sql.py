"""The rulebook as SQL: a table of rule versions by date, and the rules' conditions per record."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustledger.batch.condition_sql import SQL_TYPES, AttributeResolver, Sql, condition_sql
from trustledger.domain.errors import InvalidInput
from trustledger.domain.rulebook import (
    MAX_RESTRICTION_DAYS,
    Measure,
    RestrictionSpec,
    Rule,
    Rulebook,
)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def date_sql(day: date | None) -> str:
    return "CAST(NULL AS DATE)" if day is None else f"DATE '{day.isoformat()}'"


def segments(rulebook: Rulebook) -> list[tuple[int, date, date | None]]:
    """Disjoint (rule index, from, to) per code: the version `Rulebook.rule_for` picks each day."""
    found: list[tuple[int, date, date | None]] = []
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
            if found and found[-1][0] == index and found[-1][2] == start - timedelta(days=1):
                found[-1] = (index, found[-1][1], end)
            else:
                found.append((index, start, end))
    return found


def scopes_text(spec: RestrictionSpec | None) -> str:
    """A restriction's scopes, sorted and comma-separated ('' when it restricts nothing)."""
    return ",".join(sorted(s.value for s in spec.scopes)) if spec else ""


def _term_values(spec: RestrictionSpec | None) -> list[str]:
    """restricts, scopes, days, after_days of what a record restricts."""
    return [
        "TRUE" if spec else "FALSE",
        quote(scopes_text(spec)),
        str(min(spec.days, MAX_RESTRICTION_DAYS) if spec else 0),
        str(spec.after_fulfilment_days) if spec and spec.after_fulfilment_days else "NULL::INTEGER",
    ]


def _history_values(rule: Rule) -> list[str]:
    """h_codes, h_within, h_at_least, h_points: the rule's history term, NULL without one."""
    term = rule.history
    if term is None:
        return ["NULL::VARCHAR[]", "NULL::INTEGER", "NULL::INTEGER", "FALSE"]
    codes = ", ".join(quote(c) for c in sorted(term.codes))
    points = "TRUE" if term.measure is Measure.POINTS else "FALSE"
    return [f"[{codes}]::VARCHAR[]", str(term.within_days), str(term.at_least), points]


_RULE_COLUMNS = (
    "code, seg_from, seg_to, rule_idx, points, counts_for_days, notice_days, appeal_days, "
    "lift_on_fulfilment, restricts, scopes, days, after_days, h_codes, h_within, h_at_least, "
    "h_points, x_restricts, x_scopes, x_days, x_after_days"
)


def rules_sql(rulebook: Rulebook) -> str:
    """The rule versions by date; `x_*`: what a record restricts when its history term holds."""
    rows = []
    for index, start, end in segments(rulebook):
        rule = rulebook.rules[index]
        values = [
            quote(rule.code),
            date_sql(start),
            date_sql(end),
            str(index),
            str(rule.points),
            str(rule.counts_for_days),
            str(rule.notice_days),
            str(rule.appeal_days),
            "TRUE" if rule.lift_on_fulfilment else "FALSE",
            *_term_values(rule.restriction_for(term_holds=False)),
            *_history_values(rule),
            *_term_values(rule.restriction_for(term_holds=True)),
        ]
        rows.append(f"({', '.join(values)})")
    if not rows:
        empty = (
            "NULL::VARCHAR, NULL::DATE, NULL::DATE, -1, 0, 0, 0, 0, FALSE, FALSE, '', 0, "
            "NULL::INTEGER, NULL::VARCHAR[], NULL::INTEGER, NULL::INTEGER, FALSE, FALSE, '', 0, "
            "NULL::INTEGER"
        )
        return f"rules({_RULE_COLUMNS}) AS (SELECT {empty} WHERE FALSE)"
    return f"rules({_RULE_COLUMNS}) AS (VALUES {', '.join(rows)})"


def _attribute_resolver(rule: Rule, column_type: Any) -> AttributeResolver:
    """Attribute SQL per the rule's declared types, from a STRUCT or a JSON text column."""
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
                f"TRY_CAST(struct_extract(attributes, {quote(name)}) AS {sql_type})", cel_type
            )
        if kind in ("varchar", "json"):
            value = f"json_extract_string(attributes, {quote(f'$.{name}')})"
            return Sql(f"TRY_CAST({value} AS {sql_type})", cel_type)
        return Sql(f"CAST(NULL AS {sql_type})", cel_type)

    return resolve


def conditions_sql(rulebook: Rulebook, attributes_type: Any) -> str:
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
