"""Notices' facts hash (`notices.facts_sha256`, 0017) stored as its 32 bytes, not 64 hex digits.

The store converts at its edge (store/due_process.py): the letters' check compares the same hex
as before, so nothing it decides changes; 32 bytes less a letter kept to be written when first
read (issue 17). A value that is not 64 lowercase hex digits cannot be converted and stops the
migration, by count, with nothing changed. Rows with NULL (letters hashed when issued, or from
before 0017) stay NULL.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    if postgres and _pg_type(conn) == "bytea":
        return  # a test wrote here with the head code at an earlier revision, as bytes already
    not_hex = (
        "NOT (facts_sha256 ~ '^[0-9a-f]{64}$')"
        if postgres
        else "typeof(facts_sha256) = 'text'"
        " AND (length(facts_sha256) != 64 OR facts_sha256 GLOB '*[^0-9a-f]*')"
    )
    bad = conn.execute(sa.text(f"SELECT count(*) FROM notices WHERE {not_hex}")).scalar_one()
    if bad:
        raise RuntimeError(
            f"migration 0018: {bad} notices hold a facts_sha256 that is not 64 lowercase hex"
            " digits (a SHA-256 as services.due_process.letters.facts_sha256 writes it)"
        )
    if postgres:
        op.execute(
            "ALTER TABLE notices ALTER COLUMN facts_sha256 TYPE bytea"
            " USING decode(facts_sha256, 'hex')"
        )
        return
    _rewrite_sqlite(conn, sa.LargeBinary(32), "text", "unhex", bytes.fromhex)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE notices ALTER COLUMN facts_sha256 TYPE varchar(64)"
            " USING encode(facts_sha256, 'hex')"
        )
        return
    _rewrite_sqlite(conn, sa.String(64), "blob", "tohex", bytes.hex)


def _pg_type(conn: sa.Connection) -> str:
    query = sa.text(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = 'notices' AND column_name = 'facts_sha256'"
    )
    return str(conn.execute(query).scalar_one())


def _rewrite_sqlite(
    conn: sa.Connection,
    type_: sa.types.TypeEngine[Any],
    stored_as: str,
    name: str,
    convert: Callable[[Any], Any],
) -> None:
    """The values still of the old type converted in place, then the table copied to declare the
    new type (as 0012 and 0015 do), then the file rewritten: the copy leaves the old pages free."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.create_function(f"trustledger_{name}", 1, convert, deterministic=True)
    op.execute(
        f"UPDATE notices SET facts_sha256 = trustledger_{name}(facts_sha256)"
        f" WHERE typeof(facts_sha256) = '{stored_as}'"
    )
    with op.batch_alter_table("notices", recreate="always") as batch:
        batch.alter_column("facts_sha256", type_=type_, existing_nullable=True)
    if conn.execute(sa.text("SELECT 1 FROM notices LIMIT 1")).first() is None:
        return
    conn.commit()
    raw.execute("VACUUM")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
