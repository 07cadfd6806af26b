"""SQLite: `data_keys` a WITHOUT ROWID table, its rows kept in the primary key's b-tree.

An ordinary SQLite table with a text primary key stores each row twice over: in the rowid
b-tree, and its (pseudonym, scope), about 70 bytes, again in the primary key's index. No query
reads data_keys but by that key (a subject's keys, a bucket's range for a rotation), so
clustering the rows on it drops the second copy: 256 to about 190 bytes a record in
bench/intake.py (issue 17). Tried on records, notices and restrictions too, it grew them: their
rows are larger and their other indexes would then repeat the key instead of a rowid.
PostgreSQL has no such layout; nothing changes there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)


def _rebuild(*, with_rowid: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    kwargs = {"sqlite_with_rowid": with_rowid}
    with op.batch_alter_table("data_keys", recreate="always", table_kwargs=kwargs):
        pass
    if conn.execute(sa.text("SELECT 1 FROM data_keys LIMIT 1")).first() is None:
        return
    # The copy leaves the old table's pages free (and wrapped keys in them): rewrite the file.
    conn.commit()
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("VACUUM")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
