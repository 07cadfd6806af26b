"""The insider: with database rights they drop the append-only triggers and change the log.

Each attack is caught by `trustledger audit verify --checkpoints` against a witness's file of
signed checkpoints taken before it, naming the first bad leaf (exit 1). The witness file is
written as `audit witness` writes it: the log's key, then each checkpoint's signed note.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from tests.factories import body, ric_number
from tests.integration.conftest import sql, sql_write
from trustledger.bootstrap import Registry
from trustledger.cli.app import main
from trustledger.domain.merkle import CompactRange
from trustledger.domain.submissions import Source
from trustledger.store import tables as t
from trustledger.store.audit import entry_hash
from trustledger.store.log_entries import leaf_of as leaf_of_row

RAIL = Source("rail_bureau", ("rail.*",))
LOGGED = ("events", "audit_log", "log_leaves", "log_nodes", "log_checkpoints")
Run = Callable[..., tuple[int, str]]


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTLEDGER_LOG_KEY_FILE", str(tmp_path / "log.key"))


@pytest.fixture
def verify(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(state: Path) -> tuple[int, str]:
        args = ["trustledger", "--db", db_url, "audit", "verify", "--checkpoints", str(state)]
        monkeypatch.setattr(sys, "argv", [*args, "--json"])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, capsys.readouterr().out

    return run


def fill(registry: Registry, n: int) -> None:
    for _ in range(n):
        registry.intake.submit(body(subject=ric_number(), case_ref=uuid.uuid4().hex), source=RAIL)


def witness(registry: Registry, state: Path) -> int:
    """What a witness keeps: the key once, then the signed note of the checkpoint it fetched."""
    cp = registry.log.checkpoint()
    lines = [] if state.exists() else [{"key": registry.log.key.text()}]
    with state.open("ab") as f:
        for line in [*lines, {"note": cp.note}]:
            f.write(orjson.dumps(line) + b"\n")
    return cp.size


def drop_triggers(registry: Registry) -> None:
    for table in LOGGED:
        if registry.engine.dialect.name == "postgresql":
            sql_write(registry, f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            sql_write(registry, f"DROP TRIGGER {table}_no_update")
            sql_write(registry, f"DROP TRIGGER {table}_no_delete")


def leaf_of(registry: Registry, kind: str, seq: int) -> int:
    rows = sql(registry, "SELECT idx FROM log_leaves WHERE kind = :k AND ref = :r", k=kind, r=seq)
    return int(rows[0][0])


@pytest.fixture
def witnessed(registry: Registry, tmp_path: Path) -> tuple[Path, int, int]:
    """A log a witness saw twice (40 records, then 10 more), then more written unwitnessed."""
    state = tmp_path / "witness.jsonl"
    fill(registry, 40)
    first = witness(registry, state)
    fill(registry, 10)
    second = witness(registry, state)
    fill(registry, 2)
    return state, first, second


def verdict(out: str) -> dict[str, object]:
    parsed: dict[str, object] = orjson.loads(out)
    return parsed


def test_an_untouched_log_verifies_against_every_checkpoint(
    registry: Registry, witnessed: tuple[Path, int, int], verify: Run
) -> None:
    state, _, _ = witnessed
    registry.log.checkpoint()
    code, out = verify(state)
    assert code == 0, out
    assert verdict(out)["intact"] is True
    assert verdict(out)["checkpoints"] == 2


def test_a_cut_tail_is_named_at_the_first_leaf_cut(
    registry: Registry, witnessed: tuple[Path, int, int], verify: Run
) -> None:
    state, first, _ = witnessed
    drop_triggers(registry)
    # Cut everything from an entry the witness saw in its second checkpoint, log tables too.
    cut = first + 5
    kind, ref = sql(registry, "SELECT kind, ref FROM log_leaves WHERE idx = :i", i=cut)[0]
    table = "events" if kind == "event" else "audit_log"
    sql_write(registry, f"DELETE FROM {table} WHERE seq >= :r", r=ref)
    sql_write(registry, "DELETE FROM log_leaves WHERE idx >= :i", i=cut)
    sql_write(registry, "DELETE FROM log_nodes")  # and every tree node, which verify ignores
    code, out = verify(state)
    assert code == 1, out
    found = verdict(out)
    assert (found["first_bad_leaf"], found["checkpoint"]) == (cut, 2)
    assert "cut" in str(found["reason"])


def test_a_rewritten_audit_entry_with_every_later_hash_recomputed_is_named(
    registry: Registry, witnessed: tuple[Path, int, int], verify: Run
) -> None:
    state, first, _ = witnessed
    drop_triggers(registry)
    rows = sql(registry, "SELECT * FROM audit_log ORDER BY seq")
    target = rows[len(rows) // 3]
    sql_write(registry, "UPDATE audit_log SET actor = 'nobody' WHERE seq = :s", s=target.seq)
    rechain(registry)
    assert registry.audit.verify().intact  # the old chain alone no longer sees it
    code, out = verify(state)
    assert code == 1, out
    found = verdict(out)
    assert found["first_bad_leaf"] == leaf_of(registry, "audit", target.seq)
    assert found["checkpoint"] == (1 if found["first_bad_leaf"] < first else 2)  # type: ignore[operator]


def rechain(registry: Registry) -> None:
    """Recompute every audit hash from the first with the encoding docs/store.md publishes."""
    prev = "0" * 64
    for row in sql(registry, "SELECT * FROM audit_log ORDER BY seq"):
        fields = {
            n: getattr(row, n) for n in ("seq", "actor", "action", "subject", "purpose", "detail")
        }
        at = _parse(row.at) if isinstance(row.at, str | int) else row.at
        h = entry_hash(**fields, at=at, prev_hash=prev)
        sql_write(registry, "UPDATE audit_log SET prev_hash = :p, hash = :h WHERE seq = :s",
                  p=bytes.fromhex(prev), h=bytes.fromhex(h), s=row.seq)  # fmt: skip
        prev = h


def _parse(stored: str | int) -> object:
    """A time as SQLite holds it: text before issue 17, microseconds since 1970 after."""
    from datetime import datetime, timedelta

    if isinstance(stored, int):
        return datetime(1970, 1, 1) + timedelta(microseconds=stored)
    return datetime.fromisoformat(stored)


def test_an_edited_event_is_named(
    registry: Registry, witnessed: tuple[Path, int, int], verify: Run
) -> None:
    state, first, _ = witnessed
    drop_triggers(registry)
    seq, data = sql(registry, "SELECT seq, data FROM events WHERE kind = 'recorded' ORDER BY seq")[
        3
    ]
    content = orjson.loads(data) if isinstance(data, str) else dict(data)
    content["decided_on"] = "2020-01-01"  # the finding now predates what the court decided
    cast = "CAST(:d AS JSONB)" if registry.engine.dialect.name == "postgresql" else ":d"
    sql_write(registry, f"UPDATE events SET data = {cast} WHERE seq = :s",
              d=orjson.dumps(content).decode(), s=seq)  # fmt: skip
    code, out = verify(state)
    assert code == 1, out
    found = verdict(out)
    assert found["first_bad_leaf"] == leaf_of(registry, "event", seq)
    assert found["first_bad_leaf"] < first  # type: ignore[operator]
    assert found["checkpoint"] == 1
    assert "changed" in str(found["reason"])


def rebuild_in_place(registry: Registry) -> None:
    """A fresh, internally consistent tree over the rows as they are now, in the original leaf
    order (so nothing but the root differs), with a checkpoint signed by the log's own key."""
    order = sql(registry, "SELECT kind, ref FROM log_leaves ORDER BY idx")
    for table in ("log_leaves", "log_nodes", "log_checkpoints"):
        sql_write(registry, f"DELETE FROM {table}")
    tree, leaves, nodes = CompactRange(), [], []
    with registry.engine.connect() as conn:
        for kind, ref in order:
            table = t.events if kind == "event" else t.audit_log
            h = leaf_of_row(kind, conn.execute(table.select().where(table.c.seq == ref)).one())
            leaves.append({"idx": tree.size, "kind": kind, "ref": ref, "hash": h})
            nodes += [{"level": lv, "idx": i, "hash": n} for lv, i, n in tree.append(h)[1:]]
    with registry.engine.begin() as conn:
        conn.execute(t.log_leaves.insert(), leaves)
        conn.execute(t.log_nodes.insert(), nodes)
    registry.log.checkpoint()
    assert registry.log.verify([]).intact  # consistent in itself


def test_a_whole_log_rebuilt_consistent_is_caught_by_the_checkpoints(
    registry: Registry, witnessed: tuple[Path, int, int], verify: Run
) -> None:
    state, first, second = witnessed
    drop_triggers(registry)
    rows = sql(registry, "SELECT seq FROM audit_log ORDER BY seq")
    target = next(r.seq for r in rows if first <= leaf_of(registry, "audit", r.seq) < second)
    changed = leaf_of(registry, "audit", target)
    sql_write(registry, "UPDATE audit_log SET purpose = 'routine' WHERE seq = :s", s=target)
    rechain(registry)
    rebuild_in_place(registry)
    assert registry.audit.verify().intact
    code, out = verify(state)
    assert code == 1, out
    found = verdict(out)
    assert found["checkpoint"] == 2
    assert found["first_bad_leaf"] == first  # bounded by the checkpoints the witness kept
    assert found["last_bad_leaf"] == second - 1
    assert first <= changed <= second - 1
    assert "rewritten" in str(found["reason"])
