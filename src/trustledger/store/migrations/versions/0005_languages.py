"""Languages of letters: the one a subject's contact asks for, and the one each letter is in.

Contacts and letters from before this revision have none: their letters were written in the
deployment's language.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("contacts", "notices"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    for table in ("contacts", "notices"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
