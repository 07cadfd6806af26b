"""Batch recompute over N records in Parquet, against a bare DuckDB GROUP BY sum on the same file.

Usage: python bench/recompute.py [--records N] [--cache-dir DIR] [--repeat K]. The records file
is generated once per (N, seed) into the cache directory, with a `points` column for the baseline
to sum. Every side writes its result to Parquet, on one connection, in the same run, runs
interleaved K times, fastest counting:
- baseline: SELECT subject, sum(points) GROUP BY subject;
- recompute: score and band of every subject, and the restrictions not over (awaiting notice,
  pending, active: what a check index or a notice run needs);
- recompute with history: the same plus every expired and lifted restriction.
The last line printed is JSON: records, seconds, peak_rss_mb, recompute_ratio and more; the
`cpu_` ratios use process CPU time, steadier than wall time on a shared machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from trustledger.batch.population import (
    KINDS,
    TYPE_CODES,
    PopulationSpec,
    people_for_records,
    record_tables,
)
from trustledger.batch.population_files import FileFormat, PopulationWriter
from trustledger.batch.recompute import recompute
from trustledger.rulebook import load_rulebook

ON = date(2026, 11, 1)
SEED = 2026
# The rulebook the registry ships with (RULEBOOK.md): conditions, cross-context restrictions, lifts.
RULEBOOK = load_rulebook()


def _with_points(tables: Iterator[tuple[int, pa.Table]]) -> Iterator[tuple[int, pa.Table]]:
    """Add the current points of each record's type: the column the baseline sums."""
    latest = {r.code: r.points for r in RULEBOOK.rules if r.effective_to is None}
    points = pa.array([latest.get(code, 0) for code in TYPE_CODES], type=pa.int16())
    for people, table in tables:
        index = pc.index_in(table.column("type"), value_set=pa.array(TYPE_CODES))
        yield people, table.append_column("points", points.take(index))


def records_file(records: int, cache: Path) -> Path:
    # The points column is the default rulebook's: name the file after that rulebook's version,
    # and after the generator's record kinds, so a file of an older generator is not reused.
    kinds = hashlib.sha256(repr(KINDS).encode()).hexdigest()[:8]
    path = cache / f"records-{records}-seed{SEED}-rulebook{RULEBOOK.version}-kinds{kinds}.parquet"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    spec = PopulationSpec(people_for_records(records), seed=SEED, as_of=ON)
    partial = path.with_suffix(".partial")
    started, done, shown = time.perf_counter(), 0, -1
    with PopulationWriter(partial, FileFormat.PARQUET) as writer:
        for people, table in _with_points(record_tables(spec)):
            writer.write(table)
            done += people
            if (percent := 100 * done // spec.people) > shown:
                shown = percent
                print(f"\rgenerating: {percent}%", end="", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started
    print(f"\rgenerated {writer.rows:,} records in {elapsed:.0f} s", file=sys.stderr)
    partial.rename(path)
    return path


class PeakRss:
    """Samples this process's resident set every 20 ms: the peak of one phase, not of the run."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.02):
            with open("/proc/self/statm") as f:
                self.peak = max(self.peak, int(f.read().split()[1]) * page)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], None]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS in MiB of one run of `work`."""
    with PeakRss() as rss:
        started, cpu = time.perf_counter(), _cpu_seconds()
        work()
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    return seconds, cpu, rss.peak / 2**20


def connect(scratch: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{scratch / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000_000)
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "trustledger-bench"
    )
    parser.add_argument("--memory-limit", default="12GB")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each side; the fastest counts"
    )
    args = parser.parse_args()
    path = records_file(args.records, args.cache_dir)
    records = pq.ParquetFile(path).metadata.num_rows
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as tmp:
        scratch = Path(tmp)
        con = connect(scratch, args.memory_limit, args.threads)
        source = f"read_parquet('{path}')"
        baseline_sql = (
            f"COPY (SELECT subject, CAST(sum(points) AS BIGINT) AS points FROM {source}"
            f" GROUP BY subject) TO '{scratch / 'baseline.parquet'}'"
        )

        def baseline() -> None:
            con.execute(baseline_sql).fetchall()

        def batch(*, history: bool) -> None:
            result = recompute(con, path, RULEBOOK, ON)
            result.scores.write_parquet(str(scratch / "scores.parquet"))
            restrictions = result.restrictions if history else result.current_restrictions
            restrictions.write_parquet(str(scratch / f"restrictions-{history}.parquet"))

        sides: dict[str, Callable[[], None]] = {
            "baseline": baseline,
            "recompute": lambda: batch(history=False),
            "history": lambda: batch(history=True),
        }
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in sides}
        for _ in range(args.repeat):
            for name, work in sides.items():
                runs[name].append(timed(work))
        best = {name: min(r[0] for r in rs) for name, rs in runs.items()}
        cpu = {name: min(r[1] for r in rs) for name, rs in runs.items()}
        rss = {name: max(r[2] for r in rs) for name, rs in runs.items()}
        counts = {
            name: pq.ParquetFile(scratch / f"{name}.parquet").metadata.num_rows
            for name in ("scores", "restrictions-False", "restrictions-True")
        }
    ratio, history_ratio = best["recompute"] / best["baseline"], best["history"] / best["baseline"]
    print(f"records                  {records:>14,}")
    print(f"subjects                 {counts['scores']:>14,}")
    print(f"restrictions not over    {counts['restrictions-False']:>14,}")
    print(f"restrictions, all        {counts['restrictions-True']:>14,}")
    for name, label in (
        ("baseline", "baseline GROUP BY sum"),
        ("recompute", "recompute"),
        ("history", "recompute with history"),
    ):
        print(
            f"{label:24s} {best[name]:>10.2f} s  {cpu[name]:>8.2f} s CPU  "
            f"peak RSS {rss[name]:>7,.0f} MiB  ratio {best[name] / best['baseline']:.2f}"
        )
    figures = {
        "records": records,
        "seconds": round(best["recompute"], 3),
        "peak_rss_mb": round(rss["recompute"], 1),
        "recompute_ratio": round(ratio, 3),
        "cpu_ratio": round(cpu["recompute"] / cpu["baseline"], 3),
        "baseline_seconds": round(best["baseline"], 3),
        "baseline_peak_rss_mb": round(rss["baseline"], 1),
        "history_seconds": round(best["history"], 3),
        "history_ratio": round(history_ratio, 3),
        "history_cpu_ratio": round(cpu["history"] / cpu["baseline"], 3),
        "history_peak_rss_mb": round(rss["history"], 1),
        "subjects": counts["scores"],
        "restrictions_not_over": counts["restrictions-False"],
        "restrictions": counts["restrictions-True"],
        "threads": args.threads,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
