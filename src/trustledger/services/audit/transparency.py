"""The transparency log's use cases: integrate and sign checkpoints, serve proofs, verify."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from trustledger.domain.checkpoints import Checkpoint, VerifierKey, open_note, signed_note
from trustledger.domain.errors import Forbidden, InvalidInput, NotFound, Unavailable
from trustledger.domain.log_leaves import LeafKind, StoredCheckpoint
from trustledger.services.audit.log_verify import LogVerdict, verify_log
from trustledger.services.ports import Clock, LogSigner, UnitOfWorkFactory

# The audit actions that are a reading of a subject's file (what the portal shows the subject).
READ_ACTIONS = ("file.read", "file.history", "notices.read")
READS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Read:
    """A reading of a subject's file, with its inclusion proof once the log has it."""

    actor: str
    purpose: str
    at: datetime
    entry: bytes  # the bytes its leaf covers
    leaf: int | None  # None: not yet in a checkpoint
    path: list[str]  # hex


@dataclass(frozen=True, slots=True)
class InclusionProof:
    leaf: int
    size: int
    kind: LeafKind
    ref: int
    leaf_hash: bytes
    path: list[bytes]


class TransparencyLog:
    def __init__(self, uow: UnitOfWorkFactory, *, signer: LogSigner, clock: Clock) -> None:
        self._uow = uow
        self._signer = signer
        self._clock = clock

    @property
    def key(self) -> VerifierKey:
        return self._signer.key

    def checkpoint(self, *, fresh: bool = False) -> StoredCheckpoint:
        """Log every entry written since the last call, then the latest checkpoint: a new one
        when the tree grew, when none was signed with this key yet, or when `fresh`."""
        with self._uow() as uow:
            size = uow.log.integrate()
            last = uow.log.latest_checkpoint()
            if last is not None and last.size == size and not fresh and self._ours(last):
                uow.commit()
                return last
            root = uow.log.root(size)
            now = self._clock.now().replace(microsecond=0)
            body = Checkpoint(self.key.name, size, root, now).body()
            note = signed_note(body, self.key, self._signer.sign(body.encode()))
            stored = StoredCheckpoint(size, root, now, note)
            uow.log.add_checkpoint(stored)
            uow.commit()
        return stored

    def latest(self) -> StoredCheckpoint:
        """The latest stored checkpoint signed with this key, reading only: what a read-only
        replica answers, since logging new entries and signing are writes (Unavailable when
        the primary has signed none yet)."""
        with self._uow(readonly=True) as uow:
            last = uow.log.latest_checkpoint()
        if last is None or not self._ours(last):
            raise Unavailable(
                "this server is a read-only check replica and holds no checkpoint signed with "
                "the log's key yet: send writes to the primary"
            )
        return last

    def _ours(self, stored: StoredCheckpoint) -> bool:
        try:
            open_note(stored.note, self.key)
        except InvalidInput:
            return False
        return True

    def inclusion(self, leaf: int, size: int | None, *, subject: str | None) -> InclusionProof:
        """The audit path of a leaf in the tree of `size` leaves (default: the latest checkpoint).

        `subject`: the caller is this subject, who may have proofs of entries about them only.
        """
        with self._uow(readonly=True) as uow:
            if size is None:
                latest = uow.log.latest_checkpoint()
                size = latest.size if latest is not None else uow.log.size()
            found = uow.log.leaf(leaf) if leaf >= 0 else None
            if found is None:
                raise NotFound(f"leaf: the log has no leaf {leaf}")
            # Rows name a subject by its pseudonym (or, from before sealing, by the number).
            if subject is not None and found.subject not in uow.log.names(subject.upper()):
                raise Forbidden("a subject key may have proofs of entries about itself only")
            path = uow.log.inclusion(leaf, size)
        return InclusionProof(leaf, size, found.kind, found.ref, found.stored, path)

    def reads_of(self, subject: str) -> tuple[StoredCheckpoint | None, list[Read]]:
        """The latest checkpoint and the subject's file's latest readings, newest first, each
        with its audit path in that checkpoint's tree if it is in it."""
        with self._uow(readonly=True) as uow:
            latest = uow.log.latest_checkpoint()
            size = 0 if latest is None else latest.size
            reads = []
            for e in reversed(uow.log.about(subject, READ_ACTIONS)[-READS_SHOWN:]):
                leaf = e.leaf if e.leaf is not None and e.leaf < size else None
                path = [] if leaf is None else [h.hex() for h in uow.log.inclusion(leaf, size)]
                reads.append(Read(e.actor, e.purpose, e.at, e.data, leaf, path))
        return latest, reads

    def consistency(self, first: int, second: int) -> list[bytes]:
        with self._uow(readonly=True) as uow:
            return uow.log.consistency(first, second)

    def verify(self, checkpoints: Sequence[Checkpoint]) -> LogVerdict:
        """The database against checkpoints a witness kept: every leaf recomputed from its row."""
        with self._uow(readonly=True) as uow:
            return verify_log(uow.log, checkpoints)
