"""The sweep visits, by their appeal's decision deadline, subjects derived before an appeal about a
withdrawn or overturned record stopped keeping it forever (3d54a47).

Their derived rows carry no erase day for such a record, and the sweep re-derives a subject only
on its `next_change_on`: left alone they would wait for `trustledger recompute`. Knowing which
appeals are moot needs the events, sealed under keys a migration does not hold, so this sets the
day to the earliest decision deadline of a subject's undecided appeals wherever that comes sooner
than the day it has: on it, the sweep re-derives the subject as every refresh does (its erase day
then follows from the deadline), and one whose appeal still keeps its record gets its own day
back. Nothing else changes; a subject whose appeal an officer decides first is re-derived then.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE subject_state SET next_change_on = ("
            " SELECT MIN(a.deadline) FROM appeals a"
            " WHERE a.subject = subject_state.subject AND a.decided_on IS NULL)"
            " WHERE EXISTS ("
            " SELECT 1 FROM appeals a"
            " WHERE a.subject = subject_state.subject AND a.decided_on IS NULL"
            " AND (subject_state.next_change_on IS NULL"
            " OR a.deadline < subject_state.next_change_on))"
        )
    )


def downgrade() -> None:
    pass  # an earlier day for the sweep is what a downgraded registry may keep: it re-derives
