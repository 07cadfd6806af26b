"""`data_keys.created_at` goes: nothing reads it (issue 17).

A key's row is read by its (pseudonym, scope) for sealing and opening, by its bucket's range for
a rotation and for the versions still in use, and deleted by an erasure; none of them reads when
it was made, and the erasure's basis is in the event log (`erased`), not here. On SQLite a
26-character text a key, about 30 bytes a record in bench/intake.py; on PostgreSQL 8 bytes a
row (the old rows keep theirs on disk until the table is next rewritten, e.g. VACUUM FULL).
SQLite copies the table (kept WITHOUT ROWID, 0014) and rewrites the file: the copy leaves the
old pages free, wrapped keys in them. Migration 0010, which makes keys with the head code,
gives the column a default first, so that a registry sealed from an older revision gets here.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# SQLite keeps data_keys in its primary key's b-tree (0014): the copy must stay so.
TABLE_KWARGS = {"sqlite_with_rowid": False}


def upgrade() -> None:
    with op.batch_alter_table("data_keys", recreate="always", table_kwargs=TABLE_KWARGS) as batch:
        batch.drop_column("created_at")
    _compact_sqlite()


def downgrade() -> None:
    # Every row gets the time the downgrade ran, and so does a row written later without one
    # (by a later revision's code: the column's default, UTC on both engines).
    sqlite = op.get_bind().dialect.name == "sqlite"
    now = sa.text("CURRENT_TIMESTAMP" if sqlite else "timezone('utc', now())")
    column = sa.Column("created_at", sa.DateTime(), nullable=False, server_default=now)
    with op.batch_alter_table("data_keys", recreate="always", table_kwargs=TABLE_KWARGS) as batch:
        batch.add_column(column)


def _compact_sqlite() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    if conn.execute(sa.text("SELECT 1 FROM data_keys LIMIT 1")).first() is None:
        return
    conn.commit()
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("VACUUM")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
