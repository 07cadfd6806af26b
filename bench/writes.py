"""Single-record writes over HTTP: `POST /v1/records` with group commit on against the same
server with it off (TRUSTLEDGER_GROUP_COMMIT=false), on SQLite and PostgreSQL.

Each run starts a fresh database and one server (uvicorn, one worker, 127.0.0.1, a free port)
and loads it with wrk: CLIENTS connections, each POST a new record (its own case_ref) of a rule
that restricts, so every write also evaluates the subject, issues a notice with its letter and
extends the audit chain. After each run the stored records are counted by plain SQL (every
answered write must be there) and the audit chain is verified. The server's CPU time per write is
reported too: on a machine shared with other work it says more than writes per second. On
PostgreSQL a third run has group commit on and two uvicorn workers (`serve --workers 2`: writers
of both processes are serialized by the unit of work's advisory lock, so the audit chain stays
linear), reported beside the one-worker figure with each worker's share of the CPU (uvicorn may
hand every connection to one of them). Needs `wrk` (Debian: apt-get install wrk). Last line: one
JSON object of the figures and ratios.

    python bench/writes.py [--clients N] [--seconds S] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import check  # bench/check.py, beside this file
from check import wrk

from trustledger.batch.identities import IdentityMint
from trustledger.bootstrap import open_registry

PG_URL = os.environ.get("TRUSTLEDGER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SUBJECTS = 5_000
GOAL_PG_RPS = 2_000
GOAL_SQLITE_RATIO = 10
WARM_SECONDS = 3  # first writes load the identity tables and warm the caches
# The server's CPU with no load (following the log, signing checkpoints) is measured this long:
# at a few hundred writes a second it is a share of each write's figure that 2,000/s would not pay.
IDLE_SECONDS = 2


def serve(
    db_url: str, log: Path, *, group_commit: bool, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """The trustledger server over this database, notices not sent (bench/check.py's launcher)."""
    env = {
        "TRUSTLEDGER_DB": db_url,
        "TRUSTLEDGER_IDENTITY_SCHEME": "cn-ric",
        "TRUSTLEDGER_GROUP_COMMIT": "true" if group_commit else "false",
        "TRUSTLEDGER_DELIVER_NOTICES": "false",
        # Beside the run's log: a PostgreSQL URL has no directory to put it in, and ./ is the repo.
        "TRUSTLEDGER_LOG_KEY_FILE": str(log.with_name("trustledger-log.key")),
    }
    app = ["trustledger.api.app:app_from_environment", "--factory"]
    return check.serve([*app, "--workers", str(workers)] if workers > 1 else app, env, log)


def lua_writes(path: Path, key: str, subjects: list[str], prefix: str) -> None:
    """Each request a new record: case_ref prefix-n, the subjects in turn."""
    today = date.today()
    occurred, decided = today - timedelta(days=20), today - timedelta(days=10)
    ids = ",".join(f'"{s}"' for s in subjects)
    head = (
        f'{{"type":"rail.smoking","occurred_on":"{occurred}","decided_on":"{decided}",'
        f'"case_ref":"{prefix}-'
    )
    path.write_text(
        f"local ids = {{{ids}}}\nlocal n = 0\n"
        'wrk.method = "POST"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n  n = n + 1\n"
        f"  local body = '{head}' .. n .. '\",\"subject\":\"' .. ids[n % #ids + 1] .. '\"}}'\n"
        '  return wrk.format(nil, "/v1/records", nil, body)\nend\n'
    )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker_pids(pid: int) -> list[int]:
    """The server's own pid, or with several workers theirs (uvicorn's children, less
    multiprocessing's resource tracker)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid and b"resource_tracker" not in command:
            children.append(int(stat.parent.name))
    return sorted(children) or [pid]


def stored_records(db_url: str) -> int:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        con = sqlite3.connect(str(url.database))
        (n,) = con.execute("SELECT count(*) FROM records").fetchone()
        con.close()
        return int(n)
    with psycopg.connect(_plain(db_url)) as conn:
        row = conn.execute("SELECT count(*) FROM records").fetchone()
        assert row is not None
        return int(row[0])


def _plain(db_url: str) -> str:
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


def one_run(
    db_url: str,
    tmp: Path,
    subjects: list[str],
    *,
    group_commit: bool,
    args: argparse.Namespace,
    workers: int = 1,
) -> dict[str, Any]:
    registry = open_registry(db_url)
    try:
        registry.migrate()
        key = registry.keys.create(role="source", name="bench-rail", types=["rail.*"]).secret
        proc, url = serve(db_url, tmp / "server.log", group_commit=group_commit, workers=workers)
        try:
            warm, script = tmp / "warm.lua", tmp / "writes.lua"
            lua_writes(warm, key, subjects, uuid.uuid4().hex[:8])
            warmed = wrk(url, warm, WARM_SECONDS, args.clients)
            lua_writes(script, key, subjects, uuid.uuid4().hex[:8])
            pids = worker_pids(proc.pid)
            idle = sum(cpu_seconds(p) for p in pids)
            time.sleep(IDLE_SECONDS)
            idle = sum(cpu_seconds(p) for p in pids) - idle
            before = [cpu_seconds(p) for p in pids]
            figures: dict[str, Any] = dict(wrk(url, script, args.seconds, args.clients))
            used = [cpu_seconds(p) - b for p, b in zip(pids, before, strict=True)]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        cpu = sum(used)
        figures["cpu_ms_per_write"] = round(1000 * cpu / figures["answered"], 3)
        figures["server_cpu_share"] = round(cpu / args.seconds, 2)
        idle_share = idle / IDLE_SECONDS
        figures["idle_cpu_share"] = round(idle_share, 3)
        busy = max(cpu - idle_share * args.seconds, 0.0)
        figures["cpu_ms_per_write_less_idle"] = round(1000 * busy / figures["answered"], 3)
        if workers > 1:  # how the load fell on the workers
            figures["worker_cpu_split"] = [round(u / cpu, 2) for u in used]
        answered = warmed["answered"] + figures["answered"]
        stored = stored_records(db_url)
        if stored < answered:
            raise RuntimeError(f"{answered} writes answered, {stored} stored")
        verdict = registry.audit.verify()
        if not verdict.intact:
            raise RuntimeError(f"audit chain broken after the run: {verdict}")
        return figures | {"stored": stored}
    finally:
        registry.close()


def pg_schema_url(schema: str) -> str:
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def run_engine(engine: str, subjects: list[str], args: argparse.Namespace) -> dict[str, object]:
    runs: dict[str, dict[str, Any]] = {}
    modes = [("off", False, 1), ("on", True, 1)]
    if engine == "postgres":
        modes.append(("on2", True, 2))
    for mode, on, workers in modes:
        with tempfile.TemporaryDirectory(prefix=f"writes-{engine}-") as d:
            tmp = Path(d)
            # The run's keys in its own directory, for this process and the server alike (a
            # PostgreSQL URL has no directory beside it; the default is the server's cwd, bench/).
            os.environ["TRUSTLEDGER_MASTER_KEY_FILE"] = str(tmp / "master.key")
            os.environ["TRUSTLEDGER_VAULT_FILE"] = str(tmp / "vault")
            if engine == "sqlite":
                runs[mode] = one_run(
                    f"sqlite:///{tmp / 'w.db'}",
                    tmp,
                    subjects,
                    group_commit=on,
                    args=args,
                    workers=workers,
                )
                continue
            schema = f"bench_w_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(_plain(PG_URL), autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            try:
                runs[mode] = one_run(
                    pg_schema_url(schema),
                    tmp,
                    subjects,
                    group_commit=on,
                    args=args,
                    workers=workers,
                )
            finally:
                with psycopg.connect(_plain(PG_URL), autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")
        print(f"{engine} group commit {mode}: {runs[mode]}", flush=True)
    two = runs.get("on2")
    extra = (
        {
            f"{engine}_on_2_workers_rps": two["rps"],
            f"{engine}_on_2_workers_p99_ms": two["p99_ms"],
            f"{engine}_on_2_workers_cpu_ms_per_write": two["cpu_ms_per_write"],
            f"{engine}_on_2_workers_cpu_split": two["worker_cpu_split"],
        }
        if two is not None
        else {}
    )
    return {
        f"{engine}_off_rps": runs["off"]["rps"],
        f"{engine}_on_rps": runs["on"]["rps"],
        f"{engine}_on_p99_ms": runs["on"]["p99_ms"],
        f"{engine}_off_p99_ms": runs["off"]["p99_ms"],
        f"{engine}_on_cpu_ms_per_write": runs["on"]["cpu_ms_per_write"],
        f"{engine}_off_cpu_ms_per_write": runs["off"]["cpu_ms_per_write"],
        f"{engine}_on_cpu_ms_per_write_less_idle": runs["on"]["cpu_ms_per_write_less_idle"],
        f"{engine}_idle_cpu_share": runs["on"]["idle_cpu_share"],
        f"{engine}_ratio": round(runs["on"]["rps"] / runs["off"]["rps"], 2),
    } | extra


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    subjects = IdentityMint(seed=5).numbers(np.arange(SUBJECTS)).to_pylist()
    result: dict[str, object] = {"clients": args.clients, "seconds": args.seconds}
    if not args.skip_sqlite:
        result |= run_engine("sqlite", subjects, args)
        result["sqlite_goal_ratio"] = GOAL_SQLITE_RATIO
    if not args.skip_postgres:
        result |= run_engine("postgres", subjects, args)
        result["postgres_goal_rps"] = GOAL_PG_RPS
    print(json.dumps(result))


if __name__ == "__main__":
    main()
