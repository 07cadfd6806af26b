"""The in-memory check index: does a restriction bar this subject in these scopes on this day?

Active and pending restrictions live in a bucketed table of packed rows (see table.py). Changes
go to an overlay consulted first, so they count from the next lookup on; when the overlay holds
`merge_at` subjects it is merged into a new table, swapped in whole. One writer (`apply`), any
number of readers: a reader takes the overlay before the table, and a merge swaps the table in
before it empties the overlay, so every reader sees each change in the overlay or in the table.
The overlay is changed in place, so that applying a poll costs what its changes do, not what the
overlay holds: each subject's rows are one tuple, replaced by one dict store (a reader sees the
old rows or the new, never half). Its keys are also kept in an array, which a batch lookup
searches in one step: a subject new to the overlay is stored in the dict first, then appended to
the array, and only then is the array's new length published (with the dict and the array, in
one tuple): a reader's keys are all in its dict, and a key in its dict but not yet in its array
is answered from the table, which holds that subject's state before the change. A merge gives
the overlay a new dict and array: one a reader holds is never changed after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from trustledger.checks.columns import Columns, RestrictionColumns, build_table, merge_table
from trustledger.checks.rows import Denial, Row, best_row, compile_row, compile_rows
from trustledger.checks.table import WORDS, Table
from trustledger.domain.barring import mask_of
from trustledger.domain.identity import CnRic, IdentityScheme
from trustledger.domain.restrictions import Restriction
from trustledger.domain.rulebook import Scope

DEFAULT_MERGE_AT = 4096


@dataclass(frozen=True, slots=True)
class SubjectChange:
    """All of one subject's restrictions as they are now (none: an empty tuple)."""

    key: int  # the subject's compact key (IdentityScheme.compact_key)
    restrictions: tuple[Restriction, ...]


def changes_of(
    subjects: Iterable[str],
    found: Mapping[str, Sequence[Restriction]],
    *,
    key: Callable[[str], int],
) -> list[SubjectChange]:
    """The changes that give each of `subjects` the restrictions `found` for it now: a subject
    with none found loses every one it had. How the check feed turns events into changes."""
    return [SubjectChange(key(s), tuple(found.get(s, ()))) for s in subjects]


def _current(table: Table) -> tuple[Table, memoryview, memoryview, int]:
    """The table with what the scalar path reads, in one tuple: one attribute swaps them all."""
    return (table, *table.scalar)


# Changed subjects' rows by key, the array their keys are appended to, and how many of it hold
# keys: one attribute swaps all three.
Overlay = tuple[dict[int, tuple[Row, ...]], NDArray[np.int64], int]

_FIRST_KEYS = 64  # the key array's first length; it doubles when full


def _no_changes() -> Overlay:
    """An empty overlay of its own (it is changed in place, so never shared)."""
    return {}, np.empty(_FIRST_KEYS, dtype=np.int64), 0


class CheckIndex:
    """Restrictions by subject key; answers a check with a Denial or None (allowed)."""

    __slots__ = ("_current", "_overlay", "merge_at")

    def __init__(self, table: Table | None = None, *, merge_at: int = DEFAULT_MERGE_AT) -> None:
        self._current = _current(table if table is not None else build_table(Columns()))
        self._overlay = _no_changes()
        self.merge_at = merge_at

    @classmethod
    def build(
        cls,
        restrictions: Iterable[Restriction],
        *,
        scheme: IdentityScheme | None = None,
        merge_at: int = DEFAULT_MERGE_AT,
    ) -> CheckIndex:
        """An index of `restrictions`, keyed by `scheme` (cn-ric by default) from their subjects."""
        key = (scheme or CnRic()).compact_key
        cols = Columns()
        add = cols.add
        for r in restrictions:
            row = compile_row(r)
            if row is not None:
                add(key(r.subject), row)
        return cls(build_table(cols), merge_at=merge_at)

    @classmethod
    def from_subjects(
        cls, subjects: Iterable[SubjectChange], *, merge_at: int = DEFAULT_MERGE_AT
    ) -> CheckIndex:
        """An index of each subject's restrictions under the key given with them."""
        cols = Columns()
        for subject in subjects:
            cols.extend(subject.key, compile_rows(subject.restrictions))
        return cls(build_table(cols), merge_at=merge_at)

    @classmethod
    def from_columns(
        cls, pages: Iterable[RestrictionColumns], *, merge_at: int = DEFAULT_MERGE_AT
    ) -> CheckIndex:
        """An index of stored restrictions given as columns, under the keys given with them."""
        cols = Columns()
        for page in pages:
            cols.add_columns(page)
        return cls(build_table(cols), merge_at=merge_at)

    @property
    def nbytes(self) -> int:
        """Bytes held by the merged table; the overlay adds at most `merge_at` subjects' rows."""
        return self._current[0].nbytes

    @property
    def rows(self) -> int:
        """Restrictions held in the merged table, not counting the overlay."""
        return self._current[0].size

    @property
    def unmerged(self) -> int:
        """Subjects changed since the last merge."""
        return len(self._overlay[0])

    def lookup(self, key: int, scopes: frozenset[Scope], day: date) -> Denial | None:
        """The restriction barring `key` in any of `scopes` on `day` that ends last, or None."""
        # The hot path: most checks are misses, answered after two offset reads and a key compare.
        overlay = self._overlay[0]
        if key in overlay:
            row = best_row(overlay[key], mask_of(scopes), day.toordinal())
            return None if row is None else row.denial()
        table, words, offsets, modulus = self._current
        bucket = key % modulus
        word = offsets[bucket]
        end = offsets[bucket + 1]
        while word < end:
            if words[word] == key:
                return table.deny_from(word, key, mask_of(scopes), day.toordinal())
            word += WORDS
        return None

    def lookup_many(
        self, keys: Sequence[int] | NDArray[np.int64], scopes: frozenset[Scope], day: date
    ) -> list[Denial | None]:
        """`lookup` for each key, vectorized: the same answers, in the same order."""
        out: list[Denial | None] = [None] * len(keys)
        for i, denial in zip(*self.barred(keys, scopes, day), strict=True):
            out[i] = denial
        return out

    def barred(
        self, keys: Sequence[int] | NDArray[np.int64], scopes: frozenset[Scope], day: date
    ) -> tuple[list[int], list[Denial]]:
        """`lookup_many`'s answers for the barred keys only: their positions, in order, and their
        Denials. A batch is mostly allowed: nothing is built for an allowed key."""
        overlay, held, count = self._overlay
        changed = held[:count]
        table = self._current[0]
        query = np.asarray(keys, dtype=np.int64)
        mask, ordinal = mask_of(scopes), day.toordinal()
        at, denials = table.barred(table.best_rows(query, mask, ordinal))
        if not overlay:
            return at, denials
        answers = dict(zip(at, denials, strict=True))
        for i in np.flatnonzero(np.isin(query, changed)).tolist():
            row = best_row(overlay[int(query[i])], mask, ordinal)
            answers.pop(i, None)
            if row is not None:
                answers[i] = row.denial()
        ordered = sorted(answers)
        return ordered, [answers[i] for i in ordered]

    def apply(self, changes: Iterable[SubjectChange]) -> None:
        """Replace each changed subject's restrictions; seen by the next lookup."""
        rows, keys, count = self._overlay
        new: list[int] = []
        for change in changes:
            if change.key not in rows:
                new.append(change.key)
            rows[change.key] = compile_rows(change.restrictions)  # in the dict before the array
        if new:
            if count + len(new) > len(keys):  # a new array: readers keep the one they hold
                grown = np.empty(max(2 * len(keys), count + len(new)), dtype=np.int64)
                grown[:count] = keys[:count]
                keys = grown
            keys[count : count + len(new)] = new  # past every reader's count
            count += len(new)
            self._overlay = (rows, keys, count)
        if count >= self.merge_at:
            self.merge()

    def take(self, other: CheckIndex) -> None:
        """Hold what `other` holds from now on (a reload, or a snapshot's table). The table is
        swapped in before the overlay, as a merge does: a reader between the two answers from the
        new table, or for a subject changed since the last merge, from that change."""
        self._current = other._current
        self._overlay = other._overlay  # `other` is not applied to after: the overlay is this one's

    def merged(self) -> Table:
        """The table with the overlay folded in, leaving this index as it is (for a snapshot)."""
        # Before the table, as a reader does (see apply and merge); a copy, as apply may be adding
        # to the dict on another thread (dict.copy of int keys is one step under the GIL).
        overlay = self._overlay[0].copy()
        table = self._current[0]
        return merge_table(table, overlay) if overlay else table

    def merge(self) -> None:
        """Fold the overlay into a new table."""
        overlay = self._overlay[0]
        if overlay:
            self._current = _current(merge_table(self._current[0], overlay))
            self._overlay = _no_changes()
