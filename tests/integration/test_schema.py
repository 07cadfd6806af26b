"""The schema the migrations build: as the tables describe it, and events that cannot be changed."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import DatabaseError

from tests.factories import body, ric_number
from tests.integration.conftest import sql, sql_write
from trustledger.bootstrap import Registry
from trustledger.domain.submissions import Source
from trustledger.store.schema import current_revision, head_revision
from trustledger.store.tables import Base

RAIL = Source("rail_bureau", ("rail.*",))


def test_the_migrations_build_the_schema_the_tables_describe(registry: Registry) -> None:
    with registry.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
    assert current_revision(registry.engine) == head_revision()


def test_init_on_a_current_database_changes_nothing(registry: Registry) -> None:
    registry.intake.submit(body(), source=RAIL)
    assert registry.migrate() == head_revision()
    assert sql(registry, "SELECT count(*) FROM events")[0][0] == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET actor = 'someone else'",
        "DELETE FROM events",
        "UPDATE audit_log SET purpose = 'curiosity'",
        "DELETE FROM audit_log WHERE seq = 1",
    ],
)
def test_the_database_refuses_to_change_events_or_the_audit_log(
    registry: Registry, statement: str
) -> None:
    registry.intake.submit(body(), source=RAIL)
    with pytest.raises(DatabaseError, match="append-only"):
        sql_write(registry, statement)
    assert sql(registry, "SELECT count(*) FROM events")[0][0] == 2
    assert sql(registry, "SELECT count(*) FROM audit_log")[0][0] == 2


def test_the_event_log_is_read_in_seq_order_from_any_point(registry: Registry) -> None:
    for n in range(3):
        registry.intake.submit(body(case_ref=f"S-{n}"), source=RAIL)
    with registry.uow(readonly=True) as uow:
        everything = uow.events.since(0, limit=100)
        tail = uow.events.since(everything[1].seq, limit=2)
        last = uow.events.last_seq()
    assert [e.seq for e in everything] == sorted(e.seq for e in everything)
    assert [e.seq for e in tail] == [everything[2].seq, everything[3].seq]
    assert last == everything[-1].seq == len(everything)


def test_the_follower_s_subjects_since_a_seq_are_those_of_the_events_since_it(
    registry: Registry,
) -> None:
    subjects = [ric_number(), ric_number()]
    for n, subject in enumerate(subjects):
        registry.intake.submit(body(case_ref=f"F-{n}", subject=subject), source=RAIL)
    with registry.uow(readonly=True) as uow:
        everything = uow.events.since(0, limit=100)
        followed = uow.events.subjects_since(0, limit=100)
        tail = uow.events.subjects_since(everything[1].seq, limit=2)
    assert followed == [(e.seq, e.subject) for e in everything]
    # Read back as the numbers (the rows keep pseudonyms).
    assert {s for _, s in followed} == set(subjects)
    assert tail == [(e.seq, e.subject) for e in everything[2:4]]
