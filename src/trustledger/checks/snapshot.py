"""The check index as a snapshot's parts: arrays and a meta dict, stamped with the event seq.

The parts are the table's packed rows (already in bucket order), the bucket offsets, the
restriction ids' string as bytes, and meta (format, seq, reasons, counts). Decoding sorts
nothing, so a replica whose adapter maps the arrays from files (store/snapshot_files.py) answers
its first check after a few page faults, then follows the events after `seq`. Pure: no files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

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


@dataclass(frozen=True, slots=True)
class SnapshotParts:
    arrays: dict[str, NDArray[Any]]  # by the names in ARRAYS
    meta: dict[str, Any]

    @property
    def restrictions(self) -> int:
        return int(self.meta["restrictions"])


def encode_snapshot(index: CheckIndex, *, seq: int) -> SnapshotParts:
    """`index` (its overlay folded in) as a snapshot's parts."""
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
    arrays = {"rows": table.rows, "offsets": table.offsets, "ids": np.frombuffer(ids, np.uint8)}
    return SnapshotParts(arrays, meta)


def decode_snapshot(parts: SnapshotParts, *, name: str) -> Snapshot:
    """The index the parts hold; a clear error naming `name` if they are not a snapshot's."""
    meta = parts.meta
    if meta.get("format") != FORMAT:
        raise InvalidInput("snapshot", f"{name} is of format {meta.get('format')}, not {FORMAT}")
    blob = parts.arrays["ids"].tobytes().decode(meta["ids"])
    table = Table.restored(
        parts.arrays["rows"], parts.arrays["offsets"], reasons=tuple(meta["reasons"]), blob=blob
    )
    return Snapshot(CheckIndex(table), int(meta["seq"]), int(meta["restrictions"]))
