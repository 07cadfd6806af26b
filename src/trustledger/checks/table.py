"""The check index's immutable column arrays, bucketed by key, with scalar and vectorized search.

Rows are sorted by (key % modulus, key), modulus a prime near the row count, and `offsets[b]` is
the first row of bucket b: a lookup reads two offsets and compares about one key. That is a hash
table whose buckets are runs of a sorted array, so it costs about 4 bytes a row on top of the
sorted keys; a subject's rows are adjacent, in the order they were given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from trustledger.checks.rows import Denial, Row

I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Arrays:
    """Unsorted columns of a table; restriction ids are byte ranges of `blob`."""

    keys: I64
    starts: NDArray[np.int32]
    lasts: NDArray[np.int32]
    masks: NDArray[np.uint8]
    reason_codes: NDArray[np.uint16]  # indexes into `reasons`
    reasons: tuple[str, ...]
    id_starts: NDArray[np.uint32]
    id_lens: NDArray[np.unsignedinteger[Any]]  # uint8 unless an id is longer than 255 bytes
    blob: bytes


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


class Table:
    """Rows sorted into buckets; never changed after construction, so readers need no lock."""

    __slots__ = ("_views", "a", "modulus", "offsets", "scalar", "size")

    def __init__(self, a: Arrays) -> None:
        n = len(a.keys)
        self.size = n
        self.modulus = modulus_for(n)
        buckets = np.remainder(a.keys, self.modulus)
        order = np.lexsort((a.keys, buckets))  # stable: a subject's rows keep their given order
        self.a = Arrays(
            keys=a.keys[order],
            starts=a.starts[order],
            lasts=a.lasts[order],
            masks=a.masks[order],
            reason_codes=a.reason_codes[order],
            reasons=a.reasons,
            id_starts=a.id_starts[order],
            id_lens=a.id_lens[order],
            blob=a.blob,
        )
        counts = np.bincount(buckets, minlength=self.modulus)
        self.offsets = np.zeros(self.modulus + 1, dtype=np.uint32)
        np.cumsum(counts, out=self.offsets[1:])
        # memoryviews index to Python ints about 3x faster than numpy scalar indexing does.
        s = self.a
        self.scalar = (s.keys.data, self.offsets.data, self.modulus)
        self._views = (s.starts.data, s.lasts.data, s.masks.data)

    @property
    def nbytes(self) -> int:
        s = self.a
        arrays = (s.keys, s.starts, s.lasts, s.masks, s.reason_codes, s.id_starts, s.id_lens)
        return sum(x.nbytes for x in arrays) + len(s.blob) + self.offsets.nbytes

    def row(self, i: int) -> Row:
        s = self.a
        start = int(s.id_starts[i])
        rid = s.blob[start : start + int(s.id_lens[i])].decode()
        reason = s.reasons[int(s.reason_codes[i])]
        return Row(int(s.starts[i]), int(s.lasts[i]), int(s.masks[i]), reason, rid)

    def denial(self, i: int) -> Denial:
        return self.row(i).denial()

    def best_from(self, i: int, key: int, mask: int, day: int) -> int:
        """The barring row of `key` that ends last, scanning its rows from `i`; -1 if none bars."""
        keys = self.scalar[0]
        starts, lasts, masks = self._views
        best, best_last = -1, -1
        while i < self.size and keys[i] == key:
            if masks[i] & mask and starts[i] <= day <= lasts[i] and lasts[i] > best_last:
                best, best_last = i, lasts[i]
            i += 1
        return best

    def first_rows(self, keys: I64) -> I64:
        """Vectorized: each key's first row, or -1 when it has none."""
        buckets = np.remainder(keys, self.modulus)
        pos = self.offsets[buckets].astype(np.int64)
        end = self.offsets[buckets + 1].astype(np.int64)
        first = np.full(keys.shape, -1, dtype=np.int64)
        todo = np.flatnonzero(pos < end)
        while todo.size:  # one pass per row of the fullest bucket searched: a handful
            at = pos[todo]
            hit = self.a.keys[at] == keys[todo]
            first[todo[hit]] = at[hit]
            todo = todo[~hit]
            pos[todo] += 1
            todo = todo[pos[todo] < end[todo]]
        return first

    def best_rows(self, keys: I64, mask: int, day: int) -> I64:
        """Vectorized `best_from`: each key's barring row that ends last, or -1."""
        s = self.a
        best = np.full(keys.shape, -1, dtype=np.int64)
        best_last = np.full(keys.shape, -1, dtype=np.int64)
        first = self.first_rows(keys)
        todo = np.flatnonzero(first >= 0)
        at = first[todo]
        while todo.size:  # one pass per restriction of the subject that has most
            last = s.lasts[at].astype(np.int64)
            bars = (s.masks[at] & mask != 0) & (s.starts[at] <= day) & (last >= day)
            better = bars & (last > best_last[todo])
            best[todo[better]] = at[better]
            best_last[todo[better]] = last[better]
            at = at + 1
            more = at < self.size
            more[more] = s.keys[at[more]] == keys[todo[more]]
            todo, at = todo[more], at[more]
        return best

    def row_mask(self, keys: I64) -> NDArray[np.bool_]:
        """Vectorized: which rows belong to one of `keys`."""
        marks = np.zeros(self.size + 1, dtype=np.int64)
        first = self.first_rows(keys)
        first = first[first >= 0]
        stop = first + 1
        while first.size:  # extend each run to the end of its subject's rows
            more = stop < self.size
            more[more] = self.a.keys[stop[more]] == self.a.keys[first[more]]
            if not more.any():
                break
            stop[more] += 1
        marks[first] += 1
        marks[stop] -= 1
        return np.cumsum(marks[:-1]) > 0
