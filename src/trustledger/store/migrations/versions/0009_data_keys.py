"""Personal data sealed under data keys: the key table, the sealed columns, pseudonyms.

Adds `data_keys` (wrapped data keys, the one table whose rows are deleted), `registry` (this
database's identity in the vault file, made here at random), the `sealed` column of events,
notices and contacts, and the pseudonym of each subject's derived state. Rows written before
this revision stay plaintext until 0010 seals them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("pseudonym", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pseudonym", "scope", name="pk_data_keys"),
    )
    registry = op.create_table(
        "registry",
        sa.Column("registry_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("registry_id", name="pk_registry"),
    )
    op.bulk_insert(
        registry,
        [
            {
                "registry_id": secrets.token_hex(16),
                "created_at": datetime.now(UTC).replace(tzinfo=None),
            }
        ],
    )
    # events is append-only: its triggers refuse UPDATE and DELETE, not a new column.
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        batch.alter_column("email", existing_type=sa.String(254), nullable=True)
    with op.batch_alter_table("subject_state") as batch:
        batch.add_column(sa.Column("pseudonym", sa.String(32), nullable=True))
        batch.create_index("ix_subject_state_pseudonym", ["pseudonym"])


def downgrade() -> None:
    with op.batch_alter_table("subject_state") as batch:
        batch.drop_index("ix_subject_state_pseudonym")
        batch.drop_column("pseudonym")
    with op.batch_alter_table("contacts") as batch:
        batch.alter_column("email", existing_type=sa.String(254), nullable=False)
        batch.drop_column("sealed")
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("sealed")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("sealed")
    op.drop_table("registry")
    op.drop_table("data_keys")
