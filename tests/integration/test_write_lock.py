"""PostgreSQL's writer lock orders the writes of one registry, not of every schema in a database."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from tests.factories import body, ric_number, rulebook
from tests.integration.conftest import PG_URL, _admin, _postgres_problem
from trustledger.bootstrap import Registry, open_registry
from trustledger.domain.identity import scheme_named
from trustledger.domain.submissions import Source

RAIL = Source("rail-operator", ("rail.*",))
HOLD = 3.0  # seconds an open write transaction waits for the other writer before it lets go


def _postgres_registry(schema: str) -> Registry:
    _admin(f"CREATE SCHEMA {schema}")
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    reg = open_registry(
        url.render_as_string(hide_password=False),
        rulebook=rulebook(),
        scheme=scheme_named("cn-ric"),
    )
    reg.migrate()
    return reg


@pytest.fixture
def two_schemas() -> Iterator[tuple[Registry, Registry]]:
    """Two migrated registries in two schemas of one PostgreSQL database."""
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    schemas = [f"t_{uuid.uuid4().hex[:16]}" for _ in range(2)]
    registries = [_postgres_registry(s) for s in schemas]
    try:
        yield registries[0], registries[1]
    finally:
        for reg, schema in zip(registries, schemas, strict=True):
            reg.close()
            _admin(f"DROP SCHEMA {schema} CASCADE")


def finished_while_a_write_is_open(holder: Registry, writer: Registry) -> bool:
    """Whether `writer` submits a record while `holder` keeps a write open (up to HOLD s).

    Ordering, not timing: the holder lets go as soon as the writer is done, or after HOLD, and
    the answer is which came first; a slow machine cannot turn one into the other.
    """
    writer.intake.submit(body(subject=ric_number()), source=RAIL)  # warm: rulebook, templates
    opened, done = threading.Event(), threading.Event()
    held_until_done: list[bool] = []

    def hold() -> None:
        with holder.uow() as uow:
            uow.events.last_seq()  # inside the write transaction, the lock held
            opened.set()
            held_until_done.append(done.wait(HOLD))

    thread = threading.Thread(target=hold)
    thread.start()
    assert opened.wait(10)
    writer.intake.submit(body(subject=ric_number()), source=RAIL)
    done.set()
    thread.join()
    return held_until_done[0]


@pytest.mark.postgres
def test_a_registry_in_another_schema_does_not_wait_for_this_ones_writes(
    two_schemas: tuple[Registry, Registry],
) -> None:
    one, other = two_schemas
    assert finished_while_a_write_is_open(one, other)


@pytest.mark.postgres
def test_writers_of_one_registry_still_wait_for_each_other(
    two_schemas: tuple[Registry, Registry],
) -> None:
    one, _ = two_schemas
    assert not finished_while_a_write_is_open(one, one)
