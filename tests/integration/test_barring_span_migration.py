"""Migration 0006 fills the barring span of restrictions stored before it, as the domain computes it."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import text

from tests.factories import ric_number
from tests.integration.conftest import sql
from tests.integration.test_check_load import row, stored_restriction
from trustledger.bootstrap import open_registry
from trustledger.domain.identity import scheme_named
from trustledger.domain.restrictions import Restriction
from trustledger.store.schema import migrate

BEFORE_SPAN = ("scope_mask", "last_barred", "first_barred")


def as_day(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def test_restrictions_stored_before_the_span_get_the_domains_span(db_url: str) -> None:
    reg = open_registry(db_url, scheme=scheme_named("cn-ric"))
    try:
        migrate(reg.engine, "0005")
        rng = random.Random(5)
        today = date(2026, 6, 1)
        stored: dict[str, Restriction] = {}
        for n in range(200):
            r = stored_restriction(rng, ric_number(), n, today)
            stored[r.restriction_id] = r
        rows = [row(r, 1) for r in stored.values()]
        for r in rows:
            for column in BEFORE_SPAN:
                del r[column]
        columns = ", ".join(rows[0])
        values = ", ".join(f":{c}" for c in rows[0])
        with reg.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO restrictions ({columns}) VALUES ({values})"), rows)
        migrate(reg.engine)
        found = sql(
            reg, "SELECT restriction_id, first_barred, last_barred, scope_mask FROM restrictions"
        )
        assert len(found) == len(stored)
        for rid, first, last, mask in found:
            span = stored[rid].span
            want = (None, None, 0) if span is None else (span.first, span.last, span.mask)
            assert (as_day(first), as_day(last), mask) == want, stored[rid]
        assert any(stored[rid].span is None for rid, *_ in found)
        assert any(stored[rid].lifted_on and stored[rid].span for rid, *_ in found)
    finally:
        reg.close()
