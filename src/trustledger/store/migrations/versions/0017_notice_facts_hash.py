"""A letter kept to be written when first read keeps the hash of its facts (`notices.facts_sha256`).

A record's letters are now kept as their facts, as a bulk import's were, and hashed when sent; until
then the hash of what they are written from, taken when issued, is checked instead (docs/store.md).
Existing rows keep NULL: a letter with a hash is checked against it, a bulk import's letter from
before this revision has neither until it is sent, as before.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Present already where a test wrote with the head code at an earlier revision.
    if "facts_sha256" in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("notices")}:
        return
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("facts_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("facts_sha256")
