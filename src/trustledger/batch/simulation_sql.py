"""The queries of a policy simulation, over the two recomputations kept as views and temp tables.

Names: `tl_sim_{before,after}_scores` (views: subject, score, band), `tl_sim_{before,after}_
restrictions` (temp tables of the restrictions not over: subject, reason, scopes as a list) and
`tl_sim_flags` (per restricted subject: restricted under each rulebook, in all and by mode).
"""

from __future__ import annotations

from typing import Any

import duckdb

from trustledger.batch.provinces import province_sql
from trustledger.batch.recompute import Recomputation
from trustledger.batch.rules_sql import quote
from trustledger.domain.rulebook import Mode, Rulebook, Scope, SeatClass, scopes_for

SIDES = ("before", "after")
# The journeys a check answers for, and the restriction scopes that bar each.
MODES: dict[str, frozenset[Scope]] = {
    "air": scopes_for(Mode.AIR),
    "rail_standard": scopes_for(Mode.RAIL, SeatClass.STANDARD),
    "rail_premium": scopes_for(Mode.RAIL, SeatClass.PREMIUM),
}
BUCKET = 50  # score points per bar of the distribution


def keep(con: duckdb.DuckDBPyConnection, before: Recomputation, after: Recomputation) -> None:
    """Scores as views (read once by the cube); restrictions not over as tables (few, read often)."""
    for side, result in zip(SIDES, (before, after), strict=True):
        result.scores.create_view(f"tl_sim_{side}_scores", replace=True)
        result.current_restrictions.create_view(f"tl_sim_{side}_view", replace=True)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE tl_sim_{side}_restrictions AS "
            f"SELECT subject, reason, string_split(scopes, ',') AS scopes FROM tl_sim_{side}_view"
        )
    barring = ", ".join(
        f"bool_or(list_has_any(scopes, [{', '.join(quote(s.value) for s in sorted(scopes))}])) "
        f"AS {mode}"
        for mode, scopes in MODES.items()
    )
    per_mode = ", ".join(
        f"coalesce(b.{m}, FALSE) AS {m}_b, coalesce(a.{m}, FALSE) AS {m}_a" for m in MODES
    )
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE tl_sim_flags AS
WITH b AS (SELECT subject, {barring} FROM tl_sim_before_restrictions GROUP BY subject),
  a AS (SELECT subject, {barring} FROM tl_sim_after_restrictions GROUP BY subject)
SELECT coalesce(b.subject, a.subject) AS subject, b.subject IS NOT NULL AS any_b,
  a.subject IS NOT NULL AS any_a, {per_mode}
FROM b FULL JOIN a ON a.subject = b.subject
""")


def mode_counts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int, int, int]]:
    """Per mode: subjects restricted before, after, only after (newly), only before (released)."""
    columns = ", ".join(
        f"count(*) FILTER (WHERE {m}_b), count(*) FILTER (WHERE {m}_a), "
        f"count(*) FILTER (WHERE {m}_a AND NOT {m}_b), count(*) FILTER (WHERE {m}_b AND NOT {m}_a)"
        for m in MODES
    )
    row = con.execute(f"SELECT {columns} FROM tl_sim_flags").fetchone() or (0,) * (4 * len(MODES))
    v = [int(n) for n in row]
    return {m: (v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]) for i, m in enumerate(MODES)}


def rule_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int, int, int]]:
    """Per rule: subjects it restricts before, after, only after, only before."""
    rows = con.execute("""
WITH b AS (SELECT DISTINCT subject, reason FROM tl_sim_before_restrictions),
  a AS (SELECT DISTINCT subject, reason FROM tl_sim_after_restrictions)
SELECT coalesce(b.reason, a.reason) AS reason, count(b.subject), count(a.subject),
  count(*) FILTER (WHERE b.subject IS NULL), count(*) FILTER (WHERE a.subject IS NULL)
FROM b FULL JOIN a ON a.subject = b.subject AND a.reason = b.reason
GROUP BY 1 ORDER BY 1
""").fetchall()
    return [(str(r), int(b), int(a), int(n), int(x)) for r, b, a, n, x in rows]


def restriction_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    """Per rule: restrictions not over, before and after."""
    rows = con.execute("""
SELECT reason, count(*) FILTER (WHERE side = 'before'), count(*) FILTER (WHERE side = 'after')
FROM (SELECT 'before' AS side, reason FROM tl_sim_before_restrictions UNION ALL
  SELECT 'after', reason FROM tl_sim_after_restrictions)
GROUP BY reason ORDER BY reason
""").fetchall()
    return [(str(r), int(b), int(a)) for r, b, a in rows]


# The columns of a cube row, in order.
CUBE = (
    "province",
    "band_b",
    "band_a",
    "bucket_b",
    "bucket_a",
    "below_b",
    "below_a",
    "restricted_b",
    "restricted_a",
    "subjects",
    "sum_b",
    "sum_a",
    "lower",
    "higher",
)


def cube(
    con: duckdb.DuckDBPyConnection, current: Rulebook, proposed: Rulebook
) -> list[tuple[Any, ...]]:
    """One pass over both scores: subjects counted by everything the summary breaks down by.

    Few distinct rows (a bucket fixes the band, and most subjects keep theirs), so every total,
    distribution and province is a sum over this list.
    """

    def below(rulebook: Rulebook, score: str) -> str:
        return f"{score} < {rulebook.review.below}" if rulebook.review else "FALSE"

    return con.execute(f"""
SELECT {province_sql("b.subject")}, b.band, a.band,
  CAST(floor(b.score / {BUCKET}) * {BUCKET} AS BIGINT),
  CAST(floor(a.score / {BUCKET}) * {BUCKET} AS BIGINT),
  {below(current, "b.score")}, {below(proposed, "a.score")},
  coalesce(f.any_b, FALSE), coalesce(f.any_a, FALSE),
  count(*), CAST(sum(b.score) AS BIGINT), CAST(sum(a.score) AS BIGINT),
  count(*) FILTER (WHERE a.score < b.score), count(*) FILTER (WHERE a.score > b.score)
FROM tl_sim_before_scores b JOIN tl_sim_after_scores a ON a.subject = b.subject
LEFT JOIN tl_sim_flags f ON f.subject = b.subject
GROUP BY ALL
""").fetchall()
