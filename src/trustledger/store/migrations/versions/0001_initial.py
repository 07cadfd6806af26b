"""Initial schema: events (append-only), records, derived state, API keys, audit chain.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from trustledger.store.append_only import refuse_changes

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(JSONB(), "postgresql")
# Tables nothing may change or remove rows from, enforced by the database itself.
APPEND_ONLY = ("events", "audit_log")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("record_id", sa.String(40), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_events_subject_seq", "events", ["subject", "seq"])
    op.create_table(
        "records",
        sa.Column("record_id", sa.String(40), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("case_ref", sa.String(128), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload_hash", sa.String(64), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name="pk_records"),
        sa.UniqueConstraint("source", "case_ref", name="uq_records_source_case_ref"),
    )
    op.create_index("ix_records_subject", "records", ["subject"])
    _create_derived()
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("types", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_name_role", "api_keys", ["name", "role"])
    op.create_table(
        "audit_log",
        sa.Column("seq", SEQ, nullable=False, autoincrement=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=True),
        sa.Column("purpose", sa.String(128), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])
    for table in APPEND_ONLY:
        refuse_changes(table)


def _create_derived() -> None:
    op.create_table(
        "subject_state",
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(32), nullable=False),
        sa.Column("review_due", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("subject", name="pk_subject_state"),
    )
    op.create_table(
        "restrictions",
        sa.Column("restriction_id", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("compact_key", sa.BigInteger(), nullable=False),
        sa.Column("scopes", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("record_id", sa.String(40), nullable=True),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("noticed_on", sa.Date(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("appeal_by", sa.Date(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("restriction_id", name="pk_restrictions"),
    )
    op.create_index("ix_restrictions_subject", "restrictions", ["subject"])
    op.create_index("ix_restrictions_compact_key", "restrictions", ["compact_key"])
    op.create_table(
        "review_cases",
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("below", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name="pk_review_cases"),
    )
    op.create_index("ix_review_cases_subject", "review_cases", ["subject"])


def downgrade() -> None:
    for table in ("audit_log", "api_keys", "review_cases", "restrictions", "subject_state"):
        op.drop_table(table)
    op.drop_table("records")
    op.drop_table("events")
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
