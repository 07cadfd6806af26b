"""Fewer bytes a record (issue 17): the audit chain's hashes as 32 bytes, not 64 hex characters,
and no unique index on records (source, case_ref), which the primary key already enforces.

A record's id is a function of (source, case_ref) (domain.submissions.record_id_for), so a second
row for the same pair is refused by the primary key; the index only cost space (about 90 bytes a
record on SQLite, 125 on PostgreSQL in bench/intake.py). The chain hashes the hex of each hash as
before (store/audit.py): converting the stored form changes no hash, no leaf of the transparency
log and nothing `audit verify` says. The audit log stays append-only: its triggers are lifted on
SQLite for the rewrite only (PostgreSQL rewrites the table in ALTER TABLE, which fires none).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from trustledger.store.append_only import allow_changes, refuse_changes

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

HASHES = ("prev_hash", "hash")
UNIQUE = "uq_records_source_case_ref"


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.drop_constraint(UNIQUE, "records", type_="unique")
        for column in HASHES:
            op.execute(
                f"ALTER TABLE audit_log ALTER COLUMN {column} TYPE bytea"
                f" USING decode({column}, 'hex')"
            )
        return
    with op.batch_alter_table("records", recreate="always") as batch:
        batch.drop_constraint(UNIQUE, type_="unique")
    _rewrite_sqlite_hashes(conn, sa.LargeBinary(32), "unhex", bytes.fromhex)
    _compact_sqlite(conn)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for column in HASHES:
            op.execute(
                f"ALTER TABLE audit_log ALTER COLUMN {column} TYPE varchar(64)"
                f" USING encode({column}, 'hex')"
            )
        op.create_unique_constraint(UNIQUE, "records", ["source", "case_ref"])
        return
    with op.batch_alter_table("records", recreate="always") as batch:
        batch.create_unique_constraint(UNIQUE, ["source", "case_ref"])
    _rewrite_sqlite_hashes(conn, sa.String(64), "tohex", bytes.hex)


def _rewrite_sqlite_hashes(
    conn: sa.Connection,
    to: sa.types.TypeEngine[Any],
    name: str,
    convert: Callable[[Any], Any],
) -> None:
    """The values converted in place by a function of this connection's (SQLite 3.40 has no
    unhex), then the table copied to declare the new type. In that order: the copy CASTs to the
    new type, which keeps a value already of it (and a column of either type holds either)."""
    allow_changes("audit_log")
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.create_function(f"trustledger_{name}", 1, convert, deterministic=True)
    sets = ", ".join(f"{c} = trustledger_{name}({c})" for c in HASHES)
    op.execute(f"UPDATE audit_log SET {sets}")
    with op.batch_alter_table("audit_log", recreate="always") as batch:
        for column in HASHES:
            batch.alter_column(column, type_=to, existing_nullable=False)
    refuse_changes("audit_log")


def _compact_sqlite(conn: sa.Connection) -> None:
    """The copies leave the old tables' pages free: give them back to the file system."""
    if conn.execute(sa.text("SELECT 1 FROM audit_log LIMIT 1")).first() is None:
        return
    conn.commit()
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("VACUUM")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
