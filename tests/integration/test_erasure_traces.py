"""After the sweep erased a subject, its personal data is nowhere: not in the SQLite file or its
WAL, a pg_dump, a Parquet export, the file, explain or portal; a backup taken before opens none
of it; the audit chain and the transparency log verify before and after."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import make_url

from tests.due_factories import COURT
from tests.factories import SettableClock, judgment, ric_number
from tests.integration.conftest import PG_URL, _admin, opened, sql
from tests.integration.test_erasure import RETAIN_DAYS, sweep_until_erased
from trustledger.bootstrap import Registry, open_registry
from trustledger.domain.checkpoints import open_note
from trustledger.domain.explanation import explain
from trustledger.store.engine import is_postgres, purge_wal

EMAIL = "trace.me.4471@example.org"
CASE_REF = "TRACE-CASE-90817"
EVIDENCE = "TRACE-EVIDENCE-55302"
AMOUNT = 918273


@pytest.fixture
def reg(db_url: str, clock: SettableClock) -> Iterator[Registry]:
    with opened(db_url, clock, retain_days=RETAIN_DAYS) as registry:
        yield registry


def traces(subject: str) -> list[bytes]:
    return [t.encode() for t in (subject, EMAIL, CASE_REF, EVIDENCE, str(AMOUNT))]


def found_in(data: bytes, subject: str, *, asked: bool = False) -> list[bytes]:
    """The traces in `data`; `asked`: an answer about the subject, which names it."""
    return [t for t in traces(subject)[asked:] if t in data]


def sqlite_path(reg: Registry) -> Path:
    return Path(str(make_url(reg.db_url).database))


def pg_schema(reg: Registry) -> str:
    options = str(make_url(reg.db_url).query["options"])
    return options.removeprefix("-csearch_path=")


def pg_dump(reg: Registry) -> bytes:
    url = make_url(PG_URL)
    command = ["pg_dump", "-h", str(url.host), "-p", str(url.port or 5432), "-U", str(url.username)]
    command += ["-n", pg_schema(reg), str(url.database)]
    return subprocess.run(command, check=True, capture_output=True).stdout


def backup(reg: Registry, tmp_path: Path) -> Iterator[str]:
    """A copy of the database as it is now, as a URL (a SQLite file, or a schema restored from
    a pg_dump); dropped at the end."""
    if not is_postgres(reg.engine):
        purge_wal(reg.engine)
        copy = tmp_path / "backup.db"
        shutil.copyfile(sqlite_path(reg), copy)
        yield f"sqlite:///{copy}"
        return
    schema, copy = pg_schema(reg), f"b_{uuid.uuid4().hex[:16]}"
    dump = pg_dump(reg).decode().replace(schema, copy)
    url = make_url(PG_URL)
    command = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(url.host), "-U", str(url.username)]
    subprocess.run(
        [*command, str(url.database)], input=dump.encode(), check=True, capture_output=True
    )
    try:
        yield (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={copy}"})
            .render_as_string(hide_password=False)
        )
    finally:
        _admin(f"DROP SCHEMA {copy} CASCADE")


def test_an_erased_subject_leaves_no_trace_and_a_backup_taken_before_opens_nothing(
    reg: Registry, clock: SettableClock, tmp_path: Path
) -> None:
    subject = ric_number()
    body = judgment(
        subject=subject,
        case_ref=CASE_REF,
        evidence_ref=EVIDENCE,
        attributes={"amount_cny": AMOUNT},
        contact=EMAIL,
    )
    (notice,) = reg.intake.submit(body, source=COURT).notices
    before = reg.files.read_history(subject, actor="officer_li", purpose="test")
    assert before.state.assessments[0].record.case_ref == CASE_REF
    assert reg.portal.notices(subject, actor="subject", purpose="portal")
    first = reg.log.checkpoint(fresh=True)
    copies = backup(reg, tmp_path)
    old_url = next(copies)

    sweep_until_erased(reg, clock, subject)

    # What users meet: nothing of the subject's records.
    after = reg.files.read_history(subject, actor="officer_li", purpose="test")
    assert after.state.assessments == ()
    assert found_in(repr(after).encode(), subject, asked=True) == []
    assert explain(reg.files.read(subject, actor="cli", purpose="explain"))["records"] == []
    assert reg.portal.notices(subject, actor="subject", purpose="portal") == []
    assert notice.access_code is not None
    assert not reg.portal.verify_access(subject, notice.access_code)
    out = tmp_path / "records.parquet"
    reg.exports.write(out, actor="auditor", purpose="test")
    exported = repr(pq.read_table(out).to_pylist()).encode()
    assert not found_in(exported, subject)
    assert not found_in(out.read_bytes(), subject)
    # The stored bytes: the SQLite file and its WAL as the erasure left them and after a
    # checkpoint; on PostgreSQL a dump of the schema.
    if is_postgres(reg.engine):
        assert found_in(pg_dump(reg), subject) == []
    else:
        path = sqlite_path(reg)
        wal = path.with_name(path.name + "-wal")
        assert found_in(path.read_bytes(), subject) == []
        assert found_in(wal.read_bytes() if wal.exists() else b"", subject) == []
        purge_wal(reg.engine)
        assert found_in(path.read_bytes(), subject) == []
    # Both chains verify, the log against the checkpoint signed before the erasure.
    assert reg.audit.verify().intact
    second = reg.log.checkpoint(fresh=True)
    key = reg.log.key
    assert reg.log.verify([open_note(first.note, key), open_note(second.note, key)]).intact

    # The backup holds the ciphertext and the wrapped keys, but the vault forgot the old
    # key-encryption key: nothing of the subject opens there.
    old = open_registry(old_url, rulebook=reg.rulebook, scheme=reg.scheme, clock=clock)
    try:
        read = old.files.read_history(subject, actor="officer_li", purpose="test")
        assert read.state.assessments == ()
        with old.uow(readonly=True) as uow:
            p = uow.data_keys.pseudonym(subject)
            sealed = [
                (scope, bytes(s))
                for scope, s in sql(
                    old,
                    "SELECT coalesce(record_id, ''), sealed FROM events "
                    "WHERE subject = :p AND sealed IS NOT NULL",
                    p=p,
                )
            ]
            assert sealed
            assert all(uow.data_keys.open(p, scope, s) is None for scope, s in sealed)
    finally:
        old.close()
        next(copies, None)


def test_the_traces_are_there_before_the_erasure_where_they_should_be(
    reg: Registry, tmp_path: Path
) -> None:
    """The grep above can find what it looks for: the export holds the record before."""
    subject = ric_number()
    body = judgment(subject=subject, case_ref=CASE_REF, evidence_ref=EVIDENCE, contact=EMAIL)
    body["attributes"] = {"amount_cny": AMOUNT}
    reg.intake.submit(body, source=COURT)
    out = tmp_path / "records.parquet"
    reg.exports.write(out, actor="auditor", purpose="test")
    exported = repr(pq.read_table(out).to_pylist()).encode()
    assert set(found_in(exported, subject)) >= {subject.encode(), CASE_REF.encode()}
