"""Rows gathered column by column into a table: built in bulk from stored columns, or merged with
replaced subjects.

A million restrictions built as domain objects, one by one, took ~28 s; as columns the store
fetches them without an object per row and the index compiles them with numpy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from trustledger.checks.rows import Row
from trustledger.checks.table import ROW, Rows, Table, pack_meta
from trustledger.domain.errors import InvalidInput

# Compact the id string when dead ids (of replaced rows) take more than half of it.
_MAX_DEAD_SHARE = 0.5
NO_DAY = 0  # a null date among day ordinals (date.min is day 1)


@dataclass(frozen=True, slots=True)
class RestrictionColumns:
    """Stored restrictions, a column per field a check reads: their barring spans as the store
    keeps them (domain.barring.BarringSpan; day ordinals, NO_DAY where a restriction never bars).

    A subject's restrictions are in the order they were stored, as the store reads them."""

    keys: NDArray[np.int64]  # the subjects' compact keys
    ids: list[str]
    reasons: list[str]
    firsts: NDArray[np.int64]  # the first day barred
    lasts: NDArray[np.int64]  # the last day barred
    masks: NDArray[np.int64]  # the scopes barred, as SCOPE_BITS

    def __len__(self) -> int:
        return len(self.ids)


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

    def add_columns(self, page: RestrictionColumns) -> None:
        """The rows of `page`'s restrictions that bar on some day."""
        at = np.flatnonzero((page.firsts != NO_DAY) & (page.masks != 0))
        whole = len(at) == len(page)
        self.keys.extend(page.keys[at].tolist())
        self.starts.extend(page.firsts[at].tolist())
        self.lasts.extend(page.lasts[at].tolist())
        self.masks.extend(page.masks[at].tolist())
        self.reasons.extend(page.reasons if whole else [page.reasons[i] for i in at.tolist()])
        self.ids.extend(page.ids if whole else [page.ids[i] for i in at.tolist()])

    def rows(self, *, reasons: tuple[str, ...] = (), blob: str = "") -> Rows:
        """Packed rows; reason codes extend `reasons` and the ids are appended to `blob`."""
        known = {r: i for i, r in enumerate(reasons)}
        for r in dict.fromkeys(self.reasons):
            known.setdefault(r, len(known))
        n = len(self.keys)
        lens = np.fromiter(map(len, self.ids), dtype=np.int64, count=n)
        if len(blob) + int(lens.sum()) >= 1 << 32:
            raise InvalidInput("restriction_id", "the ids exceed the index's 2**32 characters")
        codes = np.fromiter(map(known.__getitem__, self.reasons), dtype=np.int64, count=n)
        out = np.empty(n, dtype=ROW)
        out["key"] = self.keys
        out["start"] = self.starts
        out["last"] = self.lasts
        out["meta"] = pack_meta(np.asarray(self.masks, dtype=np.int64), codes, lens)
        out["id_at"] = len(blob) + np.cumsum(lens) - lens
        return Rows(out, tuple(known), blob + "".join(self.ids))


def build_table(cols: Columns) -> Table:
    return Table(cols.rows())


def merge_table(table: Table, changes: Mapping[int, Sequence[Row]]) -> Table:
    """`table` with every row of the subjects in `changes` replaced by the rows given there."""
    keep = ~table.row_mask(np.fromiter(changes, dtype=np.int64, count=len(changes)))
    cols = Columns()
    for key, rows in changes.items():
        cols.extend(key, rows)
    new = cols.rows(reasons=table.reasons, blob=table.blob)
    merged = Rows(np.concatenate([table.rows[keep], new.rows]), new.reasons, new.blob)
    live = int((merged.rows["meta"] >> 16).sum(dtype=np.int64))
    if len(merged.blob) - live > _MAX_DEAD_SHARE * len(merged.blob):
        merged = _compacted(merged)
    # The kept rows come from a table and the changed subjects' from compile_rows: in id order.
    return Table(merged, ids_in_order=True)


def _compacted(r: Rows) -> Rows:
    """`r` with an id string holding only its live ids, in row order."""
    lens = (r.rows["meta"] >> 16).astype(np.int64)
    blob = r.blob
    spans = zip(r.rows["id_at"].tolist(), lens.tolist(), strict=True)
    rows = r.rows.copy()
    rows["id_at"] = np.cumsum(lens) - lens
    return Rows(rows, r.reasons, "".join([blob[at : at + n] for at, n in spans]))
