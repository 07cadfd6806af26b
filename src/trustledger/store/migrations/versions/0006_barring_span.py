"""Each restriction's barring span stored beside it: first and last day barred, scopes as bits.

The evaluation computes the span (trustledger.domain.barring) and the store writes it with every
restriction; rows stored before this revision get it here, in SQL, by the same rule: a restriction
bars from its start to its end, or to the day before it was lifted if that is earlier; never when
it has no start, is suspended, was lifted on or before its first day, or has no scope. The bits
are SCOPE_BITS' (air 1, rail 2, rail_premium 4), a stored format from this revision on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCOPE_BITS = (("air", 1), ("rail", 2), ("rail_premium", 4))


def upgrade() -> None:
    with op.batch_alter_table("restrictions") as batch:
        batch.add_column(sa.Column("first_barred", sa.Date(), nullable=True))
        batch.add_column(sa.Column("last_barred", sa.Date(), nullable=True))
        batch.add_column(sa.Column("scope_mask", sa.Integer(), nullable=False, server_default="0"))
    _fill()


def _fill() -> None:
    # scopes is sorted and comma-separated ("air,rail_premium"): "rail" must not match the other.
    mask = " + ".join(
        f"(CASE WHEN (',' || scopes || ',') LIKE '%,{name},%' THEN {bit} ELSE 0 END)"
        for name, bit in SCOPE_BITS
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    day_before_lifted = "lifted_on - 1" if postgres else "date(lifted_on, '-1 day')"
    op.execute(f"UPDATE restrictions SET scope_mask = {mask}")
    op.execute(
        "UPDATE restrictions SET last_barred = CASE WHEN lifted_on IS NOT NULL"
        f" AND lifted_on <= ends_on THEN {day_before_lifted} ELSE ends_on END"
        " WHERE starts_on IS NOT NULL AND ends_on IS NOT NULL AND status <> 'suspended'"
    )
    op.execute(
        "UPDATE restrictions SET first_barred = starts_on"
        " WHERE last_barred IS NOT NULL AND last_barred >= starts_on AND scope_mask <> 0"
    )
    op.execute("UPDATE restrictions SET last_barred = NULL WHERE first_barred IS NULL")
    op.execute("UPDATE restrictions SET scope_mask = 0 WHERE first_barred IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("restrictions") as batch:
        batch.drop_column("scope_mask")
        batch.drop_column("last_barred")
        batch.drop_column("first_barred")
