"""Soak: mixed load on one server for a while (default 10 minutes), then its figures.

One trustledger server (uvicorn, one worker, group commit on) over a fresh database seeded with
restricted and free people, loaded at the same time by paced wrk clients on 127.0.0.1: single
checks, batch checks of 1,000, single-record writes (each a new record), file reads by an officer,
and two server-sent-event consumers of /v1/events in this process. Each wrk client counts the
answers of each status class itself; the server's resident memory is sampled every few seconds.
Goals: zero 5xx, single-check p99 <= 10 ms under the mix, RSS growth <= 10% from minute 2 to the
end. Needs `wrk` (Debian: apt-get install wrk). Last line: one JSON object.

    python bench/soak.py [--minutes M] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from writes import cpu_seconds, serve

from trustledger.batch.identities import IdentityMint
from trustledger.bootstrap import open_registry
from trustledger.domain.submissions import Source

BARRED = 2_000  # seeded people with a restriction in force
FREE = 20_000  # numbers that are checked and written about
SAMPLE_SECONDS = 5.0
GOAL_P99_MS = 10.0
GOAL_RSS_GROWTH = 0.10

# Each client: connections and the pause (ms) before each of its requests, so the mix is paced
# (about 900 single checks, 8 batches of 1,000, 70 writes and 20 file reads a second at most)
# instead of saturating the server; a server slower than that answers fewer, not later.
CLIENTS = {"single": (4, 4), "batch": (1, 120), "writes": (4, 50), "files": (1, 50)}

# wrk's thread:get reads a thread's globals of plain values only: one counter per status class.
LUA_COUNT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
c1, c2, c3, c4, c5 = 0, 0, 0, 0, 0
function response(status, headers, body)
  local c = math.floor(status / 100)
  if c == 1 then c1 = c1 + 1 elseif c == 2 then c2 = c2 + 1 elseif c == 3 then c3 = c3 + 1
  elseif c == 4 then c4 = c4 + 1 elseif c == 5 then c5 = c5 + 1 end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("CLASSES %d %d %d %d %d\\n",
      t:get("c1"), t:get("c2"), t:get("c3"), t:get("c4"), t:get("c5")))
  end
end
"""


def lua(path: Path, key: str, pause_ms: int, request: str, prelude: str = "") -> None:
    path.write_text(
        f"{prelude}\n"
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"function delay() return {pause_ms} end\n"
        f"request = function()\n{request}\nend\n{LUA_COUNT}"
    )


def lua_ids(ids: list[str]) -> str:
    return "local ids = {" + ",".join(f'"{s}"' for s in ids) + "}\nlocal n = 0\n"


def scripts(tmp: Path, keys: dict[str, str], barred: list[str], free: list[str]) -> dict[str, Path]:
    today = date.today()
    occurred, decided = today - timedelta(days=20), today - timedelta(days=10)
    # One check in 50 asks about a barred person; the batch likewise.
    mixed = [barred[i % len(barred)] if i % 50 == 0 else free[i] for i in range(len(free))]
    paths = {name: tmp / f"{name}.lua" for name in CLIENTS}
    lua(
        paths["single"],
        keys["checker"],
        CLIENTS["single"][1],
        '  n = n % #ids + 1\n  return wrk.format("GET", "/v1/check?mode=rail&subject=" .. ids[n])',
        lua_ids(mixed),
    )
    batch = json.dumps({"subjects": mixed[:1000], "mode": "rail"})
    lua(
        paths["batch"],
        keys["checker"],
        CLIENTS["batch"][1],
        f'  return wrk.format("POST", "/v1/check", nil, [[{batch}]])',
    )
    head = (
        f'{{"type":"rail.smoking","occurred_on":"{occurred}","decided_on":"{decided}",'
        f'"case_ref":"soak-{uuid.uuid4().hex[:8]}-'
    )
    lua(
        paths["writes"],
        keys["source"],
        CLIENTS["writes"][1],
        "  n = n + 1\n"
        f"  local body = '{head}' .. n .. '\",\"subject\":\"' .. ids[n % #ids + 1] .. '\"}}'\n"
        '  return wrk.format("POST", "/v1/records", nil, body)',
        lua_ids(free),
    )
    lua(
        paths["files"],
        keys["officer"],
        CLIENTS["files"][1],
        "  n = n % #ids + 1\n"
        '  return wrk.format("GET", "/v1/subjects/" .. ids[n] .. "?purpose=soak")',
        lua_ids(barred),
    )
    return paths


@dataclass
class Run:
    name: str
    proc: subprocess.Popen[str]


def start_wrk(name: str, url: str, script: Path, seconds: int) -> Run:
    connections = CLIENTS[name][0]
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    cmd += ["-s", str(script), url]
    return Run(name, subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))


def wrk_figures(out: str) -> dict[str, float | str]:
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    classes = [0] * 5
    counted = re.findall(r"CLASSES ([\d ]+)", out)
    if not counted:
        raise RuntimeError(f"wrk did not report its answers by status class:\n{out}")
    for line in counted:
        for i, n in enumerate(line.split()):
            classes[i] += int(n)
    errors = re.search(r"Socket errors: (.*)", out)

    def pct(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "requests": total,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "status_2xx": classes[1],
        "status_4xx": classes[3],
        "status_5xx": classes[4],
        "socket_errors": errors.group(1).strip() if errors else "",
    }


@dataclass
class Consumer:
    """An SSE client of /v1/events counting the frames it receives; reconnects if cut off."""

    url: str
    key: str
    stop: threading.Event
    frames: int = 0
    connects: int = 0
    failures: list[str] = field(default_factory=list)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        last = "0"
        while not self.stop.is_set():
            self.connects += 1
            try:
                with httpx.stream(
                    "GET",
                    f"{self.url}/v1/events",
                    headers=headers | {"Last-Event-ID": last},
                    timeout=httpx.Timeout(5, read=30),
                ) as r:
                    if r.status_code != 200:
                        self.failures.append(f"status {r.status_code}")
                        time.sleep(1)
                        continue
                    for line in r.iter_lines():
                        if line.startswith("id:"):
                            last = line[3:].strip()
                            self.frames += 1
                        if self.stop.is_set():
                            return
            except httpx.HTTPError as exc:
                if not self.stop.is_set():
                    self.failures.append(type(exc).__name__)
                    time.sleep(1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


@dataclass
class PastClock:
    day: date

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.combine(self.day, datetime.now(UTC).time())


def seed(db_url: str) -> tuple[dict[str, str], list[str], list[str]]:
    mint = IdentityMint(seed=3)
    numbers = mint.numbers(np.arange(BARRED + FREE)).to_pylist()
    barred, free = numbers[:BARRED], numbers[BARRED:]
    # Submitted 40 days ago, so their notice periods are over: the sweep puts them in force.
    then = PastClock(date.today() - timedelta(days=40))
    with closing(open_registry(db_url, clock=then)) as past:
        past.migrate()
        bodies = [
            {
                "subject": s,
                "type": "rail.smoking",
                "occurred_on": (then.day - timedelta(days=10)).isoformat(),
                "decided_on": (then.day - timedelta(days=5)).isoformat(),
                "case_ref": f"seed-{i}",
            }
            for i, s in enumerate(barred)
        ]
        past.intake.submit_many(bodies, source=Source("soak-rail", ("rail.*",)))
    registry = open_registry(db_url)
    try:
        registry.sweep.advance()
        keys = {
            "source": registry.keys.create(role="source", name="soak-rail", types=["rail.*"]),
            "checker": registry.keys.create(role="checker", name="soak-ticketing"),
            "officer": registry.keys.create(role="officer", name="soak-officer"),
            "auditor": registry.keys.create(role="auditor", name="soak-auditor"),
        }
        return {role: k.secret for role, k in keys.items()}, barred, free
    finally:
        registry.close()


def soak(db_url: str, tmp: Path, seconds: int, baseline_at: float) -> dict[str, object]:
    keys, barred, free = seed(db_url)
    proc, url = serve(db_url, tmp / "server.log", group_commit=True)
    stop = threading.Event()
    consumers = [Consumer(url, keys["checker"], stop), Consumer(url, keys["auditor"], stop)]
    threads = [threading.Thread(target=c.run, daemon=True) for c in consumers]
    samples: list[tuple[float, float]] = []
    try:
        for t in threads:
            t.start()
        paths = scripts(tmp, keys, barred, free)
        cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
        runs = [start_wrk(name, url, paths[name], seconds) for name in CLIENTS]
        while any(r.proc.poll() is None for r in runs):
            samples.append((time.monotonic() - t0, rss_mb(proc.pid)))
            time.sleep(SAMPLE_SECONDS)
        cpu = cpu_seconds(proc.pid) - cpu0
        figures = {r.name: wrk_figures(r.proc.communicate()[0]) for r in runs}
        stop.set()
        alive = proc.poll() is None
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=30)
    at_baseline = next(mb for t, mb in samples if t >= baseline_at)
    end = samples[-1][1]
    growth = (end - at_baseline) / at_baseline
    status_5xx = sum(int(f["status_5xx"]) for f in figures.values())
    single_p99 = float(figures["single"]["p99_ms"])
    result: dict[str, object] = {
        "seconds": seconds,
        "server_alive_at_end": alive,
        "server_cpu_share": round(cpu / seconds, 2),
        **{
            f"{name}_{k}": v
            for name, f in figures.items()
            for k, v in f.items()
            if k in ("requests", "rps", "p50_ms", "p99_ms", "status_4xx", "socket_errors")
        },
        "sse_frames": [c.frames for c in consumers],
        "sse_connects": [c.connects for c in consumers],
        "sse_failures": sum(len(c.failures) for c in consumers),
        "status_5xx": status_5xx,
        "single_p99_ms": single_p99,
        "rss_mb_baseline": round(at_baseline, 1),
        "rss_baseline_at_s": baseline_at,
        "rss_mb_end": round(end, 1),
        "rss_mb_peak": round(max(mb for _, mb in samples), 1),
        "rss_growth": round(growth, 4),
        "goal_p99_ms": GOAL_P99_MS,
        "goal_rss_growth": GOAL_RSS_GROWTH,
        "zero_5xx_met": status_5xx == 0,
        "p99_met": single_p99 <= GOAL_P99_MS,
        "rss_met": growth <= GOAL_RSS_GROWTH,
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument(
        "--db", help="a database URL to use (its schema is migrated); default: a fresh SQLite file"
    )
    args = parser.parse_args()
    seconds = max(30, round(args.minutes * 60))
    # RSS growth is measured from minute 2; a shorter run measures from its first third.
    baseline_at = 120.0 if seconds >= 240 else seconds / 3
    with tempfile.TemporaryDirectory(prefix="soak-") as d:
        tmp = Path(d)
        db_url = args.db or f"sqlite:///{tmp / 'soak.db'}"
        result = soak(db_url, tmp, seconds, baseline_at)
    for name, value in result.items():
        print(f"{name:>24}  {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
