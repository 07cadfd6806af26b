"""Keep a check index in step with the registry: load it at start-up, then follow the event log.

Every write commits its events and the derived restrictions together, so whoever sees an event
seq can read the restrictions it led to. `poll` takes the subjects of the events since the last
seq it saw and replaces their restrictions in the index: a change made in another process is
answered by the next poll (the server polls several times a second), one made in this process
is applied at once by calling `poll` right after the write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from trustledger.checks import CheckIndex, RestrictionColumns, changes_of
from trustledger.domain.identity import IdentityScheme
from trustledger.services.ports import Clock, UnitOfWorkFactory

LOAD_PAGE = 50_000
POLL_LIMIT = 10_000


class CheckFeed:
    """Keeps one index current, for as long as the server runs: a reload or a snapshot is taken
    into it (CheckIndex.take), so whoever holds `index` answers from the current one.
    `build` makes an index from pages of stored restrictions."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        build: Callable[[Iterable[RestrictionColumns]], CheckIndex],
        *,
        scheme: IdentityScheme,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._build = build
        self._scheme = scheme
        self._clock = clock
        self.index: CheckIndex = build(())
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
            self.index.take(self._build(self._stored()))
            # Changes written while loading are replayed by the next poll; replaying is harmless.
            self.seq = seq
            return self.loaded

    def start_from(self, index: CheckIndex, *, seq: int, restrictions: int) -> None:
        """Take `index` (a snapshot's, complete up to `seq`) and follow the events after it."""
        with self._lock:
            self.index.take(index)
            self.seq, self.loaded = seq, restrictions

    def held(self) -> tuple[CheckIndex, int]:
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
            followed = uow.events.subjects_since(self.seq, limit=POLL_LIMIT)
            if not followed:
                return 0
            subjects = sorted({subject for _, subject in followed})
            found = uow.derived.restrictions_of(subjects)
        self.index.apply(changes_of(subjects, found, key=self._scheme.compact_key))
        self.seq = followed[-1][0]
        return len(subjects)

    def catch_up(self) -> None:
        while self.poll():
            pass
