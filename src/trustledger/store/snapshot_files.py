"""Check snapshots on disk: a directory of .npy arrays and meta.json, memory-mapped back.

A snapshot is a directory: `rows.npy`, `offsets.npy`, `ids.npy` (checks/snapshot.py says what
they hold) and `meta.json`. Loading maps the arrays instead of reading them. It is written to a
temporary directory and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from trustledger.checks.index import CheckIndex
from trustledger.checks.snapshot import (
    ARRAYS,
    Snapshot,
    SnapshotParts,
    decode_snapshot,
    encode_snapshot,
)
from trustledger.domain.errors import InvalidInput


def write_snapshot(index: CheckIndex, path: Path, *, seq: int) -> int:
    """Write `index` (its overlay folded in) to `path`; returns the restrictions written."""
    parts = encode_snapshot(index, seq=seq)
    path = Path(path)
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    for name in ARRAYS:
        np.save(fresh / f"{name}.npy", parts.arrays[name], allow_pickle=False)
    (fresh / "meta.json").write_text(json.dumps(parts.meta))
    _swap_in(fresh, path)
    return parts.restrictions


def _swap_in(fresh: Path, path: Path) -> None:
    old = path.with_name(f".{path.name}.{os.getpid()}.old")
    if path.exists():
        path.rename(old)
    fresh.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def read_snapshot(path: Path) -> Snapshot:
    """The index a snapshot holds, its arrays memory-mapped; a clear error if it is not one."""
    path = Path(path)
    try:
        meta = json.loads((path / "meta.json").read_text())
        arrays = {n: np.load(path / f"{n}.npy", mmap_mode="r", allow_pickle=False) for n in ARRAYS}
    except (OSError, ValueError) as exc:
        raise InvalidInput("snapshot", f"{path} is not a readable check snapshot: {exc}") from exc
    return decode_snapshot(SnapshotParts(arrays, meta), name=str(path))
