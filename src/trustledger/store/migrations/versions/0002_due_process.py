"""Due process: the notices outbox, subjects' contacts, derived appeals, the sweep's next change.

Subjects derived before this revision have no next_change_on; `trustledger recompute` fills it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subject_state") as batch:
        batch.add_column(sa.Column("next_change_on", sa.Date(), nullable=True))
        batch.create_index("ix_subject_state_next_change_on", ["next_change_on"])
    op.create_table(
        "appeals",
        sa.Column("appeal_id", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("appeal_id", name="pk_appeals"),
    )
    op.create_index("ix_appeals_subject", "appeals", ["subject"])
    op.create_index("ix_appeals_deadline", "appeals", ["deadline"])
    op.create_table(
        "notices",
        sa.Column("notice_id", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("target", sa.String(40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("subject_line", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("access_code", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(8), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("notice_id", name="pk_notices"),
    )
    op.create_index("ix_notices_subject", "notices", ["subject"])
    op.create_index("ix_notices_status_next_attempt_at", "notices", ["status", "next_attempt_at"])
    op.create_table(
        "contacts",
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_contacts"),
    )


def downgrade() -> None:
    for table in ("contacts", "notices", "appeals"):
        op.drop_table(table)
    with op.batch_alter_table("subject_state") as batch:
        batch.drop_index("ix_subject_state_next_change_on")
        batch.drop_column("next_change_on")
