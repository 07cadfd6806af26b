"""The check index's snapshot: written, memory-mapped back, it answers as the index it was of."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.check_oracle import expected
from tests.unit.test_check_index import AIR, OPAQUE, RAIL, RAIL_PREMIUM, key, restriction
from trustledger.checks import CheckIndex, SubjectChange
from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import Restriction
from trustledger.domain.rulebook import Scope
from trustledger.store.snapshot_files import read_snapshot, write_snapshot

SCOPE_SETS = (
    frozenset({Scope.AIR}),
    frozenset({Scope.RAIL}),
    frozenset({Scope.AIR, Scope.RAIL_PREMIUM}),
)


def population(n: int, *, seed: int = 5) -> list[Restriction]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        starts = date(2026, 1, 1) + timedelta(days=rng.randrange(200))
        out.append(
            restriction(
                f"r{i:05d}",
                f"s{rng.randrange(n // 2)}",  # some subjects have several
                SCOPE_SETS[i % 3],
                starts=starts,
                ends=starts + timedelta(days=rng.randrange(1, 365)),
                reason=("air.smoking", "rail.smoking", "court.judgment_default")[i % 3],
            )
        )
    return out


def test_a_snapshot_answers_every_check_as_the_index_it_was_written_from(tmp_path: Path) -> None:
    rs = population(3000)
    index = CheckIndex.build(rs, scheme=OPAQUE)
    assert write_snapshot(index, tmp_path / "snap", seq=42) == 3000
    held = read_snapshot(tmp_path / "snap")
    assert held.seq == 42
    assert held.restrictions == 3000
    assert isinstance(held.index.merged().rows, np.memmap)  # mapped, not read
    subjects = [*sorted({r.subject for r in rs}), "nobody", "s-none"]
    by_subject: dict[str, list[Restriction]] = {}
    for r in rs:
        by_subject.setdefault(r.subject, []).append(r)
    for day in (date(2026, 1, 1), date(2026, 4, 1), date(2026, 9, 30)):
        for scopes in (AIR, RAIL, RAIL_PREMIUM):
            for s in subjects:
                want = expected(by_subject.get(s, []), scopes, day)
                assert held.index.lookup(key(s), scopes, day) == want
            keys = [key(s) for s in subjects]
            assert held.index.lookup_many(keys, scopes, day) == index.lookup_many(keys, scopes, day)


def test_a_snapshot_holds_the_overlay_and_a_restored_index_takes_changes(tmp_path: Path) -> None:
    index = CheckIndex.build([restriction("a1", "alice")], scheme=OPAQUE, merge_at=100)
    index.apply([SubjectChange(key("bob"), (restriction("b1", "bob"),))])
    assert index.unmerged == 1
    write_snapshot(index, tmp_path / "snap", seq=7)
    assert index.unmerged == 1  # writing leaves the live index as it was
    restored = read_snapshot(tmp_path / "snap").index
    day = date(2026, 6, 1)
    assert restored.lookup(key("bob"), AIR, day) is not None
    restored.apply([SubjectChange(key("alice"), ())])  # an overturn after the snapshot's seq
    restored.merge()
    assert restored.lookup(key("alice"), AIR, day) is None
    assert restored.lookup(key("bob"), AIR, day) is not None


def test_rewriting_a_snapshot_replaces_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "snap"
    write_snapshot(CheckIndex.build([restriction("a1", "alice")], scheme=OPAQUE), path, seq=1)
    write_snapshot(CheckIndex.build([], scheme=OPAQUE), path, seq=2)
    held = read_snapshot(path)
    assert (held.seq, held.restrictions) == (2, 0)
    assert held.index.lookup(key("alice"), AIR, date(2026, 6, 1)) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]  # no temporary left behind


def test_ids_that_are_not_ascii_come_back_whole(tmp_path: Path) -> None:
    index = CheckIndex.build([restriction("限制-1", "alice")], scheme=OPAQUE)
    write_snapshot(index, tmp_path / "snap", seq=1)
    denial = read_snapshot(tmp_path / "snap").index.lookup(key("alice"), AIR, date(2026, 6, 1))
    assert denial is not None
    assert denial.restriction_id == "限制-1"


def test_what_is_not_a_snapshot_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a readable check snapshot"):
        read_snapshot(tmp_path / "missing")
    write_snapshot(CheckIndex.build([], scheme=OPAQUE), tmp_path / "snap", seq=1)
    meta = tmp_path / "snap" / "meta.json"
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"format": 99}))
    with pytest.raises(InvalidInput, match="format 99") as raised:
        read_snapshot(tmp_path / "snap")
    assert raised.value.field == "snapshot"
