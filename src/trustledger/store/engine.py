"""Engines for SQLite (WAL, one writer at a time via BEGIN IMMEDIATE) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

# Writers wait for each other rather than fail: a bulk import may hold the lock for a chunk.
SQLITE_BUSY_TIMEOUT_MS = 60_000
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    # SQLite's default page cache is 2 MB: past a few hundred thousand records every index insert
    # of a bulk import misses it. 64 MB per connection, allocated only as pages are read.
    "PRAGMA cache_size=-65536",
    # A deleted row's bytes are overwritten, not left in the page or the free list: an erasure
    # deletes a subject's derived rows and contact (services/retention), and what it deleted
    # must not be found in the file afterwards.
    "PRAGMA secure_delete=ON",
)
# The execution option a read-only unit of work sets so SQLite opens a deferred transaction.
SQLITE_BEGIN = "sqlite_begin"


def normalize_url(url: str) -> URL:
    """Accept `postgresql://` and `postgres://` URLs, and drive them with psycopg 3 (only)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_store_engine(url: str) -> Engine:
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return create_engine(
            parsed, json_serializer=_dumps, json_deserializer=orjson.loads, pool_pre_ping=True
        )
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(url, json_serializer=_dumps, json_deserializer=orjson.loads)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below open transactions, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock at once: writers queue up instead of failing on upgrade.
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def purge_wal(engine: Engine) -> None:
    """On SQLite, copy the WAL into the database and empty it, so that page images written before
    an erasure are gone from the -wal file (a reader holding an old snapshot may leave some until
    the next purge). PostgreSQL's WAL is the server's: its retention is the operator's."""
    if is_postgres(engine):
        return
    with engine.connect() as conn:
        # On the driver's connection: SQLAlchemy's would open a transaction first (see "begin"
        # below), and a checkpoint inside one is refused.
        driver: Any = conn.connection.driver_connection
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
