"""The audit chain: writes and reads leave entries; tampering is caught; writers stay linear."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta

import pytest

from tests.factories import body, ric_number
from tests.integration.conftest import sql, sql_write
from trustledger.bootstrap import Registry
from trustledger.domain.submissions import Source
from trustledger.store.audit import GENESIS

RAIL = Source("rail_bureau", ("rail.*",))


def tamper(registry: Registry, statement: str, **params: object) -> None:
    """Change the log as someone with database rights could: first lift the append-only trigger."""
    if registry.engine.dialect.name == "postgresql":
        sql_write(registry, "ALTER TABLE audit_log DISABLE TRIGGER USER")
    else:
        sql_write(registry, "DROP TRIGGER audit_log_no_update")
        sql_write(registry, "DROP TRIGGER audit_log_no_delete")
    sql_write(registry, statement, **params)


def fill(registry: Registry, n: int = 3) -> None:
    for i in range(n):
        registry.intake.submit(body(subject=ric_number(), case_ref=f"A-{i}"), source=RAIL)


def test_each_entry_hashes_its_canonical_encoding_and_the_previous_hash(registry: Registry) -> None:
    fill(registry, 1)
    rows = sql(
        registry,
        "SELECT seq, actor, action, subject, purpose, detail, at, prev_hash, hash "
        "FROM audit_log ORDER BY seq",
    )
    assert [r.seq for r in rows] == [1, 2]
    # Stored as 32 bytes (0012); the chain hashes their hex.
    assert bytes(rows[0].prev_hash) == bytes.fromhex(GENESIS)
    assert bytes(rows[1].prev_hash) == bytes(rows[0].hash)
    first = rows[0]
    if isinstance(first.at, int):  # SQLite: microseconds since 1970 (store/stamps.py)
        at = (datetime(1970, 1, 1) + timedelta(microseconds=first.at)).isoformat()
    else:  # a datetime on PostgreSQL
        at = str(first.at).replace(" ", "T")
    assert len(at) == 26  # with its microseconds, as the chain's encoding has them
    encoded = (
        f'{{"action":"record.submit","actor":"rail_bureau","at":"{at}",'
        f'"detail":"{first.detail}","prev_hash":"{GENESIS}","purpose":"intake","seq":1,'
        f'"subject":"{first.subject}"}}'
    )
    assert hashlib.sha256(encoded.encode()).digest() == bytes(first.hash)


def test_an_intact_chain_verifies(registry: Registry) -> None:
    fill(registry)
    verdict = registry.audit.verify()
    assert (verdict.intact, verdict.entries, verdict.first_broken) == (True, 6, None)


@pytest.mark.parametrize(
    ("statement", "broken", "verified", "reason"),
    [
        ("UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 3", 3, 2, "hash does not match"),
        ("UPDATE audit_log SET hash = :fake WHERE seq = 2", 2, 1, "hash does not match"),
        ("DELETE FROM audit_log WHERE seq = 4", 5, 3, "entry 4 is missing"),
        ("UPDATE audit_log SET prev_hash = :fake WHERE seq = 5", 5, 4, "previous hash"),
    ],
)
def test_an_edit_made_directly_in_sql_is_caught_at_the_entry(
    registry: Registry, statement: str, broken: int, verified: int, reason: str
) -> None:
    fill(registry)
    tamper(registry, statement, **({"fake": b"\xff" * 32} if ":fake" in statement else {}))
    verdict = registry.audit.verify()
    assert not verdict.intact
    assert verdict.first_broken == broken
    assert reason in (verdict.reason or "")
    assert verdict.entries == verified


def test_concurrent_writers_keep_the_chain_linear(registry: Registry) -> None:
    threads, each = 4, 6
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(each):
                subject = ric_number()
                registry.intake.submit(
                    body(subject=subject, case_ref=f"T{worker}-{i}"), source=RAIL
                )
                registry.files.read(subject, actor=f"officer:{worker}", purpose="concurrency")
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    total = threads * each * 3  # submit, notice, read
    verdict = registry.audit.verify()
    assert (verdict.intact, verdict.entries) == (True, total)
    seqs = [r[0] for r in sql(registry, "SELECT seq FROM audit_log ORDER BY seq")]
    assert seqs == list(range(1, total + 1))
    events = [r[0] for r in sql(registry, "SELECT seq FROM events ORDER BY seq")]
    assert events == list(range(1, threads * each * 2 + 1))


def test_reading_the_file_of_a_number_the_registry_does_not_know_leaves_no_key(
    registry: Registry,
) -> None:
    unknown = ric_number(region="320102", born="19770707")  # a typo, or a guess
    registry.files.read(unknown, actor="officer:li", purpose="look-up")
    registry.files.history(unknown, actor="officer:li", purpose="look-up")
    with registry.uow(readonly=True) as uow:
        pseudonym = uow.data_keys.pseudonym(unknown)
    # The reads are audited under the pseudonym, their details plain: they name no one.
    found = sql(registry, "SELECT action, detail FROM audit_log WHERE subject = :p", p=pseudonym)
    assert sorted(found) == [("file.history", "after=0"), ("file.read", "as_of=2026-11-25")]
    assert sql(registry, "SELECT count(*) FROM data_keys WHERE pseudonym = :p", p=pseudonym) == [
        (0,)
    ]
