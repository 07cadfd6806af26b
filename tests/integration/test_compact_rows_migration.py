"""Migrations 0018 (notices' facts hash as 32 bytes) and 0019 (no data_keys.created_at): up and
down on both engines, every letter still checked exactly and every sealed value still opened."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.factories import body, kept_letter, ric_number
from tests.integration.conftest import downgrade, sql
from trustledger.bootstrap import Registry
from trustledger.domain.errors import LetterAltered
from trustledger.domain.submissions import Source
from trustledger.store.schema import current_revision, head_revision, migrate

RAIL = Source("rail_bureau", ("rail.*",))
FACTS = "SELECT notice_id, facts_sha256 FROM notices ORDER BY notice_id"


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTLEDGER_LOG_KEY_FILE", str(tmp_path / "log.key"))


def set_facts_hash(registry: Registry, notice_id: str, value: object) -> None:
    with registry.engine.begin() as conn:
        conn.execute(
            text("UPDATE notices SET facts_sha256 = :v WHERE notice_id = :n"),
            {"v": value, "n": notice_id},
        )


def submitted(registry: Registry, n: int) -> list[str]:
    """`n` subjects with a record each, whose restriction letter is kept unwritten with its facts'
    hash (a single write's letter is hashed when sent)."""
    subjects = [ric_number() for _ in range(n)]
    for subject in subjects:
        registry.intake.submit(body(subject=subject, case_ref=uuid.uuid4().hex), source=RAIL)
    return subjects


def test_0018_keeps_facts_hashes_as_32_bytes_and_back_as_hex_with_the_same_letter_check(
    registry: Registry,
) -> None:
    submitted(registry, 3)
    stored = [(n, bytes(h)) for n, h in sql(registry, FACTS)]
    assert len(stored) == 3
    assert all(len(h) == 32 for _, h in stored)
    texts = {n: kept_letter(registry, n).text for n, _ in stored}

    downgrade(registry, "0017")
    assert [tuple(r) for r in sql(registry, FACTS)] == [(n, h.hex()) for n, h in stored]
    # At 0017 the hex is checked as it was: an unchanged letter reads, a changed hash is refused.
    assert {n: kept_letter(registry, n).text for n, _ in stored} == texts
    first = stored[0][0]
    set_facts_hash(registry, first, hashlib.sha256(b"another letter").hexdigest())
    with pytest.raises(LetterAltered, match=first):
        _ = kept_letter(registry, first).text
    set_facts_hash(registry, first, stored[0][1].hex())

    assert migrate(registry.engine) == head_revision()
    assert [(n, bytes(h)) for n, h in sql(registry, FACTS)] == stored
    assert {n: kept_letter(registry, n).text for n, _ in stored} == texts
    set_facts_hash(registry, first, hashlib.sha256(b"another letter").digest())
    with pytest.raises(LetterAltered, match=first):
        _ = kept_letter(registry, first).text
    # A letter written at head keeps its hash as bytes too, and reads.
    (subject,) = submitted(registry, 1)
    (notice,) = registry.portal.notices(subject, actor="subject", purpose="own")
    ((fresh,),) = sql(
        registry, "SELECT facts_sha256 FROM notices WHERE notice_id = :n", n=notice.notice_id
    )
    assert len(bytes(fresh)) == 32
    assert notice.text


def test_0018_stops_on_a_facts_hash_that_is_not_a_sha256_and_changes_nothing(
    registry: Registry,
) -> None:
    submitted(registry, 2)
    downgrade(registry, "0017")
    ((notice_id, _),) = sql(registry, FACTS + " LIMIT 1")
    set_facts_hash(registry, notice_id, "not a hash")
    before = [tuple(r) for r in sql(registry, FACTS)]
    with pytest.raises(RuntimeError, match="0018: 1 notices hold a facts_sha256"):
        migrate(registry.engine)
    assert current_revision(registry.engine) == "0017"
    assert [tuple(r) for r in sql(registry, FACTS)] == before


def key_columns(registry: Registry) -> set[str]:
    return {c["name"] for c in inspect(registry.engine).get_columns("data_keys")}


def clustered(registry: Registry) -> bool:
    """SQLite: data_keys kept in its primary key's b-tree (0014); PostgreSQL has no such table."""
    if registry.engine.dialect.name != "sqlite":
        return True
    ((ddl,),) = sql(registry, "SELECT sql FROM sqlite_master WHERE name = 'data_keys'")
    return "WITHOUT ROWID" in ddl


def test_0019_drops_the_keys_creation_time_and_every_sealed_value_still_opens(
    registry: Registry,
) -> None:
    subjects = submitted(registry, 4)
    assert key_columns(registry) == {"pseudonym", "scope", "kek_version", "wrapped"}
    assert clustered(registry)
    keys = sorted(
        tuple(r) for r in sql(registry, "SELECT pseudonym, scope, wrapped FROM data_keys")
    )

    def histories() -> list[object]:
        return [
            registry.files.read_history(s, actor="officer_li", purpose="migration").events
            for s in subjects
        ]

    before = histories()
    assert all(before)

    downgrade(registry, "0018")
    assert "created_at" in key_columns(registry)
    assert clustered(registry)
    assert sql(registry, "SELECT count(*) FROM data_keys WHERE created_at IS NULL") == [(0,)]
    # The head code still writes here: the column's default gives a new key its time.
    (late,) = submitted(registry, 1)
    assert sql(registry, "SELECT count(*) FROM data_keys WHERE created_at IS NULL") == [(0,)]

    assert migrate(registry.engine) == head_revision()
    assert key_columns(registry) == {"pseudonym", "scope", "kek_version", "wrapped"}
    assert clustered(registry)
    after = sorted(
        tuple(r) for r in sql(registry, "SELECT pseudonym, scope, wrapped FROM data_keys")
    )
    assert set(keys) <= set(after)
    assert histories() == before
    assert registry.files.read_history(late, actor="officer_li", purpose="migration").events
