"""Letters kept once: as their facts, their templates' version and a hash, not their words.

A letter issued from this revision on keeps its facts (since 0007), the version of the templates
it was written with and the SHA-256 of the letter as issued (its access code masked), and is
written again when read. A letter issued before it is kept as its words, zlib-compressed in
`kept`, with the same hash: a migration cannot write letters (the templates are the delivery
adapter's, which the store does not import), and compressing them changes no byte.

Resumable: the letters are converted in batches, each committed on its own, and only rows not
yet converted are read; a run stopped part way picks up where it stopped. The text and HTML
columns are dropped once every row is converted.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 500
MASK = "XXXX-XXXX-XXXX-XXXX"  # trustledger.domain.notice_letters.MASK, as of this revision

notices = sa.table(
    "notices",
    sa.column("notice_id", sa.String),
    sa.column("subject_line", sa.Text),
    sa.column("text", sa.Text),
    sa.column("html", sa.Text),
    sa.column("access_code", sa.String),
    sa.column("sha256", sa.String),
    sa.column("kept", sa.LargeBinary),
)


def sha256(subject_line: str, text: str, html: str, code: str | None) -> str:
    """services.due_process.letters.letter_sha256, as of this revision."""
    if code:
        text, html = text.replace(code, MASK), html.replace(code, MASK)
    digest = hashlib.sha256()
    for part in (subject_line, text, html):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _columns() -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns("notices")}


def upgrade() -> None:
    have = _columns()
    with op.batch_alter_table("notices") as batch:
        if "template_version" not in have:
            batch.add_column(sa.Column("template_version", sa.String(8), nullable=True))
        if "sha256" not in have:
            batch.add_column(sa.Column("sha256", sa.String(64), nullable=True))
        if "kept" not in have:
            batch.add_column(sa.Column("kept", sa.LargeBinary(), nullable=True))
    if "text" in have:
        # Each batch commits on its own, so a stopped run keeps what it converted.
        with op.get_context().autocommit_block():
            while _convert_batch():
                pass
        with op.batch_alter_table("notices") as batch:
            batch.drop_column("text")
            batch.drop_column("html")


def _convert_batch() -> int:
    conn = op.get_bind()
    c = notices.c
    rows = conn.execute(
        sa.select(c.notice_id, c.subject_line, c.text, c.html, c.access_code)
        .where(c.kept.is_(None))
        .order_by(c.notice_id)
        .limit(BATCH)
    ).all()
    if not rows:
        return 0
    statement = (
        sa.update(notices)
        .where(c.notice_id == sa.bindparam("key"))
        .values(kept=sa.bindparam("v_kept"), sha256=sa.bindparam("v_sha256"))
    )
    conn.execute(
        statement,
        [
            {
                "key": r.notice_id,
                "v_kept": zlib.compress(f"{r.text}\0{r.html}".encode(), 9),
                "v_sha256": sha256(r.subject_line, r.text, r.html, r.access_code),
            }
            for r in rows
        ],
    )
    return len(rows)


def downgrade() -> None:
    conn = op.get_bind()
    written = conn.execute(sa.text("SELECT count(*) FROM notices WHERE kept IS NULL")).scalar_one()
    if written:
        raise RuntimeError(
            f"{written} letters are kept as facts only (written again when read): "
            "revision 0007 cannot hold them"
        )
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("html", sa.Text(), nullable=True))
    c = notices.c
    for r in conn.execute(sa.select(c.notice_id, c.kept)).all():
        text, html = zlib.decompress(r.kept).decode().split("\0")
        conn.execute(
            sa.update(notices).where(c.notice_id == r.notice_id).values(text=text, html=html)
        )
    with op.batch_alter_table("notices") as batch:
        batch.alter_column("text", existing_type=sa.Text(), nullable=False)
        batch.alter_column("html", existing_type=sa.Text(), nullable=False)
        batch.drop_column("kept")
        batch.drop_column("sha256")
        batch.drop_column("template_version")
