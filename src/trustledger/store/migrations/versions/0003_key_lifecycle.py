"""Key lifecycle: expiry, revocation, last use and an officer's jurisdiction; the key change log.

Keys made before this revision never expire, are not revoked and have no jurisdiction fence.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("regions", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("sources", JSON, nullable=False, server_default="[]"))
    op.create_table(
        "key_changes",
        sa.Column("seq", SEQ, autoincrement=True, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_key_changes"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("key_changes")
    with op.batch_alter_table("api_keys") as batch:
        for column in ("sources", "regions", "last_used_at", "revoked_reason", "revoked_at"):
            batch.drop_column(column)
        batch.drop_column("expires_at")
