"""Bench the transparency log: appends/s, and proof generation and verification at 10M leaves.

1. Appends: audit entries written through the audit trail, then logged by `integrate` (reading
   the rows, hashing their canonical bytes, storing leaves and completed subtrees) in SQLite.
   Baseline in the same run: hashing the same entries' bytes alone (SHA-256 of each, no I/O).
2. Proofs at N leaves (default 10,000,000; TRUSTLEDGER_BENCH_LEAVES): a tree of N leaves is
   stored as `integrate` stores it, then inclusion and consistency proofs are read for random
   leaves and sizes and verified. Baseline: one primary-key lookup of a leaf hash in the same
   table. The same proofs at N/1000 leaves show the O(log n) growth.

Prints a table, then as its last line one JSON object of the figures and ratios.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, select

from trustledger.bootstrap import Registry, open_registry
from trustledger.domain.audit import AuditEntry
from trustledger.domain.merkle import (
    CompactRange,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from trustledger.store import tables as t
from trustledger.store.bulk import insert_rows
from trustledger.store.data_keys import SqlDataKeys
from trustledger.store.log_entries import AUDIT, AUDIT_TAG, audit_bytes
from trustledger.store.tlog import SqlTransparencyLog

LEAVES = int(os.environ.get("TRUSTLEDGER_BENCH_LEAVES", "10000000"))
APPENDS = int(os.environ.get("TRUSTLEDGER_BENCH_APPENDS", "200000"))
PROOFS = int(os.environ.get("TRUSTLEDGER_BENCH_PROOFS", "500"))
SEED = 20261201
CHUNK = 200_000


def best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def measure_appends(tmp: Path) -> dict[str, float]:
    registry = open_registry(f"sqlite:///{tmp / 'appends.db'}")
    registry.migrate()
    now = datetime(2026, 12, 1, 9, 0)
    entries = [
        AuditEntry(f"officer-{i % 97}", "file.read", f"1101051949123{i % 10_000:05d}",
                   "bench", now, f"as_of=2026-12-01 n={i}")
        for i in range(APPENDS)
    ]  # fmt: skip
    with registry.uow() as uow:
        for i in range(0, APPENDS, CHUNK):
            uow.audit.append(entries[i : i + CHUNK])
        uow.commit()
    with registry.engine.connect() as conn:
        rows = conn.execute(select(t.audit_log)).all()
    encoded = [audit_bytes(r) for r in rows]
    hashing = best_of(3, lambda: [hashlib.sha256(b"\x00" + e).digest() for e in encoded])
    start = time.perf_counter()
    with registry.uow() as uow:
        size = uow.log.integrate()
        uow.commit()
    integrate = time.perf_counter() - start
    registry.close()
    assert size == APPENDS
    return {
        "appends": APPENDS,
        "appends_per_s": APPENDS / integrate,
        "raw_leaf_hashes_per_s": APPENDS / hashing,
        "appends_vs_raw_hashing_ratio": hashing / integrate,
    }


def build_tree(tmp: Path, n: int, name: str) -> tuple[Registry, bytes]:
    """N leaves and their subtrees stored as integrate stores them (leaves of synthetic rows)."""
    registry = open_registry(f"sqlite:///{tmp / name}")
    registry.migrate()
    tree = CompactRange()
    with registry.uow() as uow:
        conn = uow.log._conn  # the bench writes the log tables directly, in one transaction
        for start in range(0, n, CHUNK):
            leaves, nodes = [], []
            for i in range(start, min(n, start + CHUNK)):
                h = leaf_hash(AUDIT_TAG + i.to_bytes(8, "big"))
                leaves.append({"idx": i, "kind": AUDIT, "ref": i + 1, "hash": h})
                nodes.extend(
                    {"level": lv, "idx": x, "hash": nh} for lv, x, nh in tree.append(h)[1:]
                )
            insert_rows(conn, t.log_leaves, leaves)
            insert_rows(conn, t.log_nodes, nodes)
        uow.commit()
    return registry, tree.root()


def measure_proofs(tmp: Path, n: int, name: str) -> dict[str, float]:
    start = time.perf_counter()
    registry, root = build_tree(tmp, n, name)
    built = time.perf_counter() - start
    rng = random.Random(SEED)
    indices = [rng.randrange(n) for _ in range(PROOFS)]
    firsts = [rng.randrange(1, n) for _ in range(PROOFS)]
    figures: dict[str, float] = {"leaves": n, "build_s": built}
    with registry.engine.connect() as conn:
        log = SqlTransparencyLog(conn, SqlDataKeys(conn, lambda: registry.keyring))

        def leaf_hashes() -> list[bytes]:
            query = select(t.log_leaves.c.hash).where(t.log_leaves.c.idx == bindparam("i"))
            return [bytes(conn.execute(query, {"i": i}).scalar_one()) for i in indices]

        lookup = best_of(3, leaf_hashes)
        leaves = leaf_hashes()
        paths = [log.inclusion(i, n) for i in indices]
        inclusion = best_of(3, lambda: [log.inclusion(i, n) for i in indices])
        proofs = [log.consistency(m, n) for m in firsts]
        consistency = best_of(3, lambda: [log.consistency(m, n) for m in firsts])
        old_roots = [log.root(m) for m in firsts[:50]]
        conn.rollback()
    cases = list(zip(leaves, indices, paths, strict=True))
    verified = best_of(3, lambda: [verify_inclusion(h, i, n, p, root) for h, i, p in cases])
    assert all(verify_inclusion(h, i, n, p, root) for h, i, p in cases)
    olds = zip(firsts[:50], old_roots, proofs[:50], strict=True)
    assert all(verify_consistency(m, n, r, root, p) for m, r, p in olds)
    registry.close()
    figures |= {
        "inclusion_proofs_per_s": PROOFS / inclusion,
        "consistency_proofs_per_s": PROOFS / consistency,
        "inclusion_verifications_per_s": PROOFS / verified,
        "leaf_lookups_per_s": PROOFS / lookup,
        "inclusion_proof_vs_lookup_ratio": lookup / inclusion,
        "proof_hashes": sum(len(p) for p in paths) / PROOFS,
    }
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        figures = {f"append_{k}" if not k.startswith("append") else k: v
                   for k, v in measure_appends(tmp).items()}  # fmt: skip
        small = measure_proofs(tmp, max(LEAVES // 1000, 2), "small.db")
        large = measure_proofs(tmp, LEAVES, "large.db")
    figures |= {f"proof_{k}": v for k, v in large.items()}
    figures["small_tree_leaves"] = small["leaves"]
    figures["inclusion_large_vs_small_tree_ratio"] = (
        large["inclusion_proofs_per_s"] / small["inclusion_proofs_per_s"]
    )
    out = {k: round(v) if v >= 100 else round(v, 3) for k, v in figures.items()}
    print(f"transparency log bench: {APPENDS:,} appends, proofs at {LEAVES:,} leaves (SQLite)")
    for name, value in out.items():
        print(f"  {name:<42} {value:>14,}")
    sys.stdout.flush()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
