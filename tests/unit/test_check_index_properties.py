"""Property: for any restrictions, changes and checks, the index answers as the domain does."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.check_oracle import expected
from trustledger.checks import CheckIndex, SubjectChange
from trustledger.checks.columns import NO_DAY, RestrictionColumns
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.identity import Opaque
from trustledger.domain.rulebook import Scope

OPAQUE = Opaque()
BASE = date(2026, 1, 1)
SUBJECTS = [f"s{i}" for i in range(6)]  # few subjects: many share one, and most checks hit
ALL_SUBJECTS = [*SUBJECTS, "nobody"]

days = st.integers(0, 12).map(lambda n: BASE + timedelta(days=n))
scope_sets = st.frozensets(st.sampled_from(list(Scope)))
# Mostly restrictions that bar on some day, so that checks meet several at once and ties.
statuses = st.sampled_from([*[RestrictionStatus.ACTIVE] * 6, *RestrictionStatus])
one_in_four = st.integers(0, 3).map(lambda n: n == 0)


@st.composite
def restrictions(draw: st.DrawFn, subject: str) -> Restriction:
    starts = None if draw(one_in_four) else draw(days)
    ends = None if starts is None else starts + timedelta(days=draw(st.integers(-1, 8)))
    lifted = draw(days) if draw(one_in_four) else None
    return Restriction(
        restriction_id=draw(st.text(min_size=1, max_size=8)),
        subject=subject,
        scopes=draw(scope_sets),  # empty too: such a restriction bars nothing
        reason=draw(st.sampled_from(["air.smoking", "rail.smoking", "court.debtor", "review"])),
        legal_basis="basis",
        record_id=None,
        case_id=None,
        noticed_on=None,
        starts_on=starts,
        ends_on=ends,
        lifted_on=lifted,
        status=draw(statuses),
        appeal_by=None,
    )


@st.composite
def subject_files(draw: st.DrawFn) -> tuple[str, list[Restriction]]:
    subject = draw(st.sampled_from(SUBJECTS))
    return subject, draw(st.lists(restrictions(subject), max_size=4))


checks = st.tuples(scope_sets, days)


def check_all(
    idx: CheckIndex,
    files: dict[str, list[Restriction]],
    queries: list[tuple[frozenset[Scope], date]],
) -> None:
    keys = [OPAQUE.compact_key(s) for s in ALL_SUBJECTS]
    for scopes, day in queries:
        want = [expected(files.get(s, []), scopes, day) for s in ALL_SUBJECTS]
        assert [idx.lookup(k, scopes, day) for k in keys] == want
        assert idx.lookup_many(keys, scopes, day) == want
        # The sparse form, over a batch that asks about each subject twice.
        both = want + want[::-1]
        at, denials = idx.barred(keys + keys[::-1], scopes, day)
        assert at == [i for i, d in enumerate(both) if d is not None]
        assert denials == [d for d in both if d is not None]


@settings(max_examples=200, deadline=None)
@given(
    initial=st.lists(subject_files(), max_size=6),
    updates=st.lists(st.lists(subject_files(), min_size=1, max_size=3), max_size=5),
    queries=st.lists(checks, min_size=1, max_size=6),
    merge_at=st.integers(1, 8),
)
def test_index_answers_as_the_domain_restrictions_do(
    initial: list[tuple[str, list[Restriction]]],
    updates: list[list[tuple[str, list[Restriction]]]],
    queries: list[tuple[frozenset[Scope], date]],
    merge_at: int,
) -> None:
    files: dict[str, list[Restriction]] = {}
    for subject, rs in initial:
        files.setdefault(subject, []).extend(rs)
    idx = CheckIndex.build(
        [r for rs in files.values() for r in rs], scheme=OPAQUE, merge_at=merge_at
    )
    # The build gathers a subject's restrictions in input order, as `files` does.
    check_all(idx, files, queries)
    for batch in updates:
        for subject, rs in batch:
            files[subject] = rs
        idx.apply(SubjectChange(OPAQUE.compact_key(s), tuple(rs)) for s, rs in batch)
        check_all(idx, files, queries)
    idx.merge()
    assert idx.unmerged == 0
    check_all(idx, files, queries)


def as_columns(rs: Sequence[Restriction]) -> RestrictionColumns:
    """Restrictions as the store hands them to the index at start-up."""

    def days(values: list[date | None]) -> np.ndarray[Any, np.dtype[np.int64]]:
        return np.array([NO_DAY if d is None else d.toordinal() for d in values], dtype=np.int64)

    spans = [r.span for r in rs]
    return RestrictionColumns(
        keys=np.array([OPAQUE.compact_key(r.subject) for r in rs], dtype=np.int64),
        ids=[r.restriction_id for r in rs],
        reasons=[r.reason for r in rs],
        firsts=days([s.first if s else None for s in spans]),
        lasts=days([s.last if s else None for s in spans]),
        masks=np.array([s.mask if s else 0 for s in spans], dtype=np.int64),
    )


@settings(max_examples=200, deadline=None)
@given(
    initial=st.lists(subject_files(), max_size=6),
    cuts=st.lists(st.integers(0, 24), max_size=3),
    queries=st.lists(checks, min_size=1, max_size=6),
)
def test_an_index_loaded_from_stored_columns_answers_as_the_domain_does(
    initial: list[tuple[str, list[Restriction]]],
    cuts: list[int],
    queries: list[tuple[frozenset[Scope], date]],
) -> None:
    files: dict[str, list[Restriction]] = {}
    for subject, rs in initial:
        files.setdefault(subject, []).extend(rs)
    stored = [r for rs in files.values() for r in rs]
    bounds = [0, *sorted(min(c, len(stored)) for c in cuts), len(stored)]
    pages = [as_columns(stored[a:b]) for a, b in itertools.pairwise(bounds)]
    check_all(CheckIndex.from_columns(pages), files, queries)
