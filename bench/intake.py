"""Bulk intake throughput: `import` of generated records vs a raw load of the same file, per engine.

The raw baseline reads the same JSONL file, parses each line and inserts the record's fields into
a bare table (no index, no constraint) with executemany (SQLite) or COPY (PostgreSQL), committing
in the same chunks, in the same run. The import also validates, keeps idempotency keys, appends
events and audit entries, issues notices and updates derived state for the subjects touched.
The rulebook is fixed here so the figure measures intake, not edits to the shipped rulebook.

    python bench/intake.py [--records N] [--chunk N] [--skip-postgres]
    TRUSTLEDGER_BENCH_RECORDS=100000 python bench/intake.py

The last line printed is JSON with `sqlite_ratio` and `postgres_ratio` (goal: >= 0.5 each).

It also measures a write floor per engine: the rows the import wrote (records, events, audit
entries, notices with their letters, derived state), read back and inserted again into a fresh
database of the same schema the same raw way (executemany in the same chunks; COPY), with no
validation, evaluation or hashing at all. `*_floor_ratio` is the raw load's time over that: the
highest ratio any import could reach while writing what the registry's invariants call for.
`*_of_floor` is the import's speed as a share of that floor (the floor's seconds over the
import's; goal >= 0.5), and `*_bytes_per_record` what the imported database holds per record
(SQLite: the file; PostgreSQL: its tables with their indexes and TOAST; goal <= 1,500), and,
before the figures, that per table: its rows and its indexes a record. `*_import_cpu_s` is the
CPU seconds the import took in this process (not the database server's): on a shared machine
it moves less between runs than the wall time and the floor do.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import orjson
import psycopg
from sqlalchemy.engine import make_url
from stdnum.cn import ric

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from trustledger.bootstrap import open_registry
from trustledger.domain.rulebook import (
    Band,
    RestrictionSpec,
    ReviewPolicy,
    Rule,
    Rulebook,
    Scope,
)
from trustledger.domain.texts import LocalizedText
from trustledger.store.engine import SQLITE_PRAGMAS

PG_URL = os.environ.get("TRUSTLEDGER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIELDS = ("subject", "type", "occurred_on", "decided_on", "case_ref", "evidence_ref", "attributes")


def bench_rulebook() -> Rulebook:
    start = date(2018, 5, 1)
    return Rulebook(
        version="bench-1",
        base_score=1000,
        bands=(Band("A", 960), Band("B", 850), Band("C", 600), Band("D", 0)),
        review=ReviewPolicy(below=600, legal_basis="bench review basis"),
        rules=(
            Rule(
                "rail.smoking",
                LocalizedText.of(
                    {"zh-Hans": "在动车组列车上吸烟", "en": "Smoking on a high-speed train"}
                ),
                "发改财金〔2018〕384号",
                "rail",
                -30,
                start,
                restriction=RestrictionSpec(frozenset({Scope.RAIL}), 180),
            ),
            Rule(
                "court.dishonest_debtor",
                LocalizedText.of(
                    {"zh-Hans": "拒不履行判决", "en": "Refusing to perform a judgment"}
                ),
                "法释〔2017〕7号",
                "court",
                -100,
                start,
                restriction=RestrictionSpec(
                    frozenset({Scope.AIR, Scope.RAIL_PREMIUM}), 365, "法释〔2017〕7号 art. 3"
                ),
                lift_on_fulfilment=True,
                attributes=(("amount_cny", "int"),),
            ),
            Rule(
                "social_insurance.unpaid",
                LocalizedText.of({"zh-Hans": "欠缴社会保险费", "en": "Unpaid contributions"}),
                "Social Insurance Law, art. 86",
                "social_insurance",
                -20,
                start,
                condition="record.amount_cny >= 5000 || record.months_unpaid >= 3",
                attributes=(("amount_cny", "int"), ("months_unpaid", "int")),
            ),
        ),
    )


def person(n: int) -> str:
    born = date(1950, 1, 1) + timedelta(days=n // 1000 % 20000)
    body = f"110105{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def generate(path: Path, records: int, today: date, seed: int = 7) -> None:
    rng = random.Random(seed)
    people = max(1, records // 2)
    with path.open("wb") as f:
        for n in range(records):
            occurred = today - timedelta(days=rng.randrange(30, 600))
            line: dict[str, object] = {
                "subject": person(rng.randrange(people)),
                "occurred_on": occurred.isoformat(),
                "decided_on": (occurred + timedelta(days=rng.randrange(0, 30))).isoformat(),
                "case_ref": f"B-{n}",
                "evidence_ref": f"ev/{n}",
            }
            kind = rng.random()
            if kind < 0.5:
                line |= {"type": "rail.smoking"}
            elif kind < 0.7:
                line |= {"type": "court.dishonest_debtor", "attributes": {"amount_cny": 20000}}
            else:
                attributes = {
                    "amount_cny": rng.randrange(0, 10000),
                    "months_unpaid": rng.randrange(6),
                }
                line |= {"type": "social_insurance.unpaid", "attributes": attributes}
            f.write(orjson.dumps(line) + b"\n")


Row = tuple[str, str, str, str, str, str | None, str | None]


def raw_rows(path: Path, chunk: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    with path.open("rb") as f:
        for raw in f:
            d = orjson.loads(raw)
            attributes = d.get("attributes")
            batch.append(
                (
                    d["subject"],
                    d["type"],
                    d["occurred_on"],
                    d["decided_on"],
                    d["case_ref"],
                    d.get("evidence_ref"),
                    orjson.dumps(attributes).decode() if attributes else None,
                )
            )
            if len(batch) == chunk:
                yield batch
                batch = []
    if batch:
        yield batch


BARE = (
    "CREATE TABLE bench_raw (subject text, type text, occurred_on date, decided_on date, "
    "case_ref text, evidence_ref text, attributes {json})"
)


def raw_sqlite(path: Path, db: Path, chunk: int) -> float:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(BARE.format(json="text"))
    started = time.perf_counter()
    for batch in raw_rows(path, chunk):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO bench_raw VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def raw_postgres(path: Path, url: str, schema: str, chunk: int) -> float:
    with psycopg.connect(url, options=f"-csearch_path={schema}") as conn:
        conn.execute(BARE.format(json="jsonb"))
        conn.commit()
        started = time.perf_counter()
        columns = ", ".join(FIELDS)
        for batch in raw_rows(path, chunk):
            with conn.cursor() as cur, cur.copy(f"COPY bench_raw ({columns}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            conn.commit()
        return time.perf_counter() - started


def migrated(db_url: str) -> None:
    registry = open_registry(db_url, rulebook=bench_rulebook())
    try:
        registry.migrate()
    finally:
        registry.close()


# Written by `migrate`, key creation or the raw load, not by the import.
NOT_IMPORTED = {"alembic_version", "api_keys", "sqlite_sequence", "bench_raw"}


def floor_sqlite(imported: Path, fresh: Path, chunk: int) -> tuple[float, dict[str, int]]:
    """Seconds to insert the import's rows again into an empty database of the same schema."""
    migrated(f"sqlite:///{fresh}")
    src = sqlite3.connect(imported)
    dst = sqlite3.connect(fresh, isolation_level=None)
    for pragma in SQLITE_PRAGMAS:  # the registry's own settings
        dst.execute(pragma)
    names = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    tables = {
        n: src.execute(f"SELECT * FROM {n}").fetchall() for n in names if n not in NOT_IMPORTED
    }
    src.close()
    started = time.perf_counter()
    for name, rows in tables.items():
        if not rows:
            continue
        marks = ", ".join("?" for _ in rows[0])
        for i in range(0, len(rows), chunk):
            dst.execute("BEGIN")
            dst.executemany(f"INSERT INTO {name} VALUES ({marks})", rows[i : i + chunk])
            dst.execute("COMMIT")
    elapsed = time.perf_counter() - started
    dst.close()
    return elapsed, {n: len(r) for n, r in tables.items() if r}


def floor_postgres(url: str, imported: str, fresh: str) -> float:
    """Seconds to COPY the import's rows (as COPY's own text) into a fresh schema: a generous
    floor, with no Python per row at all."""
    with psycopg.connect(url, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (imported,),
            )
            if r[0] not in NOT_IMPORTED
        ]
        blocks: dict[str, list[bytes]] = {}
        for name in names:
            with conn.cursor().copy(f"COPY {imported}.{name} TO STDOUT") as copy:
                blocks[name] = [bytes(block) for block in copy]
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        for name, data in blocks.items():
            with conn.cursor().copy(f"COPY {fresh}.{name} FROM STDIN") as copy:
                for block in data:
                    copy.write(block)
            conn.commit()
        return time.perf_counter() - started


def timed_import(db_url: str, path: Path, chunk: int) -> tuple[float, float]:
    """Seconds the import took, and the CPU seconds this process spent on it (the database
    server's own are not counted): on a loaded machine the second moves less than the first."""
    registry = open_registry(db_url, rulebook=bench_rulebook())
    try:
        registry.migrate()
        source = registry.keys.create(
            role="source", name="bench", types=["*"]
        ).principal.as_source()
        started, cpu = time.perf_counter(), time.process_time()
        report = registry.imports.run(path, source=source, chunk=chunk)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        registry.close()
    if report.imported != report.lines:
        raise SystemExit(f"bench: {report.rejected} lines rejected, see {report.rejects_path}")
    return elapsed, cpu


def figures(
    name: str, records: int, timed: tuple[float, float], raw: float, floor: float, stored: int
) -> dict[str, float | None]:
    imported, cpu = timed
    ours, bare = records / imported, records / raw
    ratio = ours / bare
    print(f"{name}: import {ours:,.0f} records/s; raw load {bare:,.0f} rows/s; ratio {ratio:.3f}")
    print(f"{name}: import {imported:.2f} s, of which {cpu:.2f} s CPU in this process")
    print(
        f"{name}: write floor (the import's rows inserted again, raw) {floor:.2f} s against the"
        f" raw load's {raw:.2f} s: no import can pass a ratio of {raw / floor:.3f}"
    )
    print(
        f"{name}: import at {floor / imported:.3f} of its write floor;"
        f" {stored / records:,.0f} bytes stored a record"
    )
    return {
        f"{name}_records_per_s": round(ours),
        f"{name}_raw_rows_per_s": round(bare),
        f"{name}_ratio": round(ratio, 4),
        f"{name}_floor_ratio": round(raw / floor, 4),
        f"{name}_of_floor": round(floor / imported, 4),
        f"{name}_bytes_per_record": round(stored / records),
        f"{name}_import_cpu_s": round(cpu, 2),
    }


def sqlite_bytes(db: Path) -> int:
    """The database file with its write-ahead log, if one is left."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def postgres_bytes(url: str, schema: str) -> int:
    """The schema's tables with their indexes and TOAST (pg_total_relation_size)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname <> 'bench_raw'",
            (schema,),
        ).fetchone()
    return int(row[0]) if row else 0


def sqlite_tables(db: Path) -> dict[str, tuple[int, int]]:
    """Bytes of each table and of its indexes, from SQLite's dbstat (pages in use)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT m.tbl_name, sum(CASE WHEN m.type = 'table' THEN s.pgsize ELSE 0 END),"
            " sum(CASE WHEN m.type = 'index' THEN s.pgsize ELSE 0 END)"
            " FROM dbstat s JOIN sqlite_master m ON m.name = s.name GROUP BY m.tbl_name"
        ).fetchall()
    except sqlite3.OperationalError:  # a build without the dbstat table
        return {}
    finally:
        conn.close()
    return {name: (int(heap), int(index)) for name, heap, index in rows}


def postgres_tables(url: str, schema: str) -> dict[str, tuple[int, int]]:
    """Bytes of each table (with its TOAST) and of its indexes."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) - pg_indexes_size(c.oid),"
            " pg_indexes_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname <> 'bench_raw'",
            (schema,),
        ).fetchall()
    return {name: (int(heap), int(index)) for name, heap, index in rows}


def print_tables(name: str, tables: dict[str, tuple[int, int]], records: int) -> None:
    """Where the bytes go: a record's share of each table and of its indexes, largest first."""
    shown = sorted(tables.items(), key=lambda kv: -sum(kv[1]))
    parts = [
        f"{table} {heap / records:,.0f}+{index / records:,.0f}"
        for table, (heap, index) in shown
        if (heap + index) / records >= 1
    ]
    print(f"{name}: bytes a record by table (rows + indexes): " + ", ".join(parts))


def postgres_url() -> str | None:
    plain = make_url(PG_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(plain, connect_timeout=3).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL does not answer ({str(exc).strip()}): skipped", file=sys.stderr)
        return None
    return plain


def run_postgres(path: Path, records: int, chunk: int) -> dict[str, float | None]:
    plain = postgres_url()
    if plain is None:
        return {"postgres_ratio": None}
    schema, fresh = (f"bench_{uuid.uuid4().hex[:12]}" for _ in range(2))
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"CREATE SCHEMA {fresh}")
    try:
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        imported = timed_import(url.render_as_string(hide_password=False), path, chunk)
        raw = raw_postgres(path, plain, schema, chunk)
        fresh_url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={fresh}"})
        migrated(fresh_url.render_as_string(hide_password=False))
        floor = floor_postgres(plain, schema, fresh)
        stored = postgres_bytes(plain, schema)
        print_tables("postgres", postgres_tables(plain, schema), records)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.execute(f"DROP SCHEMA {fresh} CASCADE")
    return figures("postgres", records, imported, raw, floor, stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = int(os.environ.get("TRUSTLEDGER_BENCH_RECORDS", "1000000"))
    parser.add_argument("--records", type=int, default=default)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trustledger-bench-") as tmp:
        path = Path(tmp) / "records.jsonl"
        generate(path, args.records, date.today())
        print(f"{args.records:,} generated records, chunks of {args.chunk:,}")
        imported = timed_import(f"sqlite:///{Path(tmp) / 'import.db'}", path, args.chunk)
        stored = sqlite_bytes(Path(tmp) / "import.db")
        print_tables("sqlite", sqlite_tables(Path(tmp) / "import.db"), args.records)
        raw = raw_sqlite(path, Path(tmp) / "raw.db", args.chunk)
        floor, rows = floor_sqlite(Path(tmp) / "import.db", Path(tmp) / "floor.db", args.chunk)
        print("rows the import wrote: " + ", ".join(f"{n} {c:,}" for n, c in rows.items()))
        result: dict[str, object] = {"records": args.records}
        result |= figures("sqlite", args.records, imported, raw, floor, stored)
        if args.skip_postgres:
            result["postgres_ratio"] = None
        else:
            result |= run_postgres(path, args.records, args.chunk)
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
