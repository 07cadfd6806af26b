"""One fixture runs every store test on SQLite and on PostgreSQL, each in a database of its own."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.factories import SettableClock, rulebook
from trustledger.bootstrap import Registry, open_registry
from trustledger.cli.app import main
from trustledger.domain.identity import scheme_named
from trustledger.domain.rulebook import Retention
from trustledger.store.schema import _config

PG_URL = os.environ.get("TRUSTLEDGER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@cache
def _postgres_problem() -> str | None:
    url = make_url(PG_URL).set(drivername="postgresql")
    try:
        psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=3).close()
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0]
        return f"PostgreSQL at {url.host}:{url.port} does not answer ({first_line})"
    return None


def _admin(sql: str) -> None:
    url = make_url(PG_URL).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:16]}"
    _admin(f"CREATE SCHEMA {schema}")
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _admin(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@contextmanager
def opened(
    db_url: str, clock: SettableClock, *, retain_days: int | None = None
) -> Iterator[Registry]:
    """A migrated database with the test rulebook (records kept `retain_days` after their last
    effect, if given), the cn-ric scheme and a settable clock; closed after."""
    book = rulebook()
    if retain_days is not None:
        book = dataclasses.replace(book, retention=Retention(default_days=retain_days))
    reg = open_registry(db_url, rulebook=book, scheme=scheme_named("cn-ric"), clock=clock)
    reg.migrate()
    try:
        yield reg
    finally:
        reg.close()


@pytest.fixture
def registry(db_url: str, clock: SettableClock) -> Iterator[Registry]:
    """A migrated database with the test rulebook, the cn-ric scheme and a settable clock."""
    with opened(db_url, clock) as reg:
        yield reg


def sql(registry: Registry, statement: str, **params: Any) -> list[Any]:
    """Plain SQL against the registry's database: assertions that do not trust the code tested."""
    with registry.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        rows = list(conn.execute(text(statement), params))
        conn.rollback()
    return rows


def sql_write(registry: Registry, statement: str, **params: Any) -> None:
    with registry.engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> object:
    """The CLI in process over `db_url` with the test rulebook: run(*args) -> (exit code, out, err)."""
    monkeypatch.setattr("trustledger.bootstrap.load_configured_rulebook", lambda s: rulebook())

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["trustledger", "--db", db_url, *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    run("init")
    return run


def run_loop(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """asyncio.run(main()) on a thread of its own: the browser tests' Playwright (its sync API)
    keeps an event loop running on the main thread for the rest of the session."""
    with ThreadPoolExecutor(max_workers=1) as one:
        one.submit(lambda: asyncio.run(main())).result()


def downgrade(registry: Registry, revision: str) -> None:
    """Migrate the registry's database down to `revision` (the migration tests' way back)."""
    config = _config()
    with registry.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        conn.commit()
