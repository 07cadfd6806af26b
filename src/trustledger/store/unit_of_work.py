"""The unit of work: one connection, one transaction, one commit per use case.

Write transactions are serialized: on SQLite by BEGIN IMMEDIATE (see engine), on PostgreSQL by a
transaction-level advisory lock taken first. So event seqs become visible in order (followers of
the log never see seq n+1 before n) and the audit chain stays linear.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from trustledger.services.due_process.letters import LetterWriter
from trustledger.store.audit import SqlAuditTrail
from trustledger.store.data_keys import KeyringSource, SqlDataKeys
from trustledger.store.due_process import SqlContactBook, SqlDockets, SqlNoticeStore
from trustledger.store.engine import SQLITE_BEGIN, is_postgres
from trustledger.store.erasures import SqlErasures
from trustledger.store.export import SqlRecordExport
from trustledger.store.faults import unavailable
from trustledger.store.keys import SqlKeyStore
from trustledger.store.repositories import (
    SqlDerivedStore,
    SqlEventLog,
    SqlRecordIndex,
)
from trustledger.store.tlog import SqlTransparencyLog

# Any fixed 32-bit number; with the schema's hash it names the writer lock of the registry in
# that schema among advisory locks, so registries in two schemas of one database never wait on
# each other (writes only need ordering within one registry's event log and audit chain).
WRITE_LOCK_KEY = 0x7472_7573


class SqlUnitOfWork:
    events: SqlEventLog
    records: SqlRecordIndex
    derived: SqlDerivedStore
    audit: SqlAuditTrail
    keys: SqlKeyStore
    notices: SqlNoticeStore
    contacts: SqlContactBook
    dockets: SqlDockets
    exports: SqlRecordExport
    log: SqlTransparencyLog
    data_keys: SqlDataKeys
    erasures: SqlErasures

    def __init__(
        self,
        engine: Engine,
        *,
        keyring: KeyringSource,
        readonly: bool = False,
        letters: LetterWriter | None = None,
    ) -> None:
        self._engine = engine
        self._keyring = keyring
        self._readonly = readonly
        self._letters = letters
        self._conn: Connection | None = None
        self._committed = False

    def __enter__(self) -> Self:
        try:
            conn = self._begin()
        except DBAPIError as exc:  # the database is down, restarting, full or read-only
            self._release()
            raise unavailable(exc) from exc
        self.data_keys = SqlDataKeys(conn, self._keyring)
        self.events = SqlEventLog(conn, self.data_keys)
        self.records = SqlRecordIndex(conn, self.data_keys)
        self.derived = SqlDerivedStore(conn, self.data_keys)
        self.audit = SqlAuditTrail(conn, self.data_keys)
        self.keys = SqlKeyStore(conn)
        self.notices = SqlNoticeStore(conn, self.data_keys, self._letters)
        self.contacts = SqlContactBook(conn, self.data_keys)
        self.dockets = SqlDockets(conn)
        self.exports = SqlRecordExport(conn, self.data_keys)
        self.log = SqlTransparencyLog(conn, self.data_keys)
        self.erasures = SqlErasures(conn)
        return self

    def _begin(self) -> Connection:
        conn = self._engine.connect()
        if self._readonly:
            conn = conn.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
        self._conn = conn
        conn.begin()
        if is_postgres(self._engine) and not self._readonly:
            conn.execute(
                text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
                {"key": WRITE_LOCK_KEY},
            )
        return conn

    def commit(self) -> None:
        if self._conn is None or self._committed:
            raise RuntimeError("commit outside the unit of work, or twice")
        if self._readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._conn.commit()
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._release()
        if isinstance(exc, DBAPIError):  # at any point of the use case, including its commit
            raise unavailable(exc) from exc

    def _release(self) -> None:
        """Roll back what was not committed and return the connection; on a connection the
        database dropped, discard it instead (the pool opens a new one when it is back)."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if not self._committed:
                conn.rollback()
            conn.close()
        except DBAPIError:
            conn.invalidate()
            conn.close()


class SqlUnitOfWorkFactory:
    """Units of work on `engine`; `letters` writes a kept letter again when it is read (the
    notices table keeps letters' facts, not their words); `keyring` gives the keys of personal
    data, asked for only when sealed data is first read or written (a replica never does)."""

    def __init__(
        self, engine: Engine, *, keyring: KeyringSource, letters: LetterWriter | None = None
    ) -> None:
        self.engine = engine
        self.keyring = keyring
        self.letters = letters

    def __call__(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine, keyring=self.keyring, readonly=readonly, letters=self.letters
        )
