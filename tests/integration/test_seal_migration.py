"""Migration 0010 seals a populated plaintext registry in place: every answer the same after,
no identity number, case reference or email left readable, the chain and the log verifying.

The registry is tests/data/plain_registry.db (made by tests/data/make_plain_registry.py); on
PostgreSQL its rows are copied table by table into a fresh schema at revision 0009. Answers are
computed on two copies of it, one left plaintext and one migrated, with the same clock, so that
the audited reads each pass makes are the same on both.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, MetaData, insert, inspect, select, text
from sqlalchemy.engine import make_url

from tests.data.make_plain_registry import CLOCK_DAY
from tests.data.make_plain_registry import OUT as PLAIN
from tests.factories import SettableClock
from tests.integration.conftest import PG_URL, _admin, _postgres_problem
from trustledger.bootstrap import Registry, open_registry
from trustledger.cli.app import main
from trustledger.domain.checkpoints import Checkpoint
from trustledger.domain.explanation import explain
from trustledger.domain.identity import scheme_named
from trustledger.domain.texts import Language
from trustledger.rulebook import load_rulebook
from trustledger.store import tables as t
from trustledger.store.engine import create_store_engine
from trustledger.store.schema import current_revision, head_revision, migrate

SEQUENCES = (("events", "seq"), ("key_changes", "seq"), ("log_checkpoints", "id"))
# Derived state keeps the plain subject (the check index reads it with no key): docs/store.md.
DERIVED = frozenset({"subject_state", "restrictions", "review_cases", "appeals"})

Copy = Callable[[], str]


def _plain(query: str) -> list[Any]:
    conn = sqlite3.connect(f"file:{PLAIN}?mode=ro", uri=True)  # the committed file, untouched
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


SUBJECTS = sorted(s for (s,) in _plain("SELECT DISTINCT subject FROM events"))
CASE_REFS = sorted(r for (r,) in _plain("SELECT case_ref FROM records"))
EMAILS = sorted(e for (e,) in _plain("SELECT email FROM contacts"))


def _copy_rows(url: str, scratch: Path) -> None:
    """The plaintext registry's rows into an empty schema at revision 0009."""
    shutil.copyfile(PLAIN, scratch)
    engine = create_store_engine(url)
    source = create_store_engine(f"sqlite:///{scratch}")
    try:
        migrate(engine, "0009")
        found = inspect(source)
        have = {
            name: {c["name"] for c in found.get_columns(name)}
            for name in found.get_table_names()
            if name != "alembic_version"
        }
        with source.connect() as src, engine.begin() as dst:
            dst.execute(t.registry.delete())  # 0009 made one; the copy keeps the fixture's
            # Written as 0009 declares its columns (the audit hashes are text there, bytes at head).
            at_0009 = MetaData()
            at_0009.reflect(dst)
            for name in sorted(have):
                table = t.TABLES[name]
                columns = [c for c in table.c if c.name in have[name]]
                rows = [dict(r._mapping) for r in src.execute(select(*columns))]
                if rows:
                    dst.execute(insert(at_0009.tables[name]), rows)
            for name, column in SEQUENCES:
                dst.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
                        f"(SELECT max({column}) FROM {name}))"
                    )
                )
    finally:
        engine.dispose()
        source.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def copy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Copy]:
    """Make a fresh copy of the plaintext registry and return its URL, as often as asked."""
    schemas: list[str] = []
    if request.param == "postgres":
        problem = _postgres_problem()
        if problem is not None:
            pytest.skip(problem)

    def make() -> str:
        if request.param == "sqlite":
            path = tmp_path / f"copy-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(PLAIN, path)
            return f"sqlite:///{path}"
        schema = f"t_{uuid.uuid4().hex[:16]}"
        _admin(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        rendered = url.render_as_string(hide_password=False)
        _copy_rows(rendered, tmp_path / f"{schema}.db")
        return rendered

    yield make
    for schema in schemas:
        _admin(f"DROP SCHEMA {schema} CASCADE")


def _open(url: str) -> Registry:
    """The registry as the fixture's script used it: default rulebook, cn-ric, its clock."""
    clock = SettableClock(day=CLOCK_DAY)
    return open_registry(
        url,
        rulebook=load_rulebook(),
        scheme=scheme_named("cn-ric"),
        clock=clock,
        language=Language("en"),
    )


def answers(registry: Registry, out: Path) -> dict[str, Any]:
    """Everything a reader is told, in one order (each audited read is then the same)."""
    found: dict[str, Any] = {}
    for subject in SUBJECTS:
        history = registry.files.read_history(subject, actor="officer:t", purpose="migration")
        state = registry.files.read(subject, actor="officer:t", purpose="migration")
        checks = [
            registry.stored_checks.check(subject, mode, "standard", on=CLOCK_DAY, checker="t")
            for mode in ("rail", "air")
        ]
        letters = [
            (n.notice_id, n.subject_line, n.text, n.html)
            for n in registry.portal.notices(subject, actor=f"subject:{subject}", purpose="own")
        ]
        _checkpoint, reads = registry.log.reads_of(subject)
        # A read's bytes, leaf and path are the log's, rewritten by the migration.
        seen = [(r.actor, r.purpose, r.at) for r in reads]
        found[subject] = (history, explain(state), checks, letters, seen)
    registry.exports.write(out, actor="auditor:t", purpose="migration")
    found["export"] = [_json_read(row) for row in pq.read_table(out).to_pylist()]
    found["stats"] = registry.stats.snapshot(on=CLOCK_DAY).as_dict()
    found["audit intact"] = registry.audit.verify().intact
    return found


def _json_read(row: dict[str, Any]) -> dict[str, Any]:
    """An export row with its JSON text columns read: PostgreSQL renders a plaintext row's JSONB
    with spaces, a sealed row's JSON comes back compact; the values are what must not change."""
    return {
        k: orjson.loads(v) if isinstance(v, str) and v.startswith(("{", "[")) else v
        for k, v in row.items()
    }


def _sealed(url: str, **attributes: Any) -> Registry:
    registry = _open(url)
    # Sealed, and on through the later revisions to the head the code reads.
    assert (
        migrate(registry.engine, keyring=lambda: registry.keyring, **attributes) == head_revision()
    )
    return registry


def _raw_text(engine: Engine) -> dict[tuple[str, str], str]:
    """Each column of each table as text, as the database itself renders it."""
    found = {}
    shown = '"{}"::text' if engine.dialect.name == "postgresql" else 'quote("{}")'
    with engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            for column in inspect(conn).get_columns(name):
                query = f"SELECT {shown.format(column['name'])} FROM {name}"
                values = conn.execute(text(query)).scalars()
                found[name, column["name"]] = "\n".join(v for v in values if v is not None)
    return found


def _hashes_as_head_stores_them(registry: Registry) -> None:
    """The head code appends to the plaintext registry's chain while reading it: on PostgreSQL
    its hash columns must take bytes, as 0012 made them (SQLite's columns take either)."""
    if registry.engine.dialect.name == "postgresql":
        with registry.engine.begin() as conn:
            for column in ("prev_hash", "hash"):
                conn.execute(
                    text(
                        f"ALTER TABLE audit_log ALTER COLUMN {column} TYPE bytea"
                        f" USING decode({column}, 'hex')"
                    )
                )


def _columns_head_reads(registry: Registry) -> None:
    """The head code reads the notices' facts hash (0017, its bytes since 0018), NULL in every
    row of a registry from before it, as 0017 leaves them."""
    with registry.engine.begin() as conn:
        binary = "BYTEA" if conn.dialect.name == "postgresql" else "BLOB"
        conn.execute(text(f"ALTER TABLE notices ADD COLUMN facts_sha256 {binary}"))


def test_every_answer_is_the_same_after_the_registry_is_sealed(copy: Copy, tmp_path: Path) -> None:
    plain, sealed = _open(copy()), _sealed(copy())
    _hashes_as_head_stores_them(plain)
    _columns_head_reads(plain)
    try:
        before = answers(plain, tmp_path / "before.parquet")
        after = answers(sealed, tmp_path / "after.parquet")
    finally:
        plain.close()
        sealed.close()
    assert len(before["export"]) == len(CASE_REFS)
    assert before["audit intact"]
    assert after["audit intact"]
    for key in before:
        assert after[key] == before[key], key


def test_no_identity_number_case_reference_or_email_is_readable_in_the_sealed_database(
    copy: Copy,
) -> None:
    registry = _sealed(copy())
    try:
        tables = _raw_text(registry.engine)
        files = {}
        if registry.engine.dialect.name == "sqlite":  # read while open: closing drops the -wal
            path = Path(registry.engine.url.database or "")
            for p in (path, path.with_name(path.name + "-wal")):
                files[p.name] = p.read_bytes() if p.exists() else b""
    finally:
        registry.close()
    assert SUBJECTS
    assert CASE_REFS
    assert EMAILS
    for (name, column), rows in tables.items():
        for case_ref in CASE_REFS:
            assert case_ref not in rows, (name, column, case_ref)
        for email in EMAILS:
            assert email not in rows, (name, column, email)
        # A subject acting for themselves is `subject:<pseudonym>` in the log and the trail.
        if name not in DERIVED:
            for subject in SUBJECTS:
                assert subject not in rows, (name, column, subject)
    for name, raw in files.items():  # nor left in free pages or the write-ahead log
        for value in [*CASE_REFS, *EMAILS]:
            assert value.encode() not in raw, (name, value)


def test_the_sealed_registry_verifies_its_chain_and_log_end_to_end(copy: Copy) -> None:
    registry = _sealed(copy())
    try:
        chain = registry.audit.verify()
        made = registry.log.checkpoint()
        kept = Checkpoint(registry.log.key.name, made.size, made.root, made.issued_at)
        log = registry.log.verify([kept])
        with registry.engine.connect() as conn:
            (detail,) = conn.execute(
                text("SELECT detail FROM audit_log WHERE action = 'log.sealed'")
            ).scalars()
    finally:
        registry.close()
    assert chain.intact, chain
    assert chain.entries == _plain("SELECT count(*) FROM audit_log")[0][0] + 1
    assert log.intact, log
    leaves = _plain("SELECT count(*) FROM log_leaves")[0][0]
    assert made.size == leaves + 1  # the same leaves, rehashed, and the entry saying so
    ((size, root),) = _plain("SELECT size, root FROM log_checkpoints")
    assert orjson.loads(detail) == {
        "size": leaves,
        "root": orjson.loads(detail)["root"],
        "checkpoint": {"size": size, "root": bytes(root).hex()},
    }
    assert size == leaves  # the fixture's checkpoint covered its whole log: the roots agree
    assert orjson.loads(detail)["root"] == bytes(root).hex()


def test_a_stopped_run_resumes_and_seals_no_row_twice(copy: Copy) -> None:
    url = copy()
    stop = RuntimeError("stopped after the first batch")

    def stopping(phase: str, total: int) -> Callable[[int], None]:
        def advance(n: int) -> None:
            if phase == "seal personal data":
                raise stop

        return advance

    registry = _open(url)
    try:
        with pytest.raises(RuntimeError) as raised:
            migrate(
                registry.engine, keyring=lambda: registry.keyring, progress=stopping, seal_batch=5
            )
        assert raised.value is stop
        assert current_revision(registry.engine) == "0009"
        first = _sealed_events(registry.engine)
        assert 0 < len({subject for subject, _ in first.values()}) == 5
        assert len(first) < len(_plain("SELECT seq FROM events"))
        done = migrate(registry.engine, keyring=lambda: registry.keyring, seal_batch=5)
        assert done == head_revision()
        every = _sealed_events(registry.engine)
        assert len(every) == len(_plain("SELECT seq FROM events"))
        assert {seq: every[seq] for seq in first} == first  # sealed once: same nonce, same bytes
        assert registry.audit.verify().intact
        assert registry.log.verify([]).intact
    finally:
        registry.close()


def _sealed_events(engine: Engine) -> dict[int, tuple[str, bytes]]:
    c = t.events.c
    with engine.connect() as conn:
        rows = conn.execute(select(c.seq, c.subject, c.sealed).where(c.sealed.is_not(None)))
        return {r.seq: (r.subject, bytes(r.sealed)) for r in rows}


def test_the_migration_reports_each_phase_from_its_size_to_done(copy: Copy) -> None:
    registry = _open(copy())
    seen: dict[str, list[int]] = {}

    def progress(phase: str, total: int) -> Callable[[int], None]:
        seen[phase] = [total, 0]
        return lambda n: seen[phase].__setitem__(1, seen[phase][1] + n)

    try:
        migrate(registry.engine, keyring=lambda: registry.keyring, progress=progress)
    finally:
        registry.close()
    rows = len(_plain("SELECT seq FROM events")) + len(EMAILS) + len(SUBJECTS)
    assert seen["seal personal data"][0] > rows  # and the notices and audit entries
    assert list(seen) == ["seal personal data", "audit chain", "transparency log"]
    for phase, (total, done) in seen.items():
        assert done == total, phase


def test_trustledger_migrate_seals_a_registry_and_audit_verify_passes(
    copy: Copy, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = copy()

    def run(*args: str) -> int:
        monkeypatch.setattr(sys, "argv", ["trustledger", "--db", url, *args])
        try:
            main()
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    assert run("migrate") == 0
    assert f"(schema revision {head_revision()})" in capsys.readouterr().out
    assert run("audit", "verify") == 0
    entries = _plain("SELECT count(*) FROM audit_log")[0][0] + 1
    assert f"audit chain intact: {entries} entries" in capsys.readouterr().out


def test_a_subjects_own_reads_show_them_as_the_reader_before_and_after_sealing(
    copy: Copy,
) -> None:
    registry = _sealed(copy())
    # The one who read their notices on the portal before the migration (the fixture's script).
    ((subject,),) = _plain(
        "SELECT subject FROM audit_log WHERE actor = 'subject:' || subject AND action LIKE '%read'"
    )
    try:
        registry.files.read(subject, actor=f"subject:{subject}", purpose="own file")
        _checkpoint, reads = registry.log.reads_of(subject)
        with registry.engine.connect() as conn:
            stored = set(conn.execute(text("SELECT actor FROM audit_log")).scalars())
    finally:
        registry.close()
    mine = [r for r in reads if r.actor == f"subject:{subject}"]
    assert len(mine) == 2  # the old read and the new one, as they were made
    assert f"subject:{subject}" not in stored
