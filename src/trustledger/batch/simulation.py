"""What a proposed rulebook would change: bands, restrictions and who is restricted, on one date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from trustledger.batch.recompute import Records, recompute
from trustledger.domain.rulebook import Rulebook

# Restriction statuses that bar travel, or will once their notice period ends.
_BARRING = "status IN ('active', 'pending')"


@dataclass(frozen=True, slots=True)
class Compared:
    current: int
    proposed: int

    @property
    def change(self) -> int:
        return self.proposed - self.current


@dataclass(frozen=True, slots=True)
class BandShift:
    from_band: str
    to_band: str
    subjects: int


@dataclass(frozen=True, slots=True)
class Simulation:
    """Counts only, never a list of people: a simulation informs the rulebook, not a case."""

    on: date
    subjects: int
    bands: dict[str, Compared]
    shifts: tuple[BandShift, ...]  # subjects whose band would change, by (from, to)
    barred: Compared  # subjects with an active or pending restriction
    newly_barred: int
    no_longer_barred: int
    restrictions_by_rule: dict[str, Compared]  # restrictions not over, by rule code

    def as_json(self) -> dict[str, Any]:
        def pair(c: Compared) -> dict[str, int]:
            return {"current": c.current, "proposed": c.proposed, "change": c.change}

        return {
            "on": self.on.isoformat(),
            "subjects": self.subjects,
            "bands": {name: pair(c) for name, c in self.bands.items()},
            "shifts": [
                {"from": s.from_band, "to": s.to_band, "subjects": s.subjects} for s in self.shifts
            ],
            "barred": pair(self.barred),
            "newly_barred": self.newly_barred,
            "no_longer_barred": self.no_longer_barred,
            "restrictions_by_rule": {
                code: pair(c) for code, c in self.restrictions_by_rule.items()
            },
        }


def simulate(
    con: duckdb.DuckDBPyConnection,
    records: Records,
    current: Rulebook,
    proposed: Rulebook,
    on: date,
) -> Simulation:
    """Recompute `records` under both rulebooks on `on` and compare them, all in DuckDB."""
    before, after = recompute(con, records, current, on), recompute(con, records, proposed, on)
    before.scores.create_view("tl_sim_before_scores", replace=True)
    after.scores.create_view("tl_sim_after_scores", replace=True)
    # Restrictions not over are few: keep them, rather than recompute them for every count.
    for side, result in (("before", before), ("after", after)):
        result.current_restrictions.create_view(f"tl_sim_{side}_view", replace=True)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE tl_sim_{side}_restrictions AS "
            f"SELECT subject, reason, status FROM tl_sim_{side}_view"
        )
    transitions = con.execute(
        "SELECT b.band, a.band, count(*) FROM tl_sim_before_scores b "
        "JOIN tl_sim_after_scores a USING (subject) GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return Simulation(
        on=on,
        subjects=sum(n for _b, _a, n in transitions),
        bands=_band_counts(transitions),
        shifts=tuple(BandShift(b, a, n) for b, a, n in transitions if b != a),
        barred=Compared(*_barred_counts(con)),
        newly_barred=_barred_only_in(con, "after", "before"),
        no_longer_barred=_barred_only_in(con, "before", "after"),
        restrictions_by_rule=_by_rule(con),
    )


def _band_counts(transitions: list[tuple[str, str, int]]) -> dict[str, Compared]:
    names = sorted({b for b, _a, _n in transitions} | {a for _b, a, _n in transitions})
    return {
        name: Compared(
            sum(n for b, _a, n in transitions if b == name),
            sum(n for _b, a, n in transitions if a == name),
        )
        for name in names
    }


def _barred_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    row = con.execute(
        f"SELECT (SELECT count(DISTINCT subject) FROM tl_sim_before_restrictions WHERE {_BARRING}),"
        f" (SELECT count(DISTINCT subject) FROM tl_sim_after_restrictions WHERE {_BARRING})"
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _barred_only_in(con: duckdb.DuckDBPyConnection, side: str, other: str) -> int:
    row = con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT subject FROM tl_sim_{side}_restrictions "
        f"WHERE {_BARRING} EXCEPT SELECT subject FROM tl_sim_{other}_restrictions WHERE {_BARRING})"
    ).fetchone()
    return int(row[0]) if row else 0


def _by_rule(con: duckdb.DuckDBPyConnection) -> dict[str, Compared]:
    rows = con.execute(
        "SELECT reason, count(*) FILTER (WHERE side = 'before'), "
        "count(*) FILTER (WHERE side = 'after') FROM ("
        "SELECT 'before' AS side, reason FROM tl_sim_before_restrictions UNION ALL "
        "SELECT 'after', reason FROM tl_sim_after_restrictions) GROUP BY reason ORDER BY reason"
    ).fetchall()
    return {str(code): Compared(int(b), int(a)) for code, b, a in rows}
