"""How stale a replica's answers may be: the time since it last knew it was current.

A replica answers checks from an index that follows the event log of the database it reads. It
is current when that database is a standby streaming from the primary with all it received
replayed (or is no standby at all) and the index has applied every event there. `observe` runs
after each poll of the feed; `seconds_behind` is how long ago the replica was last current, so
with the primary stopped it keeps growing while the answers go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from trustledger.services.ports import Clock


@dataclass(frozen=True, slots=True)
class StandbyState:
    standby: bool  # the database is a hot standby (in recovery)
    streaming: bool  # its WAL receiver is connected to the primary
    replayed: bool  # everything it received is replayed, so visible to queries
    last_seq: int  # the last event seq it holds


class StandbyProbe(Protocol):
    def state(self) -> StandbyState: ...


@dataclass(frozen=True, slots=True)
class Lag:
    seq: int  # the event seq the index has followed
    seconds_behind: float  # since the replica was last known current
    primary: str  # streaming | disconnected | none (not a standby)


class ReplicaLag:
    def __init__(self, probe: StandbyProbe, clock: Clock) -> None:
        self._probe = probe
        self._clock = clock
        self.current_at: datetime = clock.now()
        self.primary = "none"

    def observe(self, follow: ReplicaFollower) -> None:
        """Probe the database, bring the index up to it, and note whether both were current."""
        probed_at = self._clock.now()
        state = self._probe.state()
        follow.catch_up()
        self.primary = (
            "none" if not state.standby else ("streaming" if state.streaming else "disconnected")
        )
        upstream = not state.standby or (state.streaming and state.replayed)
        if upstream and follow.seq >= state.last_seq:
            self.current_at = probed_at

    def lag(self, seq: int) -> Lag:
        behind = max(0.0, (self._clock.now() - self.current_at).total_seconds())
        return Lag(seq, round(behind, 3), self.primary)


class ReplicaFollower(Protocol):
    """What `observe` needs of the check feed."""

    @property
    def seq(self) -> int: ...

    def catch_up(self) -> None: ...
