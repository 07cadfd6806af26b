"""The vault's cost to a new registry: its first import with the vault empty vs crowded.

Baseline, in the same run: `import` of N generated records (default 2,000) into a new SQLite
registry whose vault holds nothing else. Then the same import into another new registry whose
vault already holds `--others` registries (default 50), each with the buckets a registry of N
records uses (their keys made through the vault itself, no database needed). `crowded_ratio` is
the crowded import's seconds over the empty one's: 1.0 means other registries cost nothing.

It also times a registry whose vault has all 65,536 buckets: making them in one write, the
vault's size then, and one rotation in it (what an erasure pays at national scale).

    python bench/vault.py [--records N] [--others N] [--single N] [--reps N]

The last line printed is JSON of these figures.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from intake import generate, timed_import  # bench/intake.py

from trustledger.store.crypto import MasterKey
from trustledger.store.vault import Vault

BUCKETS = 1 << 16


def vault_bytes(vault: Path) -> int:
    """Every file of the vault: the one file, or the file of each registry."""
    return sum(p.stat().st_size for p in vault.parent.glob(vault.name + "*") if p.is_file())


def buckets_used(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        query = "SELECT count(DISTINCT substr(pseudonym, 1, 4)) FROM data_keys"
        return int(conn.execute(query).fetchone()[0])


def crowd(vault: Path, master: MasterKey, others: int, buckets: int) -> None:
    for _ in range(others):
        chosen = {f"{secrets.randbelow(BUCKETS):04x}" for _ in range(buckets)}
        Vault(vault, master).current_many(secrets.token_hex(16), chosen)


def import_into(vault: Path, records: Path, *, chunk: int) -> float:
    """Seconds of `import` into a new registry (its own database) that keeps its keys in `vault`."""
    os.environ["TRUSTLEDGER_VAULT_FILE"] = str(vault)
    db = vault.parent / f"{secrets.token_hex(4)}.db"
    seconds, _ = timed_import(f"sqlite:///{db}", records, chunk)
    return seconds


def compared(tmp: Path, records: Path, *, chunk: int, reps: int) -> tuple[float, float]:
    """Median seconds of the import with the empty vault and with the crowded one, alternated."""
    empty: list[float] = []
    crowded: list[float] = []
    for _ in range(reps):
        fresh = tmp / f"empty-{secrets.token_hex(4)}"
        fresh.mkdir()
        empty.append(import_into(fresh / "test.vault", records, chunk=chunk))
        crowded.append(import_into(tmp / "crowded" / "test.vault", records, chunk=chunk))
    return statistics.median(empty), statistics.median(crowded)


def full_registry(tmp: Path, master: MasterKey) -> dict[str, float]:
    vault = tmp / "full" / "test.vault"
    vault.parent.mkdir()
    started = time.perf_counter()
    Vault(vault, master).current_many("full", {f"{b:04x}" for b in range(BUCKETS)})
    made = time.perf_counter() - started
    started = time.perf_counter()
    Vault(vault, master).rotate("full", {"abcd"})
    rotated = time.perf_counter() - started
    return {
        "full_make_s": round(made, 3),
        "full_bytes": vault_bytes(vault),
        "full_rotate_s": round(rotated, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--others", type=int, default=50)
    parser.add_argument("--single", type=int, default=100)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    master_text = MasterKey.new_text()
    os.environ["TRUSTLEDGER_MASTER_KEY"] = master_text
    master = MasterKey.parse(master_text)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        records, single = tmp / "records.jsonl", tmp / "single.jsonl"
        generate(records, args.records, date.today())
        generate(single, args.single, date.today(), seed=11)
        (tmp / "sized").mkdir()
        import_into(tmp / "sized" / "test.vault", records, chunk=5000)
        # The other registries are this import's size: they hold the buckets it used.
        used = buckets_used(next((tmp / "sized").glob("*.db")))
        (tmp / "crowded").mkdir()
        started = time.perf_counter()
        crowd(tmp / "crowded" / "test.vault", master, args.others, used)
        crowding = time.perf_counter() - started
        before = vault_bytes(tmp / "crowded" / "test.vault")
        empty, crowded = compared(tmp, records, chunk=5000, reps=args.reps)
        print(
            f"import of {args.records:,} records into a new registry (median of {args.reps}):"
            f" {empty:.2f} s with the vault empty, {crowded:.2f} s with {args.others} other"
            f" registries ({used:,} buckets each, {before:,} bytes) in it:"
            f" ratio {crowded / empty:.3f}"
        )
        one_empty, one_crowded = compared(tmp, single, chunk=1, reps=args.reps)
        print(
            f"{args.single} records one a transaction (single writes): {one_empty:.2f} s with"
            f" the vault empty, {one_crowded:.2f} s crowded: ratio {one_crowded / one_empty:.3f}"
        )
        result: dict[str, float] = {
            "records": args.records,
            "others": args.others,
            "buckets_each": used,
            "crowded_vault_bytes": before,
            "crowding_s": round(crowding, 3),
            "empty_import_s": round(empty, 3),
            "crowded_import_s": round(crowded, 3),
            "crowded_ratio": round(crowded / empty, 3),
            "single": args.single,
            "single_empty_s": round(one_empty, 3),
            "single_crowded_s": round(one_crowded, 3),
            "single_crowded_ratio": round(one_crowded / one_empty, 3),
        }
        full = full_registry(tmp, master)
        print(
            f"all {BUCKETS:,} buckets of one registry: made in {full['full_make_s']:.3f} s,"
            f" {full['full_bytes']:,} bytes; one rotation {full['full_rotate_s']:.3f} s"
        )
        result |= full
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
