"""A replica's lag: seconds since it was last current, with the standby and with the event log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tests.factories import SettableClock
from trustledger.services.checking.replication import ReplicaLag, StandbyState


@dataclass
class Probe:
    state_now: StandbyState

    def state(self) -> StandbyState:
        return self.state_now


@dataclass
class Follower:
    seq: int
    upstream: int

    def catch_up(self) -> None:
        self.seq = self.upstream


def streaming(last_seq: int, *, replayed: bool = True) -> StandbyState:
    return StandbyState(standby=True, streaming=True, replayed=replayed, last_seq=last_seq)


def test_a_replica_caught_up_with_a_streaming_standby_is_current() -> None:
    clock = SettableClock()
    lag = ReplicaLag(Probe(streaming(7)), clock)
    clock.moment += timedelta(seconds=5)
    lag.observe(Follower(seq=3, upstream=7))
    assert lag.lag(7).seconds_behind < 0.01
    assert lag.lag(7).primary == "streaming"


def test_with_the_primary_gone_the_replica_counts_the_seconds_since_it_was_current() -> None:
    clock = SettableClock()
    probe = Probe(streaming(7))
    lag = ReplicaLag(probe, clock)
    follower = Follower(seq=7, upstream=7)
    lag.observe(follower)
    probe.state_now = StandbyState(standby=True, streaming=False, replayed=True, last_seq=7)
    clock.moment += timedelta(seconds=3)
    lag.observe(follower)
    now = lag.lag(follower.seq)
    assert now.primary == "disconnected"
    assert 3.0 <= now.seconds_behind < 3.01


def test_a_standby_that_has_not_replayed_what_it_received_is_not_current() -> None:
    clock = SettableClock()
    lag = ReplicaLag(Probe(streaming(7, replayed=False)), clock)
    clock.moment += timedelta(seconds=2)
    lag.observe(Follower(seq=7, upstream=7))
    assert lag.lag(7).seconds_behind >= 2.0


def test_an_index_behind_the_events_it_read_is_not_current() -> None:
    clock = SettableClock()
    lag = ReplicaLag(Probe(streaming(9)), clock)
    clock.moment += timedelta(seconds=2)
    lag.observe(Follower(seq=3, upstream=5))  # the standby has 9, the feed reached 5
    assert lag.lag(5).seconds_behind >= 2.0


def test_a_replica_of_a_database_that_is_no_standby_is_current_once_caught_up() -> None:
    clock = SettableClock()
    plain = StandbyState(standby=False, streaming=False, replayed=True, last_seq=4)
    lag = ReplicaLag(Probe(plain), clock)
    clock.moment += timedelta(seconds=2)
    lag.observe(Follower(seq=0, upstream=4))
    assert lag.lag(4).seconds_behind < 0.01
    assert lag.lag(4).primary == "none"
