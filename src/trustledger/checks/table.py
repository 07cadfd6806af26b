"""The check index's immutable table: packed 24-byte rows, bucketed by key, scalar and batch search.

Rows are sorted by (key % modulus, key), modulus a prime near the row count, and `offsets[b]` is
where bucket b starts: a lookup reads two offsets and compares about one key. That is a hash table
whose buckets are runs of a sorted array, at 4 bytes a row on top of the rows; a subject's rows
are adjacent, in the order they were given. A row packs the key, int32 day ordinals and a meta
word into one record, so a hit costs one cache miss where separate columns cost six (measured:
1.1 µs against 1.7 µs a random hit on 1M rows). Restriction ids are slices of one string.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from trustledger.checks.rows import Denial, day_of, make_denial
from trustledger.domain.errors import InvalidInput

I64 = NDArray[np.int64]
# meta = scope mask (3 bits) | reason code << 3 (13 bits) | id length << 16 (16 bits)
ROW = np.dtype(
    [("key", "<i8"), ("start", "<i4"), ("last", "<i4"), ("meta", "<u4"), ("id_at", "<u4")]
)
WORDS = ROW.itemsize // 8  # int64 words a row: the scalar path indexes rows as words
MAX_REASONS = 1 << 13
MAX_ID_CHARS = (1 << 16) - 1
MAX_ROWS = (1 << 32) // WORDS - 1  # offsets are uint32 word positions


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows in any order, with the reason names their codes index and the string of their ids."""

    rows: NDArray[np.void]
    reasons: tuple[str, ...]
    blob: str  # a str slices to a str in one step; ASCII ids take 1 byte a character


def pack_meta(masks: I64, codes: I64, id_lens: I64) -> NDArray[np.uint32]:
    if codes.size and int(codes.max()) >= MAX_REASONS:
        raise InvalidInput("reason", f"the check index holds at most {MAX_REASONS} reason codes")
    if id_lens.size and int(id_lens.max()) > MAX_ID_CHARS:
        raise InvalidInput("restriction_id", f"longer than the index's {MAX_ID_CHARS} characters")
    return (masks | codes << 3 | id_lens << 16).astype(np.uint32)


def _is_prime(n: int) -> bool:
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37)
    if n < 2 or any(n % p == 0 for p in small):
        return n in small
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in small:  # deterministic Miller-Rabin for every n < 3.3e24
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def modulus_for(rows: int) -> int:
    """A prime at least `rows`: keeps the decimal structure of identity numbers out of buckets."""
    n = max(rows, 2)
    while not _is_prime(n):
        n += 1
    return n


def _ids_in_order(rows: NDArray[np.void], blob: str) -> NDArray[np.void]:
    """A subject's rows in restriction-id order, whatever order they were given in.

    On a tie of end dates the first barring row answers; with the order fixed by the ids, a
    start-up load (storage order) and a live update (compile_rows: id order) answer alike.
    """
    keys = rows["key"]
    repeated = np.flatnonzero(keys[1:] == keys[:-1])
    if not repeated.size:
        return rows
    # Every row of a subject with several: whole runs of equal keys, already in key order.
    at = np.union1d(repeated, repeated + 1)
    lens = (rows["meta"][at] >> 16).tolist()
    starts = rows["id_at"][at].tolist()
    ids = [blob[a : a + n] for a, n in zip(starts, lens, strict=True)]
    # Runs sit in bucket order, not key order: rank by (run, id) so rows stay in their run.
    run_keys = keys[at]
    fresh = np.ones(len(at), dtype=bool)
    fresh[1:] = (run_keys[1:] != run_keys[:-1]) | (at[1:] != at[:-1] + 1)
    runs = np.cumsum(fresh).tolist()
    ranked = sorted(range(len(at)), key=lambda i: (runs[i], ids[i]))
    rows = rows.copy()
    rows[at] = rows[at[ranked]]
    return rows


class Table:
    """Rows sorted into buckets; never changed after construction, so readers need no lock."""

    __slots__ = ("blob", "modulus", "offsets", "reasons", "rows", "scalar", "size", "u32")

    def __init__(self, r: Rows, *, ids_in_order: bool = False) -> None:
        """`ids_in_order`: each subject's rows already come in id order (a merge's do)."""
        n = len(r.rows)
        if n > MAX_ROWS:
            raise InvalidInput("restrictions", f"the check index holds at most {MAX_ROWS} rows")
        self.size, self.modulus, self.reasons, self.blob = n, modulus_for(n), r.reasons, r.blob
        keys = r.rows["key"]
        buckets = np.remainder(keys, self.modulus)
        order = np.lexsort((keys, buckets))  # stable: a subject's rows keep their given order
        rows = r.rows[order]
        self.rows = rows if ids_in_order else _ids_in_order(rows, r.blob)
        counts = np.bincount(buckets, minlength=self.modulus)
        self.offsets = np.zeros(self.modulus + 1, dtype=np.uint32)
        np.cumsum(counts * WORDS, out=self.offsets[1:])
        # memoryviews index to Python ints about 3x faster than numpy scalar indexing does.
        self.scalar = (self.rows.view(np.int64).data, self.offsets.data, self.modulus)
        self.u32 = self.rows.view(np.uint32).data  # a row's fields at 2 * word + 2 .. 5

    @classmethod
    def restored(
        cls,
        rows: NDArray[np.void],
        offsets: NDArray[np.uint32],
        *,
        reasons: tuple[str, ...],
        blob: str,
    ) -> Table:
        """A table from the arrays another one held (a snapshot's, memory-mapped): not re-sorted."""
        if rows.dtype != ROW or offsets.dtype != np.uint32 or len(offsets) < 2:
            raise InvalidInput("snapshot", "its arrays are not those of this version's check index")
        table = cls.__new__(cls)
        table.size, table.modulus, table.reasons, table.blob = (
            len(rows),
            len(offsets) - 1,
            reasons,
            blob,
        )
        table.rows, table.offsets = rows, offsets
        if int(offsets[-1]) != table.size * WORDS:
            raise InvalidInput("snapshot", "its bucket offsets do not cover its rows")
        table.scalar = (rows.view(np.int64).data, offsets.data, table.modulus)
        table.u32 = rows.view(np.uint32).data
        return table

    @property
    def nbytes(self) -> int:
        blob = sys.getsizeof(self.blob) - sys.getsizeof("")  # 1 byte a character while ASCII
        return self.rows.nbytes + self.offsets.nbytes + blob

    def deny_from(self, word: int, key: int, mask: int, day: int) -> Denial | None:
        """The Denial by `key`'s barring row that ends last, its rows starting at `word`."""
        words, u32, stop = self.scalar[0], self.u32, self.size * WORDS
        best, best_last = -1, -1
        while True:
            f = 2 * word  # the row's start, last, meta and id_at are u32[f + 2 .. f + 5]
            if u32[f + 4] & mask and u32[f + 2] <= day <= u32[f + 3] and u32[f + 3] > best_last:
                best, best_last = f, u32[f + 3]
            word += WORDS
            if word == stop or words[word] != key:
                break
        if best < 0:
            return None
        meta, at = u32[best + 4], u32[best + 5]
        reason = self.reasons[meta >> 3 & 0x1FFF]
        return make_denial(Denial, (reason, day_of(best_last), self.blob[at : at + (meta >> 16)]))

    def denials(self, best: I64) -> list[Denial | None]:
        """Answers for `best_rows`' result: gathered in numpy, Python objects only where barred."""
        out: list[Denial | None] = [None] * len(best)
        for i, denial in zip(*self.barred(best), strict=True):
            out[i] = denial
        return out

    def barred(self, best: I64) -> tuple[list[int], list[Denial]]:
        """`denials` for the barred positions only: those positions and their Denials."""
        where = np.flatnonzero(best >= 0)
        hit = self.rows[best[where]]
        meta = hit["meta"].astype(np.int64)
        codes, lens = (meta >> 3 & 0x1FFF).tolist(), (meta >> 16).tolist()
        blob, reasons = self.blob, self.reasons
        lasts, ats = hit["last"].tolist(), hit["id_at"].tolist()
        found = zip(codes, lasts, ats, lens, strict=True)
        denials = [
            make_denial(Denial, (reasons[code], day_of(last), blob[at : at + n]))
            for code, last, at, n in found
        ]
        return where.tolist(), denials

    def first_rows(self, keys: I64) -> I64:
        """Vectorized: each key's first row, or -1 when it has none."""
        buckets = np.remainder(keys, self.modulus)
        pos = self.offsets[buckets].astype(np.int64) // WORDS
        end = self.offsets[buckets + 1].astype(np.int64) // WORDS
        first = np.full(keys.shape, -1, dtype=np.int64)
        todo = np.flatnonzero(pos < end)
        row_keys = self.rows["key"]
        while todo.size:  # one pass per row of the fullest bucket searched: a handful
            at = pos[todo]
            hit = row_keys[at] == keys[todo]
            first[todo[hit]] = at[hit]
            todo = todo[~hit]
            pos[todo] += 1
            todo = todo[pos[todo] < end[todo]]
        return first

    def best_rows(self, keys: I64, mask: int, day: int) -> I64:
        """Vectorized `deny_from`: each key's barring row that ends last, or -1."""
        best = np.full(keys.shape, -1, dtype=np.int64)
        best_last = np.full(keys.shape, -1, dtype=np.int64)
        first = self.first_rows(keys)
        todo = np.flatnonzero(first >= 0)
        at = first[todo]
        row_keys = self.rows["key"]
        while todo.size:  # one pass per restriction of the subject that has most
            row = self.rows[at]
            last = row["last"].astype(np.int64)
            bars = (row["meta"] & mask != 0) & (row["start"] <= day) & (last >= day)
            better = bars & (last > best_last[todo])
            best[todo[better]] = at[better]
            best_last[todo[better]] = last[better]
            at = at + 1
            more = at < self.size
            more[more] = row_keys[at[more]] == keys[todo[more]]
            todo, at = todo[more], at[more]
        return best

    def row_mask(self, keys: I64) -> NDArray[np.bool_]:
        """Vectorized: which rows belong to one of `keys`."""
        row_keys = self.rows["key"]
        first = self.first_rows(keys)
        first = first[first >= 0]
        stop = first + 1
        while True:  # extend each run to the end of its subject's rows
            more = stop < self.size
            more[more] = row_keys[stop[more]] == row_keys[first[more]]
            if not more.any():
                break
            stop[more] += 1
        marks = np.zeros(self.size + 1, dtype=np.int64)
        marks[first] += 1
        marks[stop] -= 1
        return np.cumsum(marks[:-1]) > 0
