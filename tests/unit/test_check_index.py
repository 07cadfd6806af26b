"""The check index answers as Restriction.in_effect_on does, and sees changes at once."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from trustledger.checks import CheckIndex, Denial, SubjectChange
from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.identity import CnRic, Opaque
from trustledger.domain.rulebook import Mode, Scope, SeatClass, scopes_for

OPAQUE = Opaque()
DAY = date(2026, 6, 1)
AIR = scopes_for(Mode.AIR)
RAIL = scopes_for(Mode.RAIL)
RAIL_PREMIUM = scopes_for(Mode.RAIL, SeatClass.PREMIUM)


def restriction(
    rid: str,
    subject: str = "alice",
    scopes: frozenset[Scope] = frozenset({Scope.AIR}),
    *,
    starts: date | None = date(2026, 1, 1),
    ends: date | None = date(2026, 12, 31),
    lifted: date | None = None,
    status: RestrictionStatus = RestrictionStatus.ACTIVE,
    reason: str = "air.smoking",
) -> Restriction:
    return Restriction(
        restriction_id=rid,
        subject=subject,
        scopes=scopes,
        reason=reason,
        legal_basis="test basis",
        record_id=rid,
        case_id=None,
        noticed_on=None if starts is None else starts - timedelta(days=10),
        starts_on=starts,
        ends_on=ends,
        lifted_on=lifted,
        status=status,
        appeal_by=None,
    )


def key(subject: str) -> int:
    return OPAQUE.compact_key(subject)


def index(*restrictions: Restriction, merge_at: int = 100) -> CheckIndex:
    return CheckIndex.build(restrictions, scheme=OPAQUE, merge_at=merge_at)


def test_restriction_bars_its_scope_from_its_first_to_its_last_day() -> None:
    idx = index(restriction("r1", ends=date(2026, 6, 30)))
    assert idx.lookup(key("alice"), AIR, date(2026, 1, 1)) == Denial(
        "air.smoking", date(2026, 6, 30), "r1"
    )
    assert idx.lookup(key("alice"), AIR, date(2026, 6, 30)) is not None
    assert idx.lookup(key("alice"), AIR, date(2025, 12, 31)) is None
    assert idx.lookup(key("alice"), AIR, date(2026, 7, 1)) is None
    assert idx.lookup(key("alice"), RAIL, DAY) is None
    assert idx.lookup(key("bob"), AIR, DAY) is None


def test_rail_premium_restriction_bars_premium_seats_only() -> None:
    idx = index(restriction("r1", scopes=frozenset({Scope.RAIL_PREMIUM}), reason="court.debtor"))
    assert idx.lookup(key("alice"), RAIL, DAY) is None
    assert idx.lookup(key("alice"), RAIL_PREMIUM, DAY) == Denial(
        "court.debtor", date(2026, 12, 31), "r1"
    )


def test_rail_restriction_bars_premium_seats_too() -> None:
    idx = index(restriction("r1", scopes=frozenset({Scope.RAIL})))
    assert idx.lookup(key("alice"), RAIL_PREMIUM, DAY) is not None


def test_lifted_restriction_bars_until_the_day_before_the_lift() -> None:
    idx = index(restriction("r1", lifted=date(2026, 3, 10)))
    assert idx.lookup(key("alice"), AIR, date(2026, 3, 9)) == Denial(
        "air.smoking", date(2026, 3, 9), "r1"
    )
    assert idx.lookup(key("alice"), AIR, date(2026, 3, 10)) is None


def test_suspended_and_unnoticed_restrictions_are_not_held() -> None:
    idx = index(
        restriction("r1", status=RestrictionStatus.SUSPENDED),
        restriction("r2", starts=None, ends=None, status=RestrictionStatus.AWAITING_NOTICE),
        restriction("r3", lifted=date(2026, 1, 1)),
    )
    assert idx.rows == 0
    assert idx.lookup(key("alice"), AIR, DAY) is None


def test_pending_restriction_bars_from_its_start() -> None:
    idx = index(restriction("r1", starts=date(2026, 7, 1), status=RestrictionStatus.PENDING))
    assert idx.lookup(key("alice"), AIR, DAY) is None
    assert idx.lookup(key("alice"), AIR, date(2026, 7, 1)) is not None


def test_the_restriction_that_ends_last_answers_when_several_bar() -> None:
    idx = index(
        restriction("r1", ends=date(2026, 8, 1)),
        restriction("r2", scopes=frozenset({Scope.AIR, Scope.RAIL}), ends=date(2026, 9, 1)),
        restriction("r3", scopes=frozenset({Scope.RAIL}), ends=date(2026, 10, 1)),
    )
    denial = idx.lookup(key("alice"), AIR, DAY)
    assert denial is not None
    assert (denial.restriction_id, denial.until) == ("r2", date(2026, 9, 1))


def test_on_a_tie_the_smallest_id_answers_however_the_restrictions_were_given() -> None:
    later = restriction("r7", reason="rail.smoking", scopes=frozenset({Scope.AIR, Scope.RAIL}))
    earlier = restriction("r3", reason="air.smoking")
    want = Denial("air.smoking", date(2026, 12, 31), "r3")
    loaded = index(later, earlier)  # as a start-up load might read them: storage order
    assert loaded.lookup(key("alice"), AIR, DAY) == want
    assert loaded.lookup_many([key("alice")], AIR, DAY) == [want]
    loaded.apply([SubjectChange(key("alice"), (later, earlier))])  # a live update, unmerged
    assert loaded.unmerged == 1
    assert loaded.lookup(key("alice"), AIR, DAY) == want
    assert loaded.lookup_many([key("alice")], AIR, DAY) == [want]


def test_update_is_seen_by_the_next_lookup_and_after_the_merge() -> None:
    idx = index(restriction("r1"), merge_at=2)
    new = restriction("r9", "bob", frozenset({Scope.RAIL}), reason="rail.smoking")
    idx.apply([SubjectChange(key("bob"), (new,))])
    assert idx.unmerged == 1
    assert idx.lookup(key("bob"), RAIL, DAY) == Denial("rail.smoking", date(2026, 12, 31), "r9")
    idx.apply([SubjectChange(key("carol"), ())])
    assert idx.unmerged == 0
    assert idx.rows == 2
    assert idx.lookup(key("bob"), RAIL, DAY) == Denial("rail.smoking", date(2026, 12, 31), "r9")
    assert idx.lookup(key("alice"), AIR, DAY) is not None


def test_removal_is_seen_by_the_next_lookup_and_after_the_merge() -> None:
    idx = index(restriction("r1"), restriction("r2", "bob"), merge_at=3)
    idx.apply([SubjectChange(key("alice"), ())])
    assert idx.lookup(key("alice"), AIR, DAY) is None
    assert idx.lookup_many([key("alice"), key("bob")], AIR, DAY)[0] is None
    idx.merge()
    assert idx.rows == 1
    assert idx.lookup(key("alice"), AIR, DAY) is None
    assert idx.lookup(key("bob"), AIR, DAY) is not None


def test_overturn_replaces_a_subjects_restrictions_with_the_lifted_one() -> None:
    idx = index(restriction("r1"), merge_at=1)
    idx.apply([SubjectChange(key("alice"), (restriction("r1", lifted=DAY),))])
    assert idx.lookup(key("alice"), AIR, DAY) is None
    assert idx.lookup(key("alice"), AIR, DAY - timedelta(days=1)) is not None


def test_batch_answers_equal_single_answers() -> None:
    rs = [
        restriction(f"r{i}", f"s{i % 40}", frozenset({list(Scope)[i % 3]}), ends=DAY + timedelta(i))
        for i in range(100)
    ]
    idx = index(*rs, merge_at=5)
    idx.apply([SubjectChange(key(f"s{i}"), ()) for i in range(3)])
    keys = [key(f"s{i}") for i in range(60)]
    for scopes in (AIR, RAIL, RAIL_PREMIUM, frozenset()):
        expected = [idx.lookup(k, scopes, DAY) for k in keys]
        assert idx.lookup_many(keys, scopes, DAY) == expected
        assert idx.lookup_many(np.array(keys, dtype=np.int64), scopes, DAY) == expected
    assert idx.lookup_many([], AIR, DAY) == []


def test_cn_ric_subjects_are_keyed_by_their_17_significant_digits() -> None:
    number = "11010519491231002X"
    idx = CheckIndex.build([restriction("r1", number)])
    assert idx.lookup(CnRic().compact_key(number), AIR, DAY) is not None
    assert idx.lookup(11010519491231002, AIR, DAY) is not None
    assert idx.lookup(11010519491231003, AIR, DAY) is None


def test_index_holds_a_restriction_in_under_64_bytes() -> None:
    rs = [restriction(f"rec-{i:012d}-{i * 7919:010x}", f"subject-{i}") for i in range(20_000)]
    idx = index(*rs)
    assert idx.rows == 20_000
    assert idx.nbytes / idx.rows <= 64


def test_restriction_id_longer_than_the_index_holds_is_refused() -> None:
    with pytest.raises(InvalidInput, match="restriction_id"):
        index(restriction("x" * 70_000))


def test_ids_stay_right_after_many_merges_compact_the_id_store() -> None:
    idx = index(*(restriction(f"first-{i}", f"s{i}") for i in range(10)), merge_at=1)
    pad = "-" * 200
    for round_ in range(30):
        rs = (restriction(f"r-{round_}{pad}", "x"),)
        idx.apply([SubjectChange(key(f"s{round_ % 10}"), rs)])
    denials = idx.lookup_many([key(f"s{i}") for i in range(10)], AIR, DAY)
    ids = [f"r-{20 + i}{pad}" for i in range(10)]
    assert [d.restriction_id if d else None for d in denials] == ids
    # 10 live ids of ~205 characters; without compaction the 30 written would take 6,000 bytes.
    assert idx.nbytes < 10 * 205 * 2 + 24 * 10 + 4 * 12


def test_index_built_from_keyed_subjects_answers_as_one_built_from_restrictions() -> None:
    rs = [restriction("r1"), restriction("r2", "bob", frozenset({Scope.RAIL}))]
    keyed = CheckIndex.from_subjects(
        [SubjectChange(key("alice"), (rs[0],)), SubjectChange(key("bob"), (rs[1],))]
    )
    built = index(*rs)
    keys = [key("alice"), key("bob"), key("carol")]
    for scopes in (AIR, RAIL):
        assert keyed.lookup_many(keys, scopes, DAY) == built.lookup_many(keys, scopes, DAY)
    assert keyed.rows == 2


def test_scopes_given_as_a_set_of_names_are_understood_and_unknown_ones_refused() -> None:
    idx = index(restriction("r1"))
    assert idx.lookup(key("alice"), {"air"}, DAY) is not None  # type: ignore[arg-type]
    assert idx.lookup_many([key("alice")], frozenset({"air"}), DAY)[0] is not None  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="scopes"):
        idx.lookup(key("alice"), frozenset({"bus"}), DAY)  # type: ignore[arg-type]


def test_more_reason_codes_than_the_index_holds_are_refused() -> None:
    rs = [restriction(f"r{i}", f"s{i}", reason=f"rule.{i}") for i in range(8_193)]
    with pytest.raises(InvalidInput, match="reason"):
        index(*rs)


def test_readers_see_each_subject_as_before_or_after_a_change_while_polls_are_applied() -> None:
    # The overlay is changed in place: readers on other threads (single and batch checks, a
    # snapshot's merged table) must meet neither a key without its rows nor a dict that changes
    # under them, and each subject is barred by one of its own restrictions or not at all.
    import sys
    import threading

    subjects = 300
    idx = index(merge_at=128)  # merges every few polls
    keys = np.arange(1, subjects + 1, dtype=np.int64)
    mine = {int(k): {f"a{k}", f"b{k}"} for k in keys}
    done = threading.Event()
    failures: list[BaseException] = []

    def read() -> None:
        try:
            while not done.is_set():
                at, denials = idx.barred(keys, AIR, DAY)
                for i, denial in zip(at, denials, strict=True):
                    assert denial.restriction_id in mine[int(keys[i])]
                k = int(keys[len(at) % subjects])
                single = idx.lookup(k, AIR, DAY)
                assert single is None or single.restriction_id in mine[k]
                idx.merged()
        except BaseException as exc:  # reported by the test's thread
            failures.append(exc)
            done.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, inside apply too
    readers = [threading.Thread(target=read) for _ in range(2)]
    try:
        for t in readers:
            t.start()
        for poll in range(1000):
            first = (poll * 7) % subjects
            changes = []
            for k in keys[first : first + 5].tolist():
                kind = ("a", "b", "")[(poll + k) % 3]
                held = (restriction(f"{kind}{k}"),) if kind else ()
                changes.append(SubjectChange(k, held))
            idx.apply(changes)
    finally:
        done.set()
        for t in readers:
            t.join()
        sys.setswitchinterval(interval)
    assert not failures, failures[0]
    final = {k: idx.lookup(k, AIR, DAY) for k in keys.tolist()}
    at, denials = idx.barred(keys, AIR, DAY)
    assert {int(keys[i]): d for i, d in zip(at, denials, strict=True)} == {
        k: d for k, d in final.items() if d is not None
    }
