"""The transparency log in the store: every event and audit entry a leaf, proofs, checkpoints."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from pathlib import Path

import pytest
from anyio import to_thread

from tests.factories import body, ric_number
from tests.integration.conftest import run_loop, sql
from trustledger.api.app import CHECKPOINT_THREAD, _sign_checkpoints
from trustledger.bootstrap import Registry
from trustledger.domain.checkpoints import open_note
from trustledger.domain.errors import Forbidden, InvalidInput
from trustledger.domain.log_leaves import StoredCheckpoint
from trustledger.domain.merkle import leaf_hash, root_of, verify_consistency, verify_inclusion
from trustledger.domain.submissions import Source
from trustledger.store import tables as t
from trustledger.store.log_entries import AUDIT_TAG, EVENT_TAG, audit_bytes, event_bytes

RAIL = Source("rail_bureau", ("rail.*",))


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "log.key"
    monkeypatch.setenv("TRUSTLEDGER_LOG_KEY_FILE", str(path))
    return path


def fill(registry: Registry, n: int) -> None:
    for _ in range(n):
        registry.intake.submit(body(subject=ric_number(), case_ref=uuid.uuid4().hex), source=RAIL)


def test_every_event_and_audit_entry_becomes_a_leaf_over_its_stored_bytes(
    registry: Registry,
) -> None:
    fill(registry, 3)
    cp = registry.log.checkpoint()
    events = sql(registry, "SELECT count(*) FROM events")[0][0]
    audits = sql(registry, "SELECT count(*) FROM audit_log")[0][0]
    assert cp.size == events + audits
    leaves = sql(registry, "SELECT idx, kind, ref, hash FROM log_leaves ORDER BY idx")
    assert [r.idx for r in leaves] == list(range(cp.size))
    assert [r.kind for r in leaves] == ["event"] * events + ["audit"] * audits
    # The leaf of an event covers its full content: recomputed here from the row by plain SQL.
    e = sql(registry, "SELECT subject, record_id FROM events ORDER BY seq")[0]
    assert e.subject.encode() in _leaf_bytes_of(registry, 0)
    assert e.record_id.encode() in _leaf_bytes_of(registry, 0)
    assert bytes(leaves[0].hash) == leaf_hash(_leaf_bytes_of(registry, 0))
    assert root_of([bytes(r.hash) for r in leaves]) == cp.root


def _leaf_bytes_of(registry: Registry, index: int) -> bytes:
    """The bytes a leaf covers, encoded here from the row read back by a plain select."""
    kind, ref = sql(registry, "SELECT kind, ref FROM log_leaves WHERE idx = :i", i=index)[0]
    table = t.events if kind == "event" else t.audit_log
    with registry.engine.connect() as conn:
        row = conn.execute(table.select().where(table.c.seq == ref)).one()
    data = event_bytes(row) if kind == "event" else audit_bytes(row)
    assert data.startswith(EVENT_TAG if kind == "event" else AUDIT_TAG)
    return data


def test_checkpoints_are_signed_notes_and_proofs_verify_against_them(registry: Registry) -> None:
    fill(registry, 2)
    first = registry.log.checkpoint()
    fill(registry, 3)
    second = registry.log.checkpoint()
    key = registry.log.key
    old, new = open_note(first.note, key), open_note(second.note, key)
    assert (old.size, old.root, new.size, new.root) == (
        first.size, first.root, second.size, second.root,
    )  # fmt: skip
    leaves = [bytes(r.hash) for r in sql(registry, "SELECT hash FROM log_leaves ORDER BY idx")]
    for index in range(new.size):
        proof = registry.log.inclusion(index, new.size, subject=None)
        assert verify_inclusion(leaves[index], index, new.size, proof.path, new.root)
    path = registry.log.consistency(old.size, new.size)
    assert verify_consistency(old.size, new.size, old.root, new.root, path)
    assert not verify_consistency(old.size, new.size, new.root, new.root, path)


def test_a_checkpoint_is_reused_until_the_log_grows_or_a_fresh_one_is_asked(
    registry: Registry,
) -> None:
    fill(registry, 1)
    a = registry.log.checkpoint()
    assert registry.log.checkpoint() == a
    assert sql(registry, "SELECT count(*) FROM log_checkpoints")[0][0] == 1
    b = registry.log.checkpoint(fresh=True)
    assert (b.size, b.root) == (a.size, a.root)
    assert sql(registry, "SELECT count(*) FROM log_checkpoints")[0][0] == 2


def test_a_subject_gets_proofs_of_entries_about_itself_only(registry: Registry) -> None:
    number = ric_number()
    registry.intake.submit(body(subject=number, case_ref="S-1"), source=RAIL)
    fill(registry, 1)
    cp = registry.log.checkpoint()
    rows = sql(registry, "SELECT l.idx, e.subject FROM log_leaves l JOIN events e "
               "ON l.kind = 'event' AND l.ref = e.seq ORDER BY l.idx")  # fmt: skip
    with registry.uow(readonly=True) as uow:  # events name subjects by pseudonym
        pseudonym = uow.data_keys.pseudonym(number)
    mine = next(r.idx for r in rows if r.subject == pseudonym)
    other = next(r.idx for r in rows if r.subject != pseudonym)
    assert registry.log.inclusion(mine, cp.size, subject=number).leaf == mine
    with pytest.raises(Forbidden):
        registry.log.inclusion(other, cp.size, subject=number)


def test_a_proof_outside_the_tree_names_the_field(registry: Registry) -> None:
    fill(registry, 1)
    cp = registry.log.checkpoint()
    with pytest.raises(InvalidInput, match="size"):
        registry.log.inclusion(0, cp.size + 5, subject=None)
    with pytest.raises(InvalidInput, match="from"):
        registry.log.consistency(cp.size, cp.size - 1)


def test_the_key_file_is_made_once_and_kept_outside_the_database(
    registry: Registry, key_file: Path
) -> None:
    fill(registry, 1)
    registry.log.checkpoint()
    assert key_file.read_text().startswith("PRIVATE+KEY+")
    assert key_file.stat().st_mode & 0o077 == 0
    text = key_file.read_text()
    for table in ("log_checkpoints", "log_leaves", "audit_log"):
        dump = " ".join(str(r) for r in sql(registry, f"SELECT * FROM {table}"))
        assert text.split("+", 4)[-1].strip() not in dump


def test_a_subjects_readings_come_with_proofs_once_checkpointed(registry: Registry) -> None:
    number = ric_number()
    registry.intake.submit(body(subject=number, case_ref=uuid.uuid4().hex), source=RAIL)
    registry.files.read(number, actor="officer:a", purpose="complaint")
    cp = registry.log.checkpoint()
    registry.files.read(number, actor="officer:b", purpose="later")
    latest, reads = registry.log.reads_of(number)
    assert latest == cp
    assert [(r.actor, r.purpose) for r in reads] == [
        ("officer:b", "later"),
        ("officer:a", "complaint"),
    ]
    assert reads[0].leaf is None  # not yet in a checkpoint
    first = reads[1]
    assert first.leaf is not None
    path = [bytes.fromhex(h) for h in first.path]
    assert verify_inclusion(leaf_hash(first.entry), first.leaf, cp.size, path, cp.root)
    assert b'"purpose":"complaint"' in first.entry


def test_the_server_signs_every_checkpoint_on_one_thread_of_its_own(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # glibc keeps a checkpoint's transient peak in the arena of the thread that ran it: on
    # anyio's worker threads, each checkpoint grew another one's (bench/soak.py, issue 17).
    monkeypatch.setattr(registry.settings, "checkpoint_seconds", 0.01)
    threads: list[threading.Thread] = []
    made = registry.log.checkpoint

    def checkpoint(*, fresh: bool = False) -> StoredCheckpoint:
        threads.append(threading.current_thread())
        return made(fresh=fresh)

    monkeypatch.setattr(registry.log, "checkpoint", checkpoint)

    async def serve_a_while() -> None:
        signing = asyncio.create_task(_sign_checkpoints(registry))
        while len(threads) < 5:  # the worker threads busy meanwhile, as requests keep them
            await asyncio.gather(*(to_thread.run_sync(time.sleep, 0.005) for _ in range(3)))
        signing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await signing

    run_loop(serve_a_while)
    assert len({t.ident for t in threads}) == 1
    assert threads[0].name.startswith(CHECKPOINT_THREAD)
    assert threads[0] is not threading.main_thread()
    assert sql(registry, "SELECT count(*) FROM log_checkpoints")[0][0] >= 5
