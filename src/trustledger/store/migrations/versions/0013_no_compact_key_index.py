"""No index on restrictions.compact_key: no query selects or orders by it (issue 17, bytes).

The check index reads the compact key with each restriction in one scan in storage order
(SqlDerivedStore.barring_pages) and finds a subject's rows by `subject`; the index on
compact_key was written on every refresh and read by nothing: 12 bytes a record on SQLite, 23 on
PostgreSQL in bench/intake.py, and at 10 million restrictions some 250 MB.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_restrictions_compact_key", table_name="restrictions")


def downgrade() -> None:
    op.create_index("ix_restrictions_compact_key", "restrictions", ["compact_key"])
