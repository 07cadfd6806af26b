"""Records' keyed hashes (case_ref, payload_hash) stored as their 32 bytes, not 64 hex digits.

Since 0010 both are HMACs in hex (store/crypto.py MasterKey.keyed_hash); the code compares them
as hex, so nothing it answers changes: 64 bytes less a record (issue 17). A row that is not a
keyed hash (plain, from before 0010 sealed it) cannot be converted and stops the migration, by
count, with nothing changed.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

HASHES = ("case_ref", "payload_hash")


def upgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    not_keyed = " OR ".join(
        f"NOT ({c} ~ '^[0-9a-f]{{64}}$')"
        if postgres
        else f"length({c}) != 64 OR {c} GLOB '*[^0-9a-f]*'"
        for c in HASHES
    )
    plain = conn.execute(sa.text(f"SELECT count(*) FROM records WHERE {not_keyed}")).scalar_one()
    if plain:
        raise RuntimeError(
            f"migration 0015: {plain} records hold a case_ref or payload_hash that is not a keyed"
            " hash (64 hex digits): rows from before 0010 sealed the registry?"
        )
    if postgres:
        for column in HASHES:
            op.execute(
                f"ALTER TABLE records ALTER COLUMN {column} TYPE bytea USING decode({column}, 'hex')"
            )
        return
    binary = {c: sa.LargeBinary(32) for c in HASHES}
    _rewrite_sqlite(conn, binary, "unhex", bytes.fromhex)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for column, length in zip(HASHES, (128, 64), strict=True):
            op.execute(
                f"ALTER TABLE records ALTER COLUMN {column} TYPE varchar({length})"
                f" USING encode({column}, 'hex')"
            )
        return
    text = {"case_ref": sa.String(128), "payload_hash": sa.String(64)}
    _rewrite_sqlite(conn, text, "tohex", bytes.hex)


def _rewrite_sqlite(
    conn: sa.Connection,
    types: Mapping[str, sa.types.TypeEngine[Any]],
    name: str,
    convert: Callable[[Any], Any],
) -> None:
    """Values converted first, then the table copied to declare the types (as 0012 does), then
    the file rewritten: the copy leaves the old table's pages free."""
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.create_function(f"trustledger_{name}", 1, convert, deterministic=True)
    sets = ", ".join(f"{c} = trustledger_{name}({c})" for c in HASHES)
    op.execute(f"UPDATE records SET {sets}")
    with op.batch_alter_table("records", recreate="always") as batch:
        for column, type_ in types.items():
            batch.alter_column(column, type_=type_, existing_nullable=False)
    if conn.execute(sa.text("SELECT 1 FROM records LIMIT 1")).first() is None:
        return
    conn.commit()
    raw.execute("VACUUM")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
