"""Rows gathered into column arrays: a table built in bulk, or merged with replaced subjects."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from trustledger.checks.rows import Row
from trustledger.checks.table import Arrays, Table
from trustledger.domain.errors import InvalidInput

# Compact the id blob when dead ids (of replaced rows) take more than half of it.
_MAX_DEAD_SHARE = 0.5


@dataclass(slots=True)
class Columns:
    """Rows gathered column by column, in the order given."""

    keys: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    lasts: list[int] = field(default_factory=list)
    masks: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def add(self, key: int, row: Row) -> None:
        self.keys.append(key)
        self.starts.append(row.start)
        self.lasts.append(row.last)
        self.masks.append(row.mask)
        self.reasons.append(row.reason)
        self.ids.append(row.restriction_id)

    def extend(self, key: int, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(key, row)

    def arrays(self, *, reasons: tuple[str, ...] = (), blob: bytes = b"") -> Arrays:
        """The columns as arrays; reason codes extend `reasons` and ids are appended to `blob`."""
        known = {r: i for i, r in enumerate(reasons)}
        for r in dict.fromkeys(self.reasons):
            known.setdefault(r, len(known))
        encoded = [i.encode() for i in self.ids]
        lens = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        if len(blob) + int(lens.sum()) >= 1 << 32:
            raise InvalidInput("restriction_id", "the ids exceed the check index's 4 GiB id store")
        return Arrays(
            keys=np.asarray(self.keys, dtype=np.int64),
            starts=np.asarray(self.starts, dtype=np.int32),
            lasts=np.asarray(self.lasts, dtype=np.int32),
            masks=np.asarray(self.masks, dtype=np.uint8),
            reason_codes=np.asarray([known[r] for r in self.reasons], dtype=np.uint16),
            reasons=tuple(known),
            id_starts=(len(blob) + np.cumsum(lens) - lens).astype(np.uint32),
            id_lens=lens.astype(_len_dtype(lens)),
            blob=blob + b"".join(encoded),
        )


def _len_dtype(lens: np.typing.NDArray[np.int64]) -> type[np.uint8] | type[np.uint16]:
    longest = int(lens.max()) if lens.size else 0
    if longest >= 1 << 16:
        raise InvalidInput("restriction_id", f"{longest} bytes long; the check index holds < 65536")
    return np.uint8 if longest < 1 << 8 else np.uint16


def build_table(cols: Columns) -> Table:
    return Table(cols.arrays())


def merge_table(table: Table, changes: Mapping[int, Sequence[Row]]) -> Table:
    """`table` with every row of the subjects in `changes` replaced by the rows given there."""
    old = table.a
    keep = ~table.row_mask(np.fromiter(changes, dtype=np.int64, count=len(changes)))
    cols = Columns()
    for key, rows in changes.items():
        cols.extend(key, rows)
    new = cols.arrays(reasons=old.reasons, blob=old.blob)
    lens = np.concatenate([old.id_lens[keep], new.id_lens])
    merged = Arrays(
        keys=np.concatenate([old.keys[keep], new.keys]),
        starts=np.concatenate([old.starts[keep], new.starts]),
        lasts=np.concatenate([old.lasts[keep], new.lasts]),
        masks=np.concatenate([old.masks[keep], new.masks]),
        reason_codes=np.concatenate([old.reason_codes[keep], new.reason_codes]),
        reasons=new.reasons,
        id_starts=np.concatenate([old.id_starts[keep], new.id_starts]),
        id_lens=lens.astype(_len_dtype(lens.astype(np.int64))),
        blob=new.blob,
    )
    live = int(lens.sum(dtype=np.int64))
    if len(merged.blob) - live > _MAX_DEAD_SHARE * len(merged.blob):
        merged = _compacted(merged)
    return Table(merged)


def _compacted(a: Arrays) -> Arrays:
    """`a` with a blob holding only its live ids, in row order."""
    view = memoryview(a.blob)
    spans = zip(a.id_starts.tolist(), a.id_lens.tolist(), strict=True)
    blob = b"".join([view[s : s + n] for s, n in spans])
    lens = a.id_lens.astype(np.int64)
    starts = (np.cumsum(lens) - lens).astype(np.uint32)
    return Arrays(
        a.keys, a.starts, a.lasts, a.masks, a.reason_codes, a.reasons, starts, a.id_lens, blob
    )
