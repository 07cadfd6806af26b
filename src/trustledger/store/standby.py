"""What a PostgreSQL hot standby says of its replication: is it streaming, has it replayed all.

A replica server reads a standby; how current its answers are depends on the standby receiving
the primary's WAL and replaying it. On SQLite, or on a primary, there is no standby to lag.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from trustledger.services.checking.replication import StandbyState
from trustledger.store.engine import is_postgres
from trustledger.store.faults import unavailable

# pg_stat_wal_receiver has a row while the WAL receiver runs; its status is 'streaming' while
# connected to the primary. Receive and replay positions equal: everything received is visible.
STANDBY_SQL = text(
    "SELECT pg_is_in_recovery(),"
    " (SELECT status FROM pg_stat_wal_receiver LIMIT 1),"
    " pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(),"
    " (SELECT max(seq) FROM events)"
)
LAST_SEQ_SQL = text("SELECT max(seq) FROM events")


class SqlStandbyProbe:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def state(self) -> StandbyState:
        try:
            with self._engine.connect() as conn:
                if not is_postgres(self._engine):
                    last = conn.execute(LAST_SEQ_SQL).scalar()
                    return StandbyState(
                        standby=False, streaming=False, replayed=True, last_seq=int(last or 0)
                    )
                recovery, status, replayed, last = conn.execute(STANDBY_SQL).one()
        except DBAPIError as exc:
            raise unavailable(exc) from exc
        return StandbyState(
            standby=bool(recovery),
            streaming=status == "streaming",
            replayed=bool(replayed),
            last_seq=int(last or 0),
        )
