"""Keep a check index in step with the registry: load it at start-up, then follow the event log.

Every write commits its events and the derived restrictions together, so whoever sees an event
seq can read the restrictions it led to. `poll` takes the subjects of the events since the last
seq it saw and replaces their restrictions in the index: a change made in another process is
answered by the next poll (the server polls several times a second), one made in this process
is applied at once by calling `poll` right after the write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from trustledger.domain.evaluation import Restriction
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.rulebook import Scope
from trustledger.services.checking import Barring, CheckLookup
from trustledger.services.ports import Clock, UnitOfWorkFactory
from trustledger.services.restriction_columns import RestrictionColumns

LOAD_PAGE = 50_000
POLL_LIMIT = 10_000


class SubjectRestrictions(Protocol):
    @property
    def key(self) -> int: ...

    @property
    def restrictions(self) -> tuple[Restriction, ...]: ...


class FollowingIndex(CheckLookup, Protocol):
    """What the feed needs of the index (trustledger.checks.CheckIndex has it)."""

    def apply(self, changes: Iterable[SubjectRestrictions]) -> None: ...


@dataclass(frozen=True, slots=True)
class Change:
    key: int
    restrictions: tuple[Restriction, ...]


class CheckFeed:
    """Owns the index it keeps current; `build` makes one from pages of stored restrictions."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        build: Callable[[Iterable[RestrictionColumns]], FollowingIndex],
        *,
        scheme: IdentityScheme,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._build = build
        self._scheme = scheme
        self._clock = clock
        self.index: FollowingIndex = build(())
        self.seq = 0
        self.loaded = 0
        self._lock = threading.Lock()
        self._polls = 0  # polls begun, counted under the lock

    def load(self) -> int:
        """Build the index from the stored restrictions; returns how many were loaded."""
        with self._lock:
            with self._uow(readonly=True) as uow:
                seq = uow.events.last_seq()
            self.loaded = 0
            self.index = self._build(self._stored())
            # Changes written while loading are replayed by the next poll; replaying is harmless.
            self.seq = seq
            return self.loaded

    def start_from(self, index: FollowingIndex, *, seq: int, restrictions: int) -> None:
        """Hold `index` (a snapshot's, complete up to `seq`) and follow the events after it."""
        with self._lock:
            self.index, self.seq, self.loaded = index, seq, restrictions

    def held(self) -> tuple[FollowingIndex, int]:
        """The index and a seq it is complete up to: the seq is read first, so changes applied
        meanwhile are only ever extra (a follower replays them harmlessly)."""
        with self._lock:
            seq = self.seq
        return self.index, seq

    def last_seq(self) -> int:
        with self._uow(readonly=True) as uow:
            return uow.events.last_seq()

    def _stored(self) -> Iterator[RestrictionColumns]:
        # From yesterday on: a check may still ask about the day that is today somewhere.
        ending_from = self._clock.today() - timedelta(days=1)
        with self._uow(readonly=True) as uow:  # one snapshot of the whole table
            for page in uow.derived.barring_pages(ending_from=ending_from, size=LOAD_PAGE):
                self.loaded += len(page)
                yield page

    def poll(self) -> int:
        """Apply the changes since the last poll; returns how many subjects changed."""
        with self._lock:
            return self._poll()

    def poll_after_write(self) -> None:
        """Apply a write this process just committed. Concurrent writers (a commit group) share
        one poll: one begun after the write committed has seen it."""
        begun = self._polls
        with self._lock:
            if self._polls == begun:
                self._poll()

    def _poll(self) -> int:
        self._polls += 1
        with self._uow(readonly=True) as uow:
            events = uow.events.since(self.seq, limit=POLL_LIMIT)
            if not events:
                return 0
            subjects = sorted({e.subject for e in events})
            found = uow.derived.restrictions_of(subjects)
        key = self._scheme.compact_key
        self.index.apply([Change(key(s), tuple(found.get(s, ()))) for s in subjects])
        self.seq = events[-1].seq
        return len(subjects)

    # The feed answers checks from whichever index it holds now: a reload swaps it whole.
    def lookup(self, key: int, scopes: frozenset[Scope], day: date) -> Barring | None:
        return self.index.lookup(key, scopes, day)

    def barred(
        self, keys: Sequence[int] | NDArray[np.int64], scopes: frozenset[Scope], day: date
    ) -> tuple[Sequence[int], Sequence[Barring]]:
        return self.index.barred(keys, scopes, day)

    def catch_up(self) -> None:
        while self.poll():
            pass
