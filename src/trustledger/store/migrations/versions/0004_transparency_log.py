"""The transparency log: its leaves (one per event and audit entry), tree nodes, checkpoints.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from trustledger.store.append_only import refuse_changes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LOG_TABLES = ("log_leaves", "log_nodes", "log_checkpoints")


def upgrade() -> None:
    op.create_table(
        "log_leaves",
        sa.Column("idx", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("ref", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_log_leaves"),
        sa.UniqueConstraint("kind", "ref", name="uq_log_leaves_kind_ref"),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), nullable=False, autoincrement=False),
        sa.Column("idx", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_log_nodes"),
    )
    op.create_table(
        "log_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.LargeBinary(32), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_log_checkpoints"),
        sqlite_autoincrement=True,
    )
    for table in LOG_TABLES:
        refuse_changes(table)


def downgrade() -> None:
    for table in LOG_TABLES:
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        for table in LOG_TABLES:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
