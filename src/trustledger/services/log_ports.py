"""Ports of the transparency log: its store inside a unit of work, and the checkpoint signer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from trustledger.domain.checkpoints import VerifierKey

# What a leaf logs: an event or an audit entry.
LeafKind = Literal["event", "audit"]


@dataclass(frozen=True, slots=True)
class Leaf:
    """One leaf: which row it stands for, the hash the log keeps and the hash of the row now."""

    index: int
    kind: LeafKind
    ref: int  # the row's seq
    stored: bytes
    actual: bytes | None  # None: the row is gone
    subject: str | None


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    """An audit entry about a subject, the bytes its leaf covers, and its leaf once logged."""

    seq: int
    actor: str
    action: str
    purpose: str
    at: datetime
    data: bytes
    leaf: int | None


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root: bytes
    issued_at: datetime
    note: str


class LogStore(Protocol):
    def integrate(self) -> int:
        """Append a leaf for every event and audit entry not yet in the log; the new size."""
        ...

    def size(self) -> int: ...

    def root(self, size: int) -> bytes: ...

    def inclusion(self, index: int, size: int) -> list[bytes]: ...

    def consistency(self, first: int, second: int) -> list[bytes]: ...

    def leaf(self, index: int) -> Leaf | None: ...

    def leaf_of(self, kind: str, ref: int) -> int | None: ...

    def walk(self) -> Iterator[Leaf]:
        """Every leaf in order with its row's hash recomputed from the row as stored now."""
        ...

    def unlogged(self) -> list[tuple[str, int]]:
        """The first event and audit entry at or below the last one logged that has no leaf."""
        ...

    def about(self, subject: str, actions: Iterable[str]) -> list[LoggedEntry]:
        """Audit entries about a subject with these actions, with their leaf index if logged."""
        ...

    def add_checkpoint(self, checkpoint: StoredCheckpoint) -> None: ...

    def latest_checkpoint(self) -> StoredCheckpoint | None: ...


class LogSigner(Protocol):
    @property
    def key(self) -> VerifierKey: ...

    def sign(self, message: bytes) -> bytes: ...
