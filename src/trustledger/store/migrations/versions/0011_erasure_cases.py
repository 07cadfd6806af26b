"""Subjects' requests to erase a record early: the derived table of the officers' queue.

Derived like `appeals`: rebuilt from each subject's events on every refresh, so a database
from before this revision fills it as its subjects are next refreshed (there were no requests).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_cases",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(40), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_erasure_cases"),
    )
    op.create_index("ix_erasure_cases_subject", "erasure_cases", ["subject"])
    op.create_index("ix_erasure_cases_deadline", "erasure_cases", ["deadline"])


def downgrade() -> None:
    op.drop_table("erasure_cases")
