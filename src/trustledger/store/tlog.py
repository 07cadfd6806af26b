"""The transparency log in the database: leaves, the perfect subtrees above them, checkpoints.

`integrate` appends a leaf for every event and audit entry written since the last call (events
first, then audit entries, each in seq order) inside the unit of work's write transaction, so
the tree grows linearly. Each append stores the perfect subtrees it completes, which is what
answers a proof with O(log n) reads. Nothing here is trusted by `verify`: it recomputes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, and_, func, or_, select

from trustledger.domain.errors import InvalidInput, Unavailable
from trustledger.domain.log_leaves import Leaf, LoggedEntry, StoredCheckpoint
from trustledger.domain.merkle import (
    CompactRange,
    Piece,
    Range,
    consistency_ranges,
    fold,
    inclusion_ranges,
    perfect_pieces,
)
from trustledger.store import tables as t
from trustledger.store.audit import SUBJECT_ACTOR
from trustledger.store.bulk import insert_rows
from trustledger.store.data_keys import SqlDataKeys
from trustledger.store.log_entries import AUDIT, EVENT, audit_bytes, leaf_of

T = TypeVar("T")
# Rows read per query when the log integrates new events and audit entries (and leaves per page of
# a walk). Small on purpose: a server integrates a minute of writes at each checkpoint, and reading
# 20,000 full rows at once left glibc's heap ~8 MB bigger after every checkpoint (bench/soak.py's
# RSS growth, issue 17); 2,000 costs nothing measurable in queries.
BATCH = 2_000
IN_BATCH = 500
SOURCES: tuple[tuple[str, Table], ...] = ((EVENT, t.events), (AUDIT, t.audit_log))


class SqlTransparencyLog:
    def __init__(self, conn: Connection, keys: SqlDataKeys) -> None:
        self._conn = conn
        self._keys = keys

    def size(self) -> int:
        last = self._conn.execute(select(func.max(t.log_leaves.c.idx))).scalar()
        return 0 if last is None else int(last) + 1

    def integrate(self) -> int:
        size = self.size()
        tree = CompactRange(size, self._pieces(perfect_pieces(0, size)))
        for kind, table in SOURCES:
            after = self._last_ref(kind)
            while True:
                query = select(table).where(table.c.seq > after).order_by(table.c.seq)
                rows = self._conn.execute(query.limit(BATCH)).all()
                if not rows:
                    break
                self._append(tree, kind, rows)
                after = rows[-1].seq
        return tree.size

    def _append(self, tree: CompactRange, kind: str, rows: Sequence[Any]) -> None:
        leaves, nodes = [], []
        for row in rows:
            h = leaf_of(kind, row)
            leaves.append({"idx": tree.size, "kind": kind, "ref": row.seq, "hash": h})
            for level, idx, node in tree.append(h)[1:]:
                nodes.append({"level": level, "idx": idx, "hash": node})
        insert_rows(self._conn, t.log_leaves, leaves)
        insert_rows(self._conn, t.log_nodes, nodes)

    def _last_ref(self, kind: str) -> int:
        c = t.log_leaves.c
        last = self._conn.execute(select(func.max(c.ref)).where(c.kind == kind)).scalar()
        return 0 if last is None else int(last)

    def root(self, size: int) -> bytes:
        self._check_size(size, "size")
        return fold(self._pieces(perfect_pieces(0, size)))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        self._check_size(size, "size")
        if not 0 <= index < size:
            raise InvalidInput("leaf", f"must lie in 0..{size - 1} for a tree of size {size}")
        return self._range_hashes(inclusion_ranges(index, size))

    def consistency(self, first: int, second: int) -> list[bytes]:
        self._check_size(second, "to")
        if not 0 <= first <= second:
            raise InvalidInput("from", f"must lie in 0..{second}")
        return [] if first == 0 else self._range_hashes(consistency_ranges(first, second))

    def _check_size(self, size: int, field: str) -> None:
        have = self.size()
        if not 0 <= size <= have:
            raise InvalidInput(field, f"the log has {have} leaves; ask for a size in 0..{have}")

    def _range_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        split = [perfect_pieces(lo, hi) for lo, hi in ranges]
        wanted = [p for ps in split for p in ps]
        found = dict(zip(wanted, self._pieces(wanted), strict=True))
        return [fold([found[p] for p in ps]) for ps in split]

    def _pieces(self, pieces: Sequence[Piece]) -> list[bytes]:
        """The stored hashes of perfect subtrees, in the order asked: one query for the leaves
        and one for the nodes above them (a proof needs O(log n) of them)."""
        found: dict[Piece, bytes] = {}
        leaves = sorted({i for level, i in pieces if level == 0})
        for chunk in _chunks(leaves):
            c = t.log_leaves.c
            query = select(c.idx, c.hash).where(c.idx.in_(chunk))
            found.update(((0, r.idx), bytes(r.hash)) for r in self._conn.execute(query))
        nodes: list[Piece] = sorted({p for p in pieces if p[0] > 0})
        for part in _chunks(nodes):
            c = t.log_nodes.c
            by_level: dict[int, list[int]] = {}
            for level, i in part:
                by_level.setdefault(level, []).append(i)
            where = or_(*(and_(c.level == lv, c.idx.in_(ids)) for lv, ids in by_level.items()))
            rows = self._conn.execute(select(c.level, c.idx, c.hash).where(where))
            found.update(((r.level, r.idx), bytes(r.hash)) for r in rows)
        missing = [p for p in pieces if p not in found]
        if missing:
            raise Unavailable(f"transparency log: subtree {missing[0]} is missing from the store")
        return [found[p] for p in pieces]

    def leaf(self, index: int) -> Leaf | None:
        row = self._conn.execute(select(t.log_leaves).where(t.log_leaves.c.idx == index)).first()
        return None if row is None else next(iter(self._with_rows([row])))

    def leaf_of(self, kind: str, ref: int) -> int | None:
        c = t.log_leaves.c
        idx = self._conn.execute(select(c.idx).where(c.kind == kind, c.ref == ref)).scalar()
        return None if idx is None else int(idx)

    def walk(self) -> Iterator[Leaf]:
        after = -1
        while True:
            query = select(t.log_leaves).where(t.log_leaves.c.idx > after)
            rows = self._conn.execute(query.order_by(t.log_leaves.c.idx).limit(BATCH)).all()
            if not rows:
                return
            yield from self._with_rows(rows)
            after = rows[-1].idx

    def _with_rows(self, leaves: Sequence[Any]) -> Iterator[Leaf]:
        content: dict[tuple[str, int], Any] = {}
        for kind, table in SOURCES:
            refs = sorted({leaf.ref for leaf in leaves if leaf.kind == kind})
            for chunk in _chunks(refs):
                for row in self._conn.execute(select(table).where(table.c.seq.in_(chunk))):
                    content[kind, row.seq] = row
        for leaf in leaves:
            stored = content.get((leaf.kind, leaf.ref))
            actual = None if stored is None else leaf_of(leaf.kind, stored)
            subject = None if stored is None else stored.subject
            yield Leaf(leaf.idx, leaf.kind, leaf.ref, bytes(leaf.hash), actual, subject)

    def unlogged(self) -> list[tuple[str, int]]:
        """The first row of each kind, at or below the last one logged, that has no leaf."""
        found = []
        for kind, table in SOURCES:
            c = t.log_leaves.c
            logged = select(c.ref).where(c.kind == kind)
            first = self._conn.execute(
                select(func.min(table.c.seq)).where(
                    table.c.seq <= self._last_ref(kind), table.c.seq.not_in(logged)
                )
            ).scalar()
            if first is not None:
                found.append((kind, int(first)))
        return found

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None:
        row = {
            "size": checkpoint.size,
            "root": checkpoint.root,
            "issued_at": checkpoint.issued_at,
            "note": checkpoint.note,
        }
        insert_rows(self._conn, t.log_checkpoints, [row])

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        c = t.log_checkpoints.c
        row = self._conn.execute(select(t.log_checkpoints).order_by(c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return StoredCheckpoint(row.size, bytes(row.root), row.issued_at, row.note)

    def names(self, subject: str) -> frozenset[str]:
        """How stored rows name a subject: its pseudonym, or the number in a row from before
        sealing (Leaf.subject is one of them)."""
        return frozenset({self._keys.pseudonym(subject), subject})

    def about(self, subject: str, actions: Iterable[str]) -> list[LoggedEntry]:
        """Audit entries about a subject with these actions, oldest first, with their leaf."""
        a, leaves = t.audit_log, t.log_leaves
        query = (
            select(a, leaves.c.idx.label("leaf"))
            .outerjoin(leaves, (leaves.c.kind == AUDIT) & (leaves.c.ref == a.c.seq))
            .where(a.c.subject.in_(sorted(self.names(subject))), a.c.action.in_(list(actions)))
            .order_by(a.c.seq)
        )
        # The subject's own reads are stored as `subject:<pseudonym>` (store/audit.py): shown
        # to them as they were made; the leaf's bytes stay as stored.
        own = SUBJECT_ACTOR + self._keys.pseudonym(subject)
        return [
            LoggedEntry(
                r.seq,
                SUBJECT_ACTOR + subject if r.actor == own else r.actor,
                r.action,
                r.purpose,
                r.at,
                audit_bytes(r),
                r.leaf,
            )
            for r in self._conn.execute(query)
        ]


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), IN_BATCH):
        yield items[i : i + IN_BATCH]
