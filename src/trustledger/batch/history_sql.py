"""History terms in SQL: each record's `repeat` or `points_within` tallied over its subject's
other records, as trustledger.domain.repeats does, and the restriction terms that follow.

Over the `judged` records: those counted are in force or lapsed (judged under their rule, not
overturned, decided by the day); a record's window holds the counted records of its term's
codes from `within` days before its occurred_on up to it, ties ordered by record id.
"""

from __future__ import annotations

from datetime import date, timedelta

from trustledger.batch.rules_sql import date_sql, quote
from trustledger.domain.rulebook import HistoryTerm, Rulebook

_COUNTS = "applies AND overturned_on IS NULL AND decided_on <= {day}"

# A restriction's last day: `days` after its start, or, once fulfilled with a term running
# `after_days` after fulfilment, that many days after it (or after the start), never later.
ENDS_SQL = """CASE WHEN after_days IS NOT NULL AND fulfilled_on IS NOT NULL
      AND noticed_on IS NOT NULL
    THEN least(noticed_on + notice_days + (days - 1),
      greatest(noticed_on + notice_days, fulfilled_on) + (after_days - 1))
    ELSE noticed_on + notice_days + (days - 1) END"""


def terms_on(rulebook: Rulebook, on: date) -> list[tuple[date, HistoryTerm]]:
    """The history terms a record known on `on` may be judged under, with their first days.

    A record is judged by the version in force on its occurred_on, which is no later than `on`
    for a record known by then (occurred_on <= decided_on <= recorded_on, as intake accepts them):
    a version with a term that starts after `on` judges no record yet.
    """
    return [
        (r.effective_from, r.history)
        for r in rulebook.rules
        if r.history is not None and r.effective_from <= on
    ]


def counted_codes(terms: list[tuple[date, HistoryTerm]]) -> str:
    return ", ".join(quote(c) for c in sorted({c for _, t in terms for c in t.codes}))


def counted_since(terms: list[tuple[date, HistoryTerm]]) -> date:
    """No record that occurred before this lies within any term's window."""
    return min(start - timedelta(days=t.within_days) for start, t in terms)


def history_sql(rulebook: Rulebook, on: date) -> str:
    """The CTEs `counted`, `tallied` and `termed` (judged, with the terms a record restricts by).

    Without a term in force by `on`, `termed` is `judged` itself: no tally and no join, so a
    rulebook's terms cost nothing before they start. With one, only records of the codes a term
    counts, inside the widest window, are tallied.
    """
    terms = terms_on(rulebook, on)
    if not terms:
        return "termed AS (SELECT * FROM judged)"
    day = date_sql(on)
    counts = _COUNTS.format(day=day)
    codes, since = counted_codes(terms), date_sql(counted_since(terms))
    return f"""counted AS (
  SELECT subject, record_id, type, occurred_on, -points AS demerit FROM judged
  WHERE {counts} AND type IN ({codes}) AND occurred_on >= {since}
),
tallied AS (
  SELECT j.subject, j.record_id,
    CASE WHEN any_value(j.h_points) THEN sum(c.demerit) ELSE count(*) END
      >= any_value(j.h_at_least) AS holds
  FROM judged j JOIN counted c ON c.subject = j.subject AND list_contains(j.h_codes, c.type)
    AND c.occurred_on >= j.occurred_on - j.h_within
    AND (c.occurred_on < j.occurred_on
      OR (c.occurred_on = j.occurred_on AND c.record_id <= j.record_id))
  WHERE j.h_codes IS NOT NULL AND j.{counts.replace(" AND ", " AND j.")}
  GROUP BY j.subject, j.record_id
),
termed AS (
  -- Only records under a term are joined to their tallies: the rest pass as judged.
  SELECT * FROM judged WHERE h_codes IS NULL
  UNION ALL BY NAME
  SELECT j.* REPLACE (
    CASE WHEN t.holds THEN j.x_restricts ELSE j.restricts END AS restricts,
    CASE WHEN t.holds THEN j.x_scopes ELSE j.scopes END AS scopes,
    CASE WHEN t.holds THEN j.x_days ELSE j.days END AS days,
    CASE WHEN t.holds THEN j.x_after_days ELSE j.after_days END AS after_days
  )
  FROM judged j LEFT JOIN tallied t ON t.subject = j.subject AND t.record_id = j.record_id
  WHERE j.h_codes IS NOT NULL
)"""
