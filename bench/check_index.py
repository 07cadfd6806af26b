"""Bench the check index: 1,000,000 restrictions on realistic cn-ric keys, single and batch checks.

Prints a table, then as its last line one JSON object of the figures and the ratio to a bare
Python set membership test over the same keys, measured in the same run.

    python bench/check_index.py [--polls]

`--polls` measures only what the check feed's polls cost the index: applying a poll of 4
changed subjects into an empty overlay and into one holding 2,730 subjects (as the overlay does
between merges), and their ratio (`poll_apply_ratio`; 1 is a cost in proportion to the changes
alone).
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import stdnum
from numpy.typing import NDArray

from trustledger.checks import CheckIndex, SubjectChange
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.identity import CnRic
from trustledger.domain.rulebook import Mode, Scope, scopes_for
from trustledger.services.checking.check import CheckService

N = 1_000_000
TODAY = date(2026, 11, 25)
SEED = 20261125
REPEATS = 3
HIT_SHARE = 0.1
SCOPES = scopes_for(Mode.RAIL)
WEIGHTS = np.array([2 ** (17 - i) % 11 for i in range(17)], dtype=np.int64)
SCOPE_SETS = [
    frozenset({Scope.AIR}),
    frozenset({Scope.RAIL}),
    frozenset({Scope.AIR, Scope.RAIL}),
    frozenset({Scope.RAIL_PREMIUM}),
]
REASONS = ["air.disruption", "air.smoking", "rail.smoking", "rail.fare_evasion", "court.debtor"]


def region_codes() -> NDArray[np.int64]:
    """Current 6-digit region codes from python-stdnum's GB/T 2260 table (no dated ones)."""
    codes, province = [], ""
    for line in (Path(stdnum.__file__).parent / "cn" / "loc.dat").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        code = line.split()[0]
        if not line.startswith(" "):
            province = code
        elif "[" not in line and not code.endswith("00"):
            codes.append(int(province + code))
    return np.array(codes, dtype=np.int64)


def random_keys(rng: np.random.Generator, n: int, regions: NDArray[np.int64]) -> NDArray[np.int64]:
    """17-digit keys: a real region, a birth date 1945-2008, a 3-digit order number."""
    days = rng.integers(
        np.datetime64("1945-01-01").astype(int), np.datetime64("2008-12-31").astype(int), n
    )
    born = days.astype("datetime64[D]")
    y = born.astype("datetime64[Y]").astype(int) + 1970
    m = born.astype("datetime64[M]").astype(int) % 12 + 1
    d = (born - born.astype("datetime64[M]")).astype(int) + 1
    ymd = y * 10_000 + m * 100 + d
    keys: NDArray[np.int64] = (
        rng.choice(regions, n) * 10**11 + ymd * 1_000 + rng.integers(0, 1_000, n)
    )
    return keys


def numbers(keys: NDArray[np.int64]) -> list[str]:
    """Full 18-character numbers: the ISO 7064 MOD 11-2 check character, vectorized."""
    digits = (keys[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64)) % 10
    check = np.array(list("10X98765432"))[(digits * WEIGHTS).sum(axis=1) % 11]
    return [f"{k}{c}" for k, c in zip(keys.tolist(), check.tolist(), strict=True)]


def restrictions(subjects: list[str], rng: random.Random) -> list[Restriction]:
    out = []
    for i, subject in enumerate(subjects):
        starts = TODAY - timedelta(days=rng.randrange(-20, 300))
        days = rng.choice((90, 180, 365))
        out.append(
            Restriction(
                restriction_id=f"rec-{i:012d}-{rng.getrandbits(40):010x}",  # 27 characters
                subject=subject,
                scopes=rng.choice(SCOPE_SETS),
                reason=rng.choice(REASONS),
                legal_basis="bench",
                record_id=None,
                case_id=None,
                noticed_on=starts - timedelta(days=10),
                starts_on=starts,
                ends_on=starts + timedelta(days=days - 1),
                lifted_on=None,
                status=RestrictionStatus.ACTIVE,
                appeal_by=None,
            )
        )
    return out


def mix(hits: list[int], misses: list[int], share: float, n: int, rng: random.Random) -> list[int]:
    k = int(n * share)
    out = hits[:k] + misses[: n - k]
    rng.shuffle(out)
    return out


def rate(count: int, run: Callable[[], object]) -> float:
    """Best of REPEATS runs, in operations a second (the machine is shared: best is least noisy)."""
    best = float("inf")
    for _ in range(REPEATS):
        t = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t)
    return count / best


def singles(index: CheckIndex, queries: list[int]) -> Callable[[], object]:
    lookup, scopes = index.lookup, SCOPES

    def run() -> None:
        for k in queries:
            lookup(k, scopes, TODAY)

    return run


def batches(index: CheckIndex, queries: list[int], size: int) -> Callable[[], object]:
    chunks = [np.array(queries[i : i + size], dtype=np.int64) for i in range(0, len(queries), size)]
    return lambda: [index.lookup_many(c, SCOPES, TODAY) for c in chunks]


def measure_set(keys: NDArray[np.int64], queries: list[int]) -> dict[str, float]:
    members = set(keys.tolist())

    def run() -> None:
        for k in queries:
            k in members  # noqa: B015 - the membership test is what is measured

    size = (members.__sizeof__() + sum(k.__sizeof__() for k in members)) / len(members)
    return {"set_lookups_per_s": rate(len(queries), run), "set_bytes_per_key": size}


def measure_service(index: CheckIndex, queries: list[int]) -> dict[str, float]:
    """The service adds the identity scheme's validation (python-stdnum) to each check."""
    service = CheckService(index, CnRic(), appeal="/portal")
    texts = numbers(np.array(queries[:20_000], dtype=np.int64))
    chunks = [texts[i : i + 1_000] for i in range(0, len(texts), 1_000)]
    return {
        "service_checks_per_s": rate(
            len(texts), lambda: [service.check(t, Mode.RAIL, on=TODAY) for t in texts]
        ),
        "service_batch_1000_checks_per_s": rate(
            len(texts), lambda: [service.bar_many(c, Mode.RAIL, on=TODAY) for c in chunks]
        ),
    }


def measure_updates(
    index: CheckIndex,
    gone: NDArray[np.int64],
    new: NDArray[np.int64],
    rows: list[Restriction],
    queries: list[int],
) -> dict[str, float]:
    """4,096 subjects replaced (half lifted, half newly restricted), checks, then the merge."""
    changed = [SubjectChange(int(k), ()) for k in gone[:2_048]]
    changed += [SubjectChange(int(k), (rows[i],)) for i, k in enumerate(new[:2_048])]
    index.merge_at = len(changed) + 1
    t = time.perf_counter()
    index.apply(changed)
    apply_s = time.perf_counter() - t
    unmerged = rate(len(queries), singles(index, queries))
    t = time.perf_counter()
    index.merge()
    return {
        "index_lookups_per_s_with_4096_unmerged": unmerged,
        "apply_4096_changes_ms": apply_s * 1000,
        "merge_ms": (time.perf_counter() - t) * 1000,
    }


POLL = 4  # subjects a poll changes
HELD = 2_730  # subjects the overlay holds when a poll's apply is timed the second time


def measure_polls(rows: list[Restriction], keys: NDArray[np.int64]) -> dict[str, float]:
    """A poll's apply into an empty overlay, and into one holding HELD subjects: each the best of
    REPEATS runs of 200 polls of subjects new to the overlay (none merges)."""
    polls = 200

    def timed(held: int) -> float:
        best = float("inf")
        for _ in range(REPEATS):
            index = CheckIndex(merge_at=held + POLL * polls + 1)
            index.apply(SubjectChange(int(k), (rows[i],)) for i, k in enumerate(keys[:held]))
            batches = [
                [SubjectChange(int(k), (rows[i],)) for i, k in enumerate(keys[at : at + POLL])]
                for at in range(held, held + POLL * polls, POLL)
            ]
            t = time.perf_counter()
            for changes in batches:
                index.apply(changes)
            best = min(best, time.perf_counter() - t)
        return best / polls * 1e6

    empty, held = timed(0), timed(HELD)
    return {
        "poll_apply_us_overlay_0": empty,
        f"poll_apply_us_overlay_{HELD}": held,
        "poll_apply_ratio": held / empty,
    }


def main() -> None:
    if "--polls" in sys.argv[1:]:
        prng = random.Random(SEED)
        keys = np.unique(random_keys(np.random.default_rng(SEED), 5_000, region_codes()))
        out = {
            k: round(v, 3)
            for k, v in measure_polls(restrictions(numbers(keys), prng), keys).items()
        }
        print(json.dumps(out))
        return
    rng = np.random.default_rng(SEED)
    prng = random.Random(SEED)
    keys = np.unique(random_keys(rng, N + N // 5, region_codes()))
    rng.shuffle(keys)
    # About one subject in ten has two restrictions (say air and rail from two records).
    restricted = np.concatenate([keys[: N * 9 // 10], keys[: N // 10]])
    others = keys[N * 9 // 10 :]  # not restricted: the misses
    subjects = numbers(restricted)
    assert all(CnRic().normalize(s) == s for s in prng.sample(subjects, 200))
    rows = restrictions(subjects, prng)

    t = time.perf_counter()
    index = CheckIndex.build(rows)
    figures: dict[str, float] = {"restrictions": index.rows, "build_s": time.perf_counter() - t}
    figures["index_bytes_per_restriction"] = index.nbytes / index.rows

    q = 200_000
    hits = rng.choice(restricted, q).tolist()
    misses = rng.choice(others, q).tolist()
    # Checks come from everyone buying a ticket, and few people are restricted: well under 1% of
    # checks hit in a national deployment. The headline mix takes 10% hits; 50% is reported too.
    mixed = mix(hits, misses, HIT_SHARE, q, prng)
    half = mix(hits, misses, 0.5, q, prng)
    figures["index_lookups_per_s"] = rate(q, singles(index, mixed))
    figures["index_lookups_hit_share"] = HIT_SHARE
    figures["index_lookups_per_s_half_hits"] = rate(q, singles(index, half))
    figures["index_hit_lookups_per_s"] = rate(q, singles(index, hits))
    figures["index_miss_lookups_per_s"] = rate(q, singles(index, misses))
    figures["batch_checks_per_s"] = rate(q, batches(index, mixed, 10_000))
    figures["batch_1000_checks_per_s"] = rate(q, batches(index, mixed, 1_000))
    figures["batch_checks_per_s_half_hits"] = rate(q, batches(index, half, 10_000))
    denied = sum(d is not None for d in index.lookup_many(mixed, SCOPES, TODAY))
    figures["denied_share_of_mixed"] = denied / q
    figures |= measure_set(restricted, mixed)
    figures["index_vs_set_ratio"] = figures["index_lookups_per_s"] / figures["set_lookups_per_s"]
    figures |= measure_service(index, mixed)
    figures |= measure_updates(index, restricted, others, rows, mixed)
    figures |= measure_polls(rows, restricted)

    out = {k: round(v) if v >= 100 else round(v, 3) for k, v in figures.items()}
    print(f"check index bench: {N:,} restrictions, rail standard-class checks, best of {REPEATS}")
    for name, value in out.items():
        print(f"  {name:<42} {value:>14,}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
