"""The check index as a snapshot on disk, stamped with the event seq it holds, memory-mapped back.

A snapshot is a directory: `rows.npy` (the table's packed rows, already in bucket order),
`offsets.npy` (where each bucket starts), `ids.npy` (the restriction ids' string, as bytes) and
`meta.json` (format, seq, reasons, counts). Loading maps the arrays instead of reading them and
sorts nothing, so a replica answers its first check after a few page faults, then follows the
events after `seq`. It is written to a temporary directory and renamed into place, so a reader
never sees half of one.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trustledger.checks.index import CheckIndex
from trustledger.checks.table import Table
from trustledger.domain.errors import InvalidInput

FORMAT = 1
ARRAYS = ("rows", "offsets", "ids")


@dataclass(frozen=True, slots=True)
class Snapshot:
    index: CheckIndex
    seq: int  # every event up to this seq is in the index; follow the log after it
    restrictions: int


def write_snapshot(index: CheckIndex, path: Path, *, seq: int) -> int:
    """Write `index` (its overlay folded in) to `path`; returns the restrictions written."""
    table = index.merged()
    ascii_ids = table.blob.isascii()
    ids = table.blob.encode("ascii" if ascii_ids else "utf-32-le")
    meta = {
        "format": FORMAT,
        "seq": seq,
        "restrictions": table.size,
        "reasons": list(table.reasons),
        "ids": "ascii" if ascii_ids else "utf-32-le",
    }
    path = Path(path)
    fresh = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    np.save(fresh / "rows.npy", table.rows, allow_pickle=False)
    np.save(fresh / "offsets.npy", table.offsets, allow_pickle=False)
    np.save(fresh / "ids.npy", np.frombuffer(ids, dtype=np.uint8), allow_pickle=False)
    (fresh / "meta.json").write_text(json.dumps(meta))
    _swap_in(fresh, path)
    return table.size


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
    if meta.get("format") != FORMAT:
        raise InvalidInput("snapshot", f"{path} is of format {meta.get('format')}, not {FORMAT}")
    blob = arrays["ids"].tobytes().decode(meta["ids"])
    table = Table.restored(
        arrays["rows"], arrays["offsets"], reasons=tuple(meta["reasons"]), blob=blob
    )
    return Snapshot(CheckIndex(table), int(meta["seq"]), int(meta["restrictions"]))
