"""Checking the database against checkpoints a witness kept, trusting nothing stored.

Every leaf is recomputed from the row it logs and the tree rebuilt from those hashes, so the
roots at the witnessed sizes are the roots of what the database holds now. A row changed after
it was logged is named exactly (its stored leaf hash no longer matches); a log rebuilt whole with
consistent hashes is named by the first checkpoint it contradicts, between the last witnessed
size that still matches and that checkpoint's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trustledger.domain.checkpoints import Checkpoint
from trustledger.domain.log_leaves import Leaf
from trustledger.domain.merkle import EMPTY_ROOT, CompactRange
from trustledger.services.ports import LogStore


@dataclass(frozen=True, slots=True)
class LogVerdict:
    intact: bool
    leaves: int
    checkpoints: int
    first_bad_leaf: int | None = None
    # When the first bad leaf is only bounded: it lies in first_bad_leaf..last_bad_leaf.
    last_bad_leaf: int | None = None
    checkpoint: int | None = None  # 1-based, in the order given: the first one contradicted
    reason: str | None = None


def verify_log(log: LogStore, checkpoints: Sequence[Checkpoint]) -> LogVerdict:
    order = sorted(range(len(checkpoints)), key=lambda i: checkpoints[i].size)
    tree, matched, pending = CompactRange(), 0, 0

    def verdict(first: int, reason: str, *, last: int | None = None) -> LogVerdict:
        hit = next((i for i in order if checkpoints[i].size > first), None)
        return LogVerdict(
            False, tree.size, len(checkpoints), first, last,
            None if hit is None else hit + 1, reason,
        )  # fmt: skip

    for cp_index in order:
        if checkpoints[cp_index].size == 0 and checkpoints[cp_index].root != EMPTY_ROOT:
            return verdict(
                0, f"checkpoint {cp_index + 1} has size 0 and a root not of the empty tree"
            )
    for leaf in log.walk():
        if leaf.index != tree.size:
            return verdict(tree.size, f"leaf {tree.size} is missing (the next is {leaf.index})")
        problem = _changed(leaf)
        if problem is not None:
            return verdict(leaf.index, problem)
        tree.append(leaf.stored)
        while pending < len(order) and checkpoints[order[pending]].size == tree.size:
            cp = checkpoints[order[pending]]
            if cp.root != tree.root():
                reason = (
                    f"the first {cp.size} leaves do not hash to the root of checkpoint "
                    f"{order[pending] + 1}: the log was rewritten"
                )
                return verdict(matched, reason, last=cp.size - 1)
            matched, pending = cp.size, pending + 1
    if pending < len(order):
        cp = checkpoints[order[pending]]
        return verdict(
            tree.size,
            f"the log has {tree.size} leaves; checkpoint {order[pending] + 1} saw {cp.size}: "
            "its tail was cut",
        )
    unlogged = log.unlogged()
    if unlogged:
        kind, seq = unlogged[0]
        return LogVerdict(
            False, tree.size, len(checkpoints),
            reason=f"{kind} {seq} lies inside the logged range but has no leaf: it was inserted",
        )  # fmt: skip
    return LogVerdict(True, tree.size, len(checkpoints))


def _changed(leaf: Leaf) -> str | None:
    if leaf.actual is None:
        return f"leaf {leaf.index}: {leaf.kind} {leaf.ref} is gone"
    if leaf.actual != leaf.stored:
        return f"leaf {leaf.index}: {leaf.kind} {leaf.ref} was changed after it was logged"
    return None
