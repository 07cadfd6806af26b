"""Personal data sealed in place: every plaintext row becomes the sealed format (issue 15).

The rows written before 0009 name subjects by identity number and keep case references, letters
and addresses in the clear. This revision rewrites them as today's writers write (docs/store.md,
"Personal data and its keys"): in events, records, notices, contacts and the audit log the subject
becomes its pseudonym and the personal part is sealed under the subject's data keys; records keep
keyed hashes of their case reference and payload; subject_state gets each subject's pseudonym.

The append-only tables' triggers are dropped for the rewrite and made again after it. The audit
chain's hashes and the transparency log's leaves and subtrees are recomputed over the bytes now
stored, so `audit verify` and the log verify end to end. Checkpoints signed before cannot extend
to the rewritten log: an audit entry (`log.sealed`, no personal data) records the old log's size
and root and the last checkpoint's, and the old checkpoints stay where they are (docs/security.md).

Resumable: subjects are converted in batches, each committed on its own with all of their rows,
and only what is still plaintext is read; a run stopped part way picks up where it stopped. The
chain and the log are recomputed from the start on every run (nothing else depends on them while
the revision is still 0009). It needs the keyring when there is something to seal: the one the
caller hands Alembic (`Registry.migrate`), else the configured one (store/master_key.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

from trustledger.domain.merkle import CompactRange
from trustledger.domain.personal_data import SUBJECT_SCOPE, scope_of, split
from trustledger.domain.records import EventKind
from trustledger.domain.targets import target_record
from trustledger.settings import Settings
from trustledger.store.append_only import allow_changes, refuse_changes
from trustledger.store.audit import GENESIS, SUBJECT_ACTOR, entry_hash
from trustledger.store.bulk import insert_rows
from trustledger.store.data_keys import KeyringSource, SqlDataKeys
from trustledger.store.log_entries import AUDIT, EVENT, leaf_of
from trustledger.store.master_key import load_keyring
from trustledger.store.schema import Progress
from trustledger.store.tables import JsonType
from trustledger.store.tlog import SqlTransparencyLog

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SUBJECTS = 200  # subjects a batch, each batch committed on its own
ROWS = 5_000  # audit entries or log leaves a batch
REWRITTEN = ("events", "audit_log", "log_leaves", "log_nodes")
SEALED_PREFIX = "sealed:"  # an audit entry's sealed detail
SEALED_ACTION = "log.sealed"
CHAIN = ("seq", "actor", "action", "subject", "purpose", "detail", "at", "prev_hash")

events = sa.table(
    "events",
    sa.column("seq", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("subject", sa.String),
    sa.column("record_id", sa.String),
    sa.column("data", JsonType),
    sa.column("actor", sa.String),
    sa.column("sealed", sa.LargeBinary),
)
records = sa.table(
    "records",
    sa.column("record_id", sa.String),
    sa.column("source", sa.String),
    sa.column("case_ref", sa.String),
    sa.column("subject", sa.String),
    sa.column("payload_hash", sa.String),
)
notices = sa.table(
    "notices",
    sa.column("notice_id", sa.String),
    sa.column("subject", sa.String),
    sa.column("target", sa.String),
    sa.column("facts", JsonType),
    sa.column("kept", sa.LargeBinary),
    sa.column("access_code", sa.String),
    sa.column("sealed", sa.LargeBinary),
)
contacts = sa.table(
    "contacts",
    sa.column("subject", sa.String),
    sa.column("email", sa.String),
    sa.column("sealed", sa.LargeBinary),
)
audit_log = sa.table(
    "audit_log",
    *(sa.column(name) for name in CHAIN if name != "at"),
    sa.column("at", sa.DateTime),
    sa.column("hash", sa.String),
)
subject_state = sa.table(
    "subject_state", sa.column("subject", sa.String), sa.column("pseudonym", sa.String)
)
log_leaves = sa.table(
    "log_leaves",
    sa.column("idx", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("ref", sa.BigInteger),
    sa.column("hash", sa.LargeBinary),
)

# Where subjects with plaintext rows are looked for, in turn: nearly all have a subject_state
# row, so the later passes find only what no state names (an audited read of no one, say).
SOURCES = (subject_state, events, notices, contacts, audit_log)


def upgrade() -> None:
    conn = op.get_bind()
    _keys_made_by_head_code(conn)
    for table in REWRITTEN:
        allow_changes(table)
    conn.commit()
    keys = SqlDataKeys(conn, _keyring(conn))
    advance = _progress()("seal personal data", _plaintext_rows(conn))
    for source in SOURCES:
        after = ""
        while subjects := _next_subjects(conn, source, after):
            done = _seal_subjects(conn, keys, subjects)
            if not done:  # the query found plaintext rows of theirs, so some must have changed
                raise RuntimeError(f"migration 0010: nothing sealed for {len(subjects)} subjects")
            conn.commit()
            advance(done)
            after = subjects[-1]
    old = _old_log(conn, keys)
    _rechain(conn)
    if old is not None and old["size"]:  # a log no witness saw needs no word about it
        _append_sealed_entry(conn, old)
    conn.commit()
    if SqlTransparencyLog(conn, keys).size():
        _rehash_log(conn)
        SqlTransparencyLog(conn, keys).integrate()  # the entry above, so the next checkpoint is new
    conn.commit()
    for table in REWRITTEN:
        refuse_changes(table)
    conn.commit()
    if conn.dialect.name == "sqlite" and conn.execute(sa.select(events.c.seq).limit(1)).first():
        _compact_sqlite(conn)


def _compact_sqlite(conn: sa.Connection) -> None:
    """Rewrite the file from its live rows and empty the write-ahead log: an update leaves the
    row it replaced in free pages and old log frames, plaintext a copy of the file would show.
    (On PostgreSQL the old row versions stay until VACUUM FULL: docs/store.md.)"""
    conn.commit()
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("VACUUM")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def downgrade() -> None:
    raise RuntimeError(
        "migration 0010 is one-way: the personal data is sealed and the log rewritten over it"
    )


def _keyring(conn: sa.Connection) -> KeyringSource:
    config = op.get_context().config
    given = None if config is None else config.attributes.get("keyring")
    if given is not None:  # the caller's (Registry.migrate), else the configured keys
        return given  # type: ignore[no-any-return]
    url = conn.engine.url.render_as_string(hide_password=False)
    return lambda: load_keyring(Settings(), url)


def _progress() -> Progress:
    config = op.get_context().config
    given = None if config is None else config.attributes.get("progress")
    return given or (lambda _phase, _total: lambda _n: None)


def _plaintext(table: sa.TableClause) -> sa.ColumnElement[bool]:
    if table is audit_log:
        c = audit_log.c
        return sa.and_(c.subject.is_not(None), sa.not_(c.detail.startswith(SEALED_PREFIX)))
    if table is subject_state:
        return subject_state.c.pseudonym.is_(None)
    return table.c.sealed.is_(None)


def _plaintext_rows(conn: sa.Connection) -> int:
    counts = (
        sa.select(sa.func.count()).select_from(table).where(_plaintext(table)) for table in SOURCES
    )
    return sum(conn.execute(q).scalar_one() for q in counts)


def _next_subjects(conn: sa.Connection, table: sa.TableClause, after: str) -> list[str]:
    """The next subjects (plain, after `after`) with a plaintext row left in `table`: from
    where the last batch stopped, so that no batch rereads the rows sealed before it."""
    config = op.get_context().config
    limit = SUBJECTS if config is None else config.attributes.get("seal_batch", SUBJECTS)
    column = table.c.subject
    query = sa.select(column).where(_plaintext(table), column > after).distinct().order_by(column)
    return list(conn.execute(query.limit(limit)).scalars())


def _keys_made_by_head_code(conn: sa.Connection) -> None:
    """The keys are made by the head code (SqlDataKeys), which writes no `created_at` since 0019
    dropped it: until then the column takes the time a row is written by default (UTC), also
    where 0009 made it without (a run of this revision stopped and resumed)."""
    now = sa.text(
        "CURRENT_TIMESTAMP" if conn.dialect.name == "sqlite" else "timezone('utc', now())"
    )
    with op.batch_alter_table("data_keys") as batch:
        batch.alter_column(
            "created_at", existing_type=sa.DateTime(), existing_nullable=False, server_default=now
        )
    conn.commit()


def _seal_subjects(conn: sa.Connection, keys: SqlDataKeys, subjects: Sequence[str]) -> int:
    """Every plaintext row of these subjects in the spec's format; the rows converted."""
    pseudonyms = {s: keys.pseudonym(s) for s in subjects}
    keys.preload(pseudonyms.values())
    done = _seal_events(conn, keys, pseudonyms)
    _hash_records(conn, keys, pseudonyms)
    done += _seal_notices(conn, keys, pseudonyms)
    done += _seal_contacts(conn, keys, pseudonyms)
    done += _seal_audit(conn, keys, pseudonyms)
    c = subject_state.c
    for subject, pseudonym in pseudonyms.items():
        done += conn.execute(
            sa.update(subject_state)
            .where(c.subject == subject, c.pseudonym.is_(None))
            .values(pseudonym=pseudonym)
        ).rowcount
    return done


def _rows(conn: sa.Connection, table: sa.TableClause, subjects: Iterable[str]) -> list[Any]:
    query = sa.select(table).where(table.c.subject.in_(list(subjects)), _plaintext(table))
    return list(conn.execute(query))


def _update(
    conn: sa.Connection, table: sa.TableClause, key: str, rows: list[dict[str, Any]]
) -> int:
    if not rows:
        return 0
    names = [name for name in rows[0] if name != "key"]
    statement = (
        sa.update(table)
        .where(table.c[key] == sa.bindparam("key"))
        .values({name: sa.bindparam(f"v_{name}") for name in names})
    )
    conn.execute(
        statement, [{f"v_{k}" if k != "key" else k: v for k, v in r.items()} for r in rows]
    )
    return len(rows)


def _seal_events(conn: sa.Connection, keys: SqlDataKeys, pseudonyms: dict[str, str]) -> int:
    changed = []
    for row in _rows(conn, events, pseudonyms):
        plain, personal = split(EventKind(row.kind), row.data)
        pseudonym = pseudonyms[row.subject]
        sealed = keys.seal(
            pseudonym, scope_of(row.record_id), {**personal, "_subject": row.subject}
        )
        # A subject acting for themselves, as the event log writes it since (store/repositories.py).
        own = row.actor == SUBJECT_ACTOR + row.subject
        actor = SUBJECT_ACTOR + pseudonym if own else row.actor
        changed.append(
            {"key": row.seq, "subject": pseudonym, "data": plain, "sealed": sealed, "actor": actor}
        )
    return _update(conn, events, "seq", changed)


def _hash_records(conn: sa.Connection, keys: SqlDataKeys, pseudonyms: dict[str, str]) -> None:
    c = records.c
    query = sa.select(records).where(c.subject.in_(list(pseudonyms)))
    changed = [
        {
            "key": r.record_id,
            "subject": pseudonyms[r.subject],
            "case_ref": keys.keyed_hash("case_ref", r.source, r.case_ref),
            "payload_hash": keys.keyed_hash("payload", r.payload_hash),
        }
        for r in conn.execute(query)
    ]
    _update(conn, records, "record_id", changed)


def _seal_notices(conn: sa.Connection, keys: SqlDataKeys, pseudonyms: dict[str, str]) -> int:
    c = notices.c
    rows = _rows(conn, notices, pseudonyms)
    for row in rows:
        pseudonym = pseudonyms[row.subject]
        kept = None if row.kept is None else base64.b64encode(bytes(row.kept)).decode()
        value = {"facts": row.facts, "kept": kept, "access_code": row.access_code}
        sealed = keys.seal(pseudonym, target_record(row.target) or SUBJECT_SCOPE, value)
        # Literal NULLs: a JSON column given None would store the JSON value null.
        conn.execute(
            sa.update(notices)
            .where(c.notice_id == row.notice_id)
            .values(subject=pseudonym, facts=sa.null(), kept=None, access_code=None, sealed=sealed)
        )
    return len(rows)


def _seal_contacts(conn: sa.Connection, keys: SqlDataKeys, pseudonyms: dict[str, str]) -> int:
    changed = [
        {
            "key": row.subject,
            "subject": pseudonyms[row.subject],
            "email": None,
            "sealed": keys.seal(pseudonyms[row.subject], SUBJECT_SCOPE, {"email": row.email}),
        }
        for row in _rows(conn, contacts, pseudonyms)
    ]
    return _update(conn, contacts, "subject", changed)


def _seal_audit(conn: sa.Connection, keys: SqlDataKeys, pseudonyms: dict[str, str]) -> int:
    changed = []
    for row in _rows(conn, audit_log, pseudonyms):
        pseudonym = pseudonyms[row.subject]
        sealed = keys.seal(pseudonym, SUBJECT_SCOPE, {"detail": row.detail})
        detail = SEALED_PREFIX + base64.b64encode(sealed).decode()
        # The portal audits a subject's own reads with the subject as actor (store/audit.py).
        own = row.actor == SUBJECT_ACTOR + row.subject
        actor = SUBJECT_ACTOR + pseudonym if own else row.actor
        changed.append({"key": row.seq, "subject": pseudonym, "detail": detail, "actor": actor})
    return _update(conn, audit_log, "seq", changed)


def _old_log(conn: sa.Connection, keys: SqlDataKeys) -> dict[str, Any] | None:
    """The log as it stood before (from its stored subtrees), and its last checkpoint; None if
    a run before this one already recorded it."""
    c = audit_log.c
    if conn.execute(sa.select(c.seq).where(c.action == SEALED_ACTION).limit(1)).first():
        return None
    log = SqlTransparencyLog(conn, keys)
    size = log.size()
    checkpoint = log.latest_checkpoint()
    return {
        "size": size,
        "root": log.root(size).hex(),
        "checkpoint": None
        if checkpoint is None
        else {"size": checkpoint.size, "root": checkpoint.root.hex()},
    }


def _rechain(conn: sa.Connection) -> None:
    """Each entry's prev_hash and hash recomputed over its stored fields, from the first."""
    c = audit_log.c
    rows = sa.select(sa.func.count()).select_from(audit_log)
    advance = _progress()("audit chain", conn.execute(rows).scalar_one())
    prev, after = GENESIS, 0
    while True:
        query = sa.select(audit_log).where(c.seq > after).order_by(c.seq).limit(ROWS)
        batch = list(conn.execute(query))
        if not batch:
            return
        changed = []
        for row in batch:
            fields = {name: getattr(row, name) for name in CHAIN} | {"prev_hash": prev}
            digest = entry_hash(**fields)
            if (row.prev_hash, row.hash) != (prev, digest):
                changed.append({"key": row.seq, "prev_hash": prev, "hash": digest})
            prev = digest
        _update(conn, audit_log, "seq", changed)
        after = batch[-1].seq
        advance(len(batch))


def _append_sealed_entry(conn: sa.Connection, old: dict[str, Any]) -> None:
    c = audit_log.c
    last = conn.execute(sa.select(c.seq, c.hash).order_by(c.seq.desc()).limit(1)).first()
    seq, prev = (0, GENESIS) if last is None else (last.seq, last.hash)
    entry = {
        "seq": seq + 1,
        "actor": "migration:0010",
        "action": SEALED_ACTION,
        "subject": None,
        "purpose": "personal data sealed in place; the log rewritten over the sealed rows",
        "detail": orjson.dumps(old, option=orjson.OPT_SORT_KEYS).decode(),
        "at": datetime.now(UTC).replace(tzinfo=None),
        "prev_hash": prev,
    }
    conn.execute(sa.insert(audit_log).values(**entry, hash=entry_hash(**entry)))


def _rehash_log(conn: sa.Connection) -> None:
    """Each leaf's hash over its row as now stored (same leaves in the same order), and the
    perfect subtrees above them built again."""
    conn.execute(sa.delete(sa.table("log_nodes")))
    meta = sa.MetaData()
    content = {
        EVENT: sa.Table("events", meta, autoload_with=conn),
        AUDIT: sa.Table("audit_log", meta, autoload_with=conn),
    }
    nodes_table = sa.Table("log_nodes", meta, autoload_with=conn)
    c = log_leaves.c
    size = conn.execute(sa.select(sa.func.count()).select_from(log_leaves)).scalar_one()
    advance = _progress()("transparency log", size)
    tree, after = CompactRange(), -1
    while True:
        query = sa.select(log_leaves).where(c.idx > after).order_by(c.idx).limit(ROWS)
        leaves = list(conn.execute(query))
        if not leaves:
            return
        stored: dict[tuple[str, int], Any] = {}
        for kind, table in content.items():
            refs = [leaf.ref for leaf in leaves if leaf.kind == kind]
            for found in (
                conn.execute(sa.select(table).where(table.c.seq.in_(refs))) if refs else ()
            ):
                stored[kind, found.seq] = found
        changed, nodes = [], []
        for leaf in leaves:
            row = stored.get((leaf.kind, leaf.ref))
            if row is None:  # the log was broken before: `audit verify --checkpoints` names it
                raise RuntimeError(f"migration 0010: leaf {leaf.idx} has no {leaf.kind} row")
            h = leaf_of(leaf.kind, row)
            if bytes(leaf.hash) != h:
                changed.append({"key": leaf.idx, "hash": h})
            nodes += [{"level": lv, "idx": i, "hash": n} for lv, i, n in tree.append(h)[1:]]
        _update(conn, log_leaves, "idx", changed)
        insert_rows(conn, nodes_table, nodes)
        conn.commit()
        after = leaves[-1].idx
        advance(len(leaves))
