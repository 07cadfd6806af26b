"""Invariant 5 on real databases: derived state rebuilt from the events equals the incremental."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import SettableClock, body, judgment, ric_number, unpaid
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.domain.errors import Conflict
from trustledger.domain.submissions import Source

EVERYTHING = Source("agency", ("*",))
KINDS = ("smoking", "judgment", "unpaid_low", "unpaid_high", "again", "conflict")

step = st.tuples(
    st.integers(0, 90),  # days the clock moves on before the step
    st.integers(0, 2),  # which of three subjects
    st.sampled_from(KINDS),
    st.integers(0, 800),  # how long before today the conduct occurred
    st.integers(0, 60),  # how long the decision took
)


def submission(kind: str, subject: str, occurred: date, decided: date, n: int) -> dict[str, Any]:
    dates = {"subject": subject, "occurred_on": str(occurred), "decided_on": str(decided)}
    ref = {"case_ref": f"H-{subject}-{n}"}
    if kind == "judgment":
        return judgment(**dates, **ref)
    if kind == "unpaid_low":
        return unpaid(amount=100, months=1, **dates, **ref)
    if kind == "unpaid_high":
        return unpaid(amount=9000, months=4, **dates, **ref)
    return body(**dates, **ref)


def replay(
    registry: Registry, clock: SettableClock, steps: list[tuple[int, int, str, int, int]]
) -> list[str]:
    subjects = [ric_number() for _ in range(3)]
    sent: list[dict[str, Any]] = []
    for n, (days, who, kind, ago, took) in enumerate(steps):
        clock.advance(days)
        if kind in ("again", "conflict") and sent:
            previous = sent[-1]
            changed = (
                previous | {"evidence_ref": f"changed-{n}"} if kind == "conflict" else previous
            )
            with suppress(Conflict):  # a changed payload under an old case_ref is refused
                registry.intake.submit(changed, source=EVERYTHING)
            continue
        occurred = clock.today() - timedelta(days=ago)
        decided = min(occurred + timedelta(days=took), clock.today())
        data = submission(kind, subjects[who], occurred, decided, n)
        registry.intake.submit(data, source=EVERYTHING)
        sent.append(data)
    return subjects


def derived_rows(registry: Registry, subjects: list[str]) -> dict[str, list[Any]]:
    where = {"a": subjects[0], "b": subjects[1], "c": subjects[2]}
    pick = "WHERE subject IN (:a, :b, :c)"
    return {
        "subject_state": sql(
            registry, f"SELECT * FROM subject_state {pick} ORDER BY subject", **where
        ),
        "restrictions": sql(
            registry, f"SELECT * FROM restrictions {pick} ORDER BY restriction_id", **where
        ),
        "review_cases": sql(
            registry, f"SELECT * FROM review_cases {pick} ORDER BY case_id", **where
        ),
    }


def rows_of(rows: dict[str, list[Any]], subjects: set[str]) -> dict[str, list[Any]]:
    return {table: [r for r in found if r.subject in subjects] for table, found in rows.items()}


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=10))
def test_recompute_equals_the_incremental_path(
    registry: Registry, clock: SettableClock, steps: list[tuple[int, int, str, int, int]]
) -> None:
    subjects = replay(registry, clock, steps)
    incremental = derived_rows(registry, subjects)
    last_day = clock.today()
    # Each subject's rows are as of its last write; recompute as of that day must give the same.
    as_of: dict[str, set[str]] = {}
    for row in incremental["subject_state"]:
        as_of.setdefault(str(row.as_of), set()).add(row.subject)
    for day, group in as_of.items():
        clock.day = date.fromisoformat(day)
        registry.recompute.run()
        assert rows_of(derived_rows(registry, subjects), group) == rows_of(incremental, group)
    clock.day = last_day
