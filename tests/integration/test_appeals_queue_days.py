"""The appeals queue names the day an appealed record was withdrawn, read in one query a group
of subjects (on PostgreSQL with array parameters, not IN lists), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.due_factories import RAIL
from tests.factories import SettableClock, body, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry


def _appealed(registry: Registry, subject: str) -> str:
    """A record of `subject` under an appeal no officer has decided: its id."""
    rid = registry.intake.submit(body(subject=subject), source=RAIL).record.record_id
    registry.appeals.file_appeal(subject, grounds="Not me.", actor="officer:clerk", target=rid)
    return rid


def test_the_queue_names_each_withdrawal_from_one_query_of_the_events(
    registry: Registry, clock: SettableClock
) -> None:
    kept, early, late = ric_number(), ric_number(), ric_number()
    records = {s: _appealed(registry, s) for s in (kept, early, late)}
    withdrawn_on = {}
    for subject in (early, late):
        clock.advance(1)
        registry.corrections.withdraw(records[subject], source=RAIL, reason="Wrong person")
        withdrawn_on[subject] = clock.today()
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(registry.engine, "before_cursor_execute", seen)
    try:
        pending = registry.appeals.list_pending()
    finally:
        event.remove(registry.engine, "before_cursor_execute", seen)

    days = {a.subject: (a.record_withdrawn_on, a.record_overturned_on) for a in pending}
    assert days == {
        kept: (None, None),
        early: (withdrawn_on[early], None),
        late: (withdrawn_on[late], None),
    }
    stored = sql(registry, "SELECT count(*) FROM events WHERE kind = 'withdrawn'")
    assert stored[0][0] == 2
    queries = [s for s in statements if s.startswith("SELECT")]
    assert len(queries) == 2, queries  # the appeals, then the days: one query of the events
    assert " FROM events" in queries[1]
    if registry.engine.dialect.name == "postgresql":
        # Subjects (twice: as stored, and to find their pseudonyms) and records as three
        # arrays, whatever their number, and the two kinds: no IN list of subjects or records.
        assert queries[1].count("::VARCHAR[]") == 3, queries[1]
        assert queries[1].count("%(") == 5, queries[1]
