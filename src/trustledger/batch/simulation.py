"""What a proposed rulebook would change on one date: bands, scores, who would be restricted and by
which rule, review cases, by province. Counts only, never a list of people.

"Restricted" means a restriction not over: active, pending, or awaiting its notice (a notice
would go out at once, so a rulebook that restricts more shows up the day it is adopted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from trustledger.batch import simulation_sql as q
from trustledger.batch.provinces import UNKNOWN, province_name, province_names
from trustledger.batch.recompute import Records, recompute
from trustledger.domain.rulebook import Rulebook

MIN_GROUP = 10  # counts from 1 to MIN_GROUP - 1 are withheld from a province's row


@dataclass(frozen=True, slots=True)
class Compared:
    current: int
    proposed: int

    @property
    def change(self) -> int:
        return self.proposed - self.current

    def as_json(self) -> dict[str, int]:
        return {"current": self.current, "proposed": self.proposed, "change": self.change}


@dataclass(frozen=True, slots=True)
class People:
    """Subjects restricted under each rulebook; `newly` only under the proposed, `released` only
    under the current one."""

    current: int
    proposed: int
    newly: int
    released: int

    def as_json(self, shown: Callable[[int], int | None] = int) -> dict[str, Any]:
        return {
            "current": shown(self.current),
            "proposed": shown(self.proposed),
            "newly": shown(self.newly),
            "released": shown(self.released),
        }


@dataclass(frozen=True, slots=True)
class BandShift:
    from_band: str
    to_band: str
    subjects: int


@dataclass(frozen=True, slots=True)
class Bucket:
    low: int  # scores from low to low + BUCKET - 1
    current: int
    proposed: int


@dataclass(frozen=True, slots=True)
class Province:
    code: str  # two digits; UNKNOWN for numbers that name none
    name: str
    subjects: int
    restricted: People
    review_opened: int


@dataclass(frozen=True, slots=True)
class Simulation:
    on: date
    subjects: int  # subjects with at least one record known on `on`
    bands: dict[str, Compared]
    shifts: tuple[BandShift, ...]  # subjects whose band would change, by (from, to)
    histogram: tuple[Bucket, ...]
    score_total: Compared  # the sum of the scores: its change / subjects is the mean shift
    lower: int  # subjects whose score would fall
    higher: int
    restricted: People  # in any mode
    by_mode: dict[str, People]  # air, rail_standard, rail_premium
    by_rule: dict[str, People]  # subjects restricted by each rule
    restrictions_by_rule: dict[str, Compared]  # restrictions not over, by rule
    review_below: Compared  # subjects below each rulebook's review threshold
    review_opened: int  # below the proposed threshold, not below the current one: new cases
    provinces: tuple[Province, ...]

    def mean_score(self) -> tuple[float, float]:
        n = self.subjects or 1
        return self.score_total.current / n, self.score_total.proposed / n

    def as_json(self, *, min_group: int = MIN_GROUP) -> dict[str, Any]:
        def shown(n: int) -> int | None:
            return n if n == 0 or n >= min_group else None

        mean = self.mean_score()
        return {
            "on": self.on.isoformat(),
            "subjects": self.subjects,
            "bands": {name: c.as_json() for name, c in self.bands.items()},
            "shifts": [
                {"from": s.from_band, "to": s.to_band, "subjects": s.subjects} for s in self.shifts
            ],
            "scores": {
                "mean": {"current": round(mean[0], 2), "proposed": round(mean[1], 2)},
                "lower": self.lower,
                "higher": self.higher,
                "histogram": [
                    {
                        "from": b.low,
                        "to": b.low + q.BUCKET - 1,
                        "current": b.current,
                        "proposed": b.proposed,
                    }
                    for b in self.histogram
                ],
            },
            "restricted": self.restricted.as_json(),
            "by_mode": {mode: p.as_json() for mode, p in self.by_mode.items()},
            "by_rule": {code: p.as_json() for code, p in self.by_rule.items()},
            "restrictions_by_rule": {c: v.as_json() for c, v in self.restrictions_by_rule.items()},
            "review": {"below": self.review_below.as_json(), "opened": self.review_opened},
            "provinces": [
                {
                    "code": p.code,
                    "name": p.name,
                    "subjects": shown(p.subjects),
                    "restricted": p.restricted.as_json(shown),
                    "review_opened": shown(p.review_opened),
                }
                for p in self.provinces
            ],
            "withheld_below": min_group,
        }


def simulate(
    con: duckdb.DuckDBPyConnection,
    records: Records,
    current: Rulebook,
    proposed: Rulebook,
    on: date,
) -> Simulation:
    """Recompute `records` under both rulebooks on `on` and compare them, all in DuckDB."""
    q.keep(con, recompute(con, records, current, on), recompute(con, records, proposed, on))
    rows = [dict(zip(q.CUBE, row, strict=True)) for row in q.cube(con, current, proposed)]
    modes = q.mode_counts(con)
    return Simulation(
        on=on,
        subjects=_sum(rows),
        bands=_bands(rows),
        shifts=_shifts(rows),
        histogram=_histogram(rows),
        score_total=Compared(_sum(rows, "sum_b"), _sum(rows, "sum_a")),
        lower=_sum(rows, "lower"),
        higher=_sum(rows, "higher"),
        restricted=_people(rows),
        by_mode={mode: People(*counts) for mode, counts in modes.items()},
        by_rule={code: People(*counts) for code, *counts in q.rule_counts(con)},
        restrictions_by_rule={c: Compared(b, a) for c, b, a in q.restriction_counts(con)},
        review_below=Compared(
            _sum(r for r in rows if r["below_b"]), _sum(r for r in rows if r["below_a"])
        ),
        review_opened=_opened(rows),
        provinces=_provinces(rows),
    )


def _sum(rows: Iterable[dict[str, Any]], column: str = "subjects") -> int:
    return sum(int(r[column]) for r in rows)


def _opened(rows: Iterable[dict[str, Any]]) -> int:
    return _sum(r for r in rows if r["below_a"] and not r["below_b"])


def _people(rows: list[dict[str, Any]]) -> People:
    return People(
        _sum(r for r in rows if r["restricted_b"]),
        _sum(r for r in rows if r["restricted_a"]),
        _sum(r for r in rows if r["restricted_a"] and not r["restricted_b"]),
        _sum(r for r in rows if r["restricted_b"] and not r["restricted_a"]),
    )


def _bands(rows: list[dict[str, Any]]) -> dict[str, Compared]:
    names = sorted({r["band_b"] for r in rows} | {r["band_a"] for r in rows})
    return {
        name: Compared(
            _sum(r for r in rows if r["band_b"] == name),
            _sum(r for r in rows if r["band_a"] == name),
        )
        for name in names
    }


def _shifts(rows: list[dict[str, Any]]) -> tuple[BandShift, ...]:
    moves: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        if r["band_b"] != r["band_a"]:
            moves[(r["band_b"], r["band_a"])] += int(r["subjects"])
    return tuple(BandShift(b, a, n) for (b, a), n in sorted(moves.items()))


def _histogram(rows: list[dict[str, Any]]) -> tuple[Bucket, ...]:
    lows = sorted({r["bucket_b"] for r in rows} | {r["bucket_a"] for r in rows}, reverse=True)
    return tuple(
        Bucket(
            int(low),
            _sum(r for r in rows if r["bucket_b"] == low),
            _sum(r for r in rows if r["bucket_a"] == low),
        )
        for low in lows
    )


def _provinces(rows: list[dict[str, Any]]) -> tuple[Province, ...]:
    by_code: dict[str, list[dict[str, Any]]] = defaultdict(list)
    known = province_names()
    for r in rows:
        by_code[r["province"] if r["province"] in known else UNKNOWN].append(r)
    return tuple(
        Province(
            code,
            province_name(code),
            _sum(group),
            _people(group),
            _opened(group),
        )
        for code, group in sorted(by_code.items(), key=lambda item: item[0] or "99")
    )
