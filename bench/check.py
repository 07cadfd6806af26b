"""Bench the real-time check over HTTP with 1,000,000 restrictions, against a bare endpoint.

Both servers run as uvicorn (one worker) on 127.0.0.1 and are loaded by wrk from a separate
process for the same time with the same connections; the figures are ratios to the bare
Starlette endpoint measured in the same run. Also: batch checks per second, the in-process
index, and start-up from the index's snapshot (`trustledger snapshot`) against loading it from
the database: mapped in-process to its first answer (goal: at most 0.5 s per million
restrictions), and a server process started to its first answer. Needs `wrk` (Debian:
apt-get install wrk). Last line: one JSON object.

    python bench/check.py [--restrictions N] [--seconds S]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import numpy as np

from trustledger.batch.identities import IdentityMint
from trustledger.bootstrap import open_registry
from trustledger.checks import CheckIndex, SubjectChange
from trustledger.domain.barring import parse_scopes, scope_mask
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.rulebook import Mode, Scope, scopes_for
from trustledger.store.snapshot_files import read_snapshot

HERE = Path(__file__).parent
TODAY = date.today()
PASSES = 5  # in-process timings: the fastest of this many
REASONS = ["court.judgment_default", "rail.smoking", "air.disorder", "rail.fare_evasion"]
SCOPES = ["air,rail_premium", "rail", "air", "rail"]
MASKS = [scope_mask(parse_scopes(s)) for s in SCOPES]  # the stored barring span's


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(db: Path, n: int) -> tuple[list[str], list[str]]:
    """n active restrictions written straight into the derived table; returns barred and free ids."""
    mint = IdentityMint(seed=11)
    numbers = mint.numbers(np.arange(2 * n)).to_pylist()
    keys = mint.significant(np.arange(n)).tolist()
    starts = (TODAY - timedelta(days=30)).isoformat()
    ends = (TODAY + timedelta(days=150)).isoformat()
    rows = (
        (
            f"rec_{i:032x}",
            numbers[i],
            keys[i],
            SCOPES[i % 4],
            REASONS[i % 4],
            "basis",
            f"rec_{i:032x}",
            None,
            starts,
            starts,
            ends,
            None,
            starts,
            "active",
            starts,
            ends,
            MASKS[i % 4],
        )
        for i in range(n)
    )
    con = sqlite3.connect(db)
    con.executemany(
        "INSERT INTO restrictions (restriction_id, subject, compact_key, scopes, reason, legal_basis,"
        " record_id, case_id, noticed_on, starts_on, ends_on, lifted_on, appeal_by, status,"
        " first_barred, last_barred, scope_mask) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        rows,
    )
    con.commit()
    con.close()
    return numbers[:n], numbers[n:]


def serve(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        *args,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT, cwd=HERE
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            httpx.get(f"{url}/v1/check", timeout=1)
            return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(log.read_text())


def wrk(url: str, script: Path, seconds: int, connections: int = 32) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    answered = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error answers:\n{out}")

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {"rps": rps, "answered": answered, "p50_ms": pct("50"), "p99_ms": pct("99")}


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    return sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]


def lua_single(path: Path, key: str, subjects: list[str]) -> None:
    ids = ",".join(f'"{s}"' for s in subjects)
    path.write_text(
        f"local ids = {{{ids}}}\nlocal n = 0\n"
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        "request = function()\n  n = n % #ids + 1\n"
        '  return wrk.format("GET", "/v1/check?mode=air&subject=" .. ids[n])\nend\n'
    )


def lua_batch(path: Path, key: str, subjects: list[str]) -> None:
    body = json.dumps({"subjects": subjects, "mode": "air"})
    path.write_text(
        'wrk.method = "POST"\nwrk.path = "/v1/check"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [[{body}]]\n"
    )


def in_process(n: int, hit_share: float) -> dict[str, float]:
    """The index alone, in this process: lookups at the run's share of barred subjects, and at
    half (hits cost ~1 µs, misses ~0.3 µs)."""
    mint = IdentityMint(seed=11)
    keys = mint.significant(np.arange(n)).tolist()
    start, end = TODAY - timedelta(days=30), TODAY + timedelta(days=150)
    scope_sets = [
        frozenset({Scope.AIR, Scope.RAIL_PREMIUM}),
        frozenset({Scope.RAIL}),
        frozenset({Scope.AIR}),
    ]
    changes = (
        SubjectChange(
            k,
            (
                Restriction(
                    f"r{i}",
                    "",
                    scope_sets[i % 3],
                    REASONS[i % 4],
                    "",
                    None,
                    None,
                    start,
                    start,
                    end,
                    None,
                    RestrictionStatus.ACTIVE,
                    None,
                ),
            ),
        )
        for i, k in enumerate(keys)
    )
    index = CheckIndex.from_subjects(changes)
    air = scopes_for(Mode.AIR)
    misses = mint.significant(np.arange(n, n + 100_000)).tolist()

    def rate(hit_share: float) -> float:
        hits = round(100_000 * hit_share)
        queries = keys[:hits] + misses[: 100_000 - hits]
        random.Random(3).shuffle(queries)
        lookup = index.lookup  # bound once, as a server's check path holds it
        best = float("inf")
        for _ in range(PASSES):  # one pass takes ~50 ms: the fastest of a few, as timeit does
            began = time.perf_counter()
            for key in queries:
                lookup(key, air, TODAY)
            best = min(best, time.perf_counter() - began)
        return len(queries) / best

    batch = np.array(keys[:5_000] + misses[:5_000], dtype=np.int64)
    fastest = float("inf")
    for _ in range(PASSES):
        began = time.perf_counter()
        for _ in range(10):
            index.lookup_many(batch, air, TODAY)
        fastest = min(fastest, time.perf_counter() - began)
    many = 100_000 / fastest
    return {
        "index_lookups_per_s": rate(hit_share),
        "index_lookups_per_s_half_hits": rate(0.5),
        "index_batch_per_s": many,
        "index_bytes_per_restriction": index.nbytes / max(index.rows, 1),
    }


def snapshot_start(url: str, tmp: Path, n: int, subject_key: int) -> dict[str, float]:
    """Write the snapshot with the CLI, then time a start from it: in-process to the first
    answer (the best of a few), and a server process from its launch to its first answer."""
    snap = tmp / "index.snapshot"
    cli = str(Path(sys.executable).with_name("trustledger"))
    began = time.perf_counter()
    subprocess.run([cli, "--db", url, "snapshot", "--out", str(snap)], check=True)
    write_s = time.perf_counter() - began
    air = scopes_for(Mode.AIR)
    first = float("inf")
    for _ in range(PASSES):
        began = time.perf_counter()
        held = read_snapshot(snap)
        assert held.index.lookup(subject_key, air, TODAY) is not None
        first = min(first, time.perf_counter() - began)
    began = time.perf_counter()
    server, _ = serve(
        ["trustledger.api.app:app_from_environment", "--factory"],
        {"TRUSTLEDGER_DB": url, "TRUSTLEDGER_SNAPSHOT": str(snap)},
        tmp / "snap.log",
    )
    served_s = time.perf_counter() - began
    server.terminate()
    server.wait(timeout=10)
    per_million = first / n * 1e6
    return {
        "snapshot_write_s": round(write_s, 2),
        "snapshot_mb": round(sum(f.stat().st_size for f in snap.iterdir()) / 1e6, 1),
        "snapshot_first_answer_s": round(first, 4),
        "snapshot_first_answer_s_per_million": round(per_million, 4),
        "snapshot_goal_s_per_million": 0.5,
        "snapshot_goal_met": per_million <= 0.5,
        "server_start_from_snapshot_s": round(served_s, 2),
    }


def start_only(n: int) -> None:
    """The start-up figures alone: the index loaded from the database in-process, against a
    start from its snapshot (in-process and as a server)."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        registry = open_registry(url)
        registry.migrate()
        fill(tmp / "bench.db", n)
        began = time.perf_counter()
        feed = registry.check_feed()
        feed.load()
        load_s = time.perf_counter() - began
        registry.close()
        key = IdentityMint(seed=11).significant(np.arange(1)).tolist()[0]
        figures = {
            "restrictions": n,
            "database_load_s": round(load_s, 2),
            "database_load_s_per_million": round(load_s / n * 1e6, 2),
            **snapshot_start(url, tmp, n, key),
        }
    for name, value in figures.items():
        print(f"{name:>36}  {value}")
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restrictions", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--barred-share", type=float, default=0.02, help="share of checks denied")
    parser.add_argument(
        "--start-only", action="store_true", help="only the start-up figures (no wrk)"
    )
    opts = parser.parse_args()
    if opts.start_only:
        start_only(opts.restrictions)
        return
    if shutil.which("wrk") is None:
        sys.exit("bench/check.py needs wrk: apt-get install wrk")
    n = opts.restrictions
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        registry = open_registry(url)
        registry.migrate()
        key = registry.keys.create(role="checker", name="bench").secret
        registry.close()
        began = time.perf_counter()
        barred, free = fill(tmp / "bench.db", n)
        print(f"wrote {n} restrictions in {time.perf_counter() - began:.1f} s", flush=True)
        # Ticket checks are mostly of people with no restriction; every denial is audited.
        hits = round(1000 * opts.barred_share)
        sample = barred[:hits] + free[: 1000 - hits]
        random.Random(7).shuffle(sample)
        lua_single(tmp / "single.lua", key, sample)
        lua_batch(tmp / "batch.lua", key, sample)
        began = time.perf_counter()
        app, app_url = serve(
            ["trustledger.api.app:app_from_environment", "--factory"],
            {"TRUSTLEDGER_DB": url},
            tmp / "app.log",
        )
        while httpx.get(f"{app_url}/healthz").json()["restrictions"] < n:
            time.sleep(0.2)
        load_s = time.perf_counter() - began
        bare, bare_url = serve(["bare_app:app"], {}, tmp / "bare.log")
        try:
            wrk(bare_url, tmp / "single.lua", 2)  # warm both up
            wrk(app_url, tmp / "single.lua", 2)
            # Interleaved rounds, median of each: the machine's other load hits both alike.
            rounds = [
                (
                    wrk(bare_url, tmp / "single.lua", opts.seconds),
                    wrk(app_url, tmp / "single.lua", opts.seconds),
                )
                for _ in range(opts.rounds)
            ]
            base = median_run([b for b, _ in rounds])
            single = median_run([a for _, a in rounds])
            batch = wrk(app_url, tmp / "batch.lua", opts.seconds, connections=4)
        finally:
            for proc in (app, bare):
                proc.terminate()
                proc.wait(timeout=10)
        snap_key = IdentityMint(seed=11).significant(np.arange(1)).tolist()[0]
        snapshot = snapshot_start(url, tmp, n, snap_key)
    figures = {
        "restrictions": n,
        "barred_share": opts.barred_share,
        "index_load_s": round(load_s, 1),
        "bare_rps": round(base["rps"]),
        "bare_p99_ms": base["p99_ms"],
        "single_rps": round(single["rps"]),
        "single_p50_ms": single["p50_ms"],
        "single_p99_ms": single["p99_ms"],
        "single_ratio": round(single["rps"] / base["rps"], 3),
        "batch_checks_per_s": round(batch["rps"] * len(sample)),
        "batch_p99_ms": batch["p99_ms"],
        **snapshot,
    }
    figures |= {k: round(v, 1) for k, v in in_process(n, opts.barred_share).items()}
    for name, value in figures.items():
        print(f"{name:>30}  {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
