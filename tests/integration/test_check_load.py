"""The check index's start-up load reads the stored restrictions as columns, on both engines."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from tests.check_oracle import expected
from tests.factories import ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.checks import CheckIndex
from trustledger.domain.evaluation import Restriction, RestrictionStatus
from trustledger.domain.rulebook import Scope
from trustledger.services.checking import feed as check_feed
from trustledger.services.checking.feed import CheckFeed
from trustledger.store import tables as t

SCOPE_SETS = [
    frozenset({Scope.AIR}),
    frozenset({Scope.RAIL}),
    frozenset({Scope.RAIL_PREMIUM}),
    frozenset({Scope.AIR, Scope.RAIL_PREMIUM}),
    frozenset(Scope),
]
STATUSES = [*[RestrictionStatus.ACTIVE] * 4, *RestrictionStatus]


def stored_restriction(rng: random.Random, subject: str, n: int, today: date) -> Restriction:
    """Dates around today: ended long ago, ending yesterday, pending, lifted, awaiting notice."""
    starts = today + timedelta(days=rng.randint(-400, 60))
    ends = starts + timedelta(days=rng.choice([0, 1, 30, 364]))
    lifted = today + timedelta(days=rng.choice([-5, 0, 1, 10, 45])) if rng.random() < 0.3 else None
    return Restriction(
        restriction_id=f"rec_{subject}_{n}",
        subject=subject,
        scopes=rng.choice(SCOPE_SETS),
        reason=rng.choice(["air.disorder", "rail.smoking", "court.judgment_default"]),
        legal_basis="basis",
        record_id=None,
        case_id=None,
        noticed_on=None,
        starts_on=None if rng.random() < 0.1 else starts,
        ends_on=ends,
        lifted_on=lifted,
        status=rng.choice(STATUSES),
        appeal_by=None,
    )


def row(r: Restriction, key: int) -> dict[str, Any]:
    return {
        "restriction_id": r.restriction_id,
        "subject": r.subject,
        "compact_key": key,
        "scopes": ",".join(sorted(s.value for s in r.scopes)),
        "reason": r.reason,
        "legal_basis": r.legal_basis,
        "record_id": r.record_id,
        "case_id": r.case_id,
        "noticed_on": r.noticed_on,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "lifted_on": r.lifted_on,
        "appeal_by": r.appeal_by,
        "status": r.status.value,
        "first_barred": r.span.first if r.span else None,
        "last_barred": r.span.last if r.span else None,
        "scope_mask": r.span.mask if r.span else 0,
    }


def test_the_loaded_index_answers_as_the_stored_restrictions_do(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_feed, "LOAD_PAGE", 7)  # many pages, subjects across their ends
    rng = random.Random(2026)
    today = registry.clock.today()
    files: dict[str, list[Restriction]] = {}
    for i in range(60):
        subject = ric_number()
        files[subject] = [stored_restriction(rng, subject, n, today) for n in range(i % 4)]
    scheme = registry.scheme
    stored = [(r, scheme.compact_key(s)) for s, rs in files.items() for r in rs]
    rng.shuffle(stored)  # stored out of subject order; each subject's against its id order
    stored.sort(key=lambda pair: int(pair[0].restriction_id.rsplit("_", 1)[1]), reverse=True)
    with registry.engine.begin() as conn:
        conn.execute(insert(t.restrictions), [row(r, key) for r, key in stored])

    feed = CheckFeed(registry.uow, CheckIndex.from_columns, scheme=scheme, clock=registry.clock)
    loaded = feed.load()

    yesterday = (today - timedelta(days=1)).isoformat()
    counted = sql(
        registry,
        "SELECT count(*) FROM restrictions WHERE ends_on >= :d AND starts_on IS NOT NULL",
        d=yesterday,
    )
    assert loaded == counted[0][0] > 0
    for subject, rs in files.items():
        key = scheme.compact_key(subject)
        for scopes in SCOPE_SETS:
            for offset in (-1, 0, 1, 10, 45, 200, 400):
                day = today + timedelta(days=offset)
                assert feed.index.lookup(key, scopes, day) == expected(rs, scopes, day), (
                    subject,
                    day,
                )
