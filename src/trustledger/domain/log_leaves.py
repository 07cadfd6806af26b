"""The transparency log's leaves and checkpoints as its store keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

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
