"""An app's check feed follows the registry's group commits while the app serves, and only then."""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from tests.api.test_flow import court_record
from tests.factories import ric_number
from trustledger.api.app import create_app, serving
from trustledger.api.state import app_state
from trustledger.bootstrap import Registry, open_registry
from trustledger.domain.submissions import Source


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    made = open_registry(f"sqlite:///{tmp_path / 'lifespan.db'}")
    made.migrate()
    switching = sys.getswitchinterval()
    try:
        yield made
    finally:
        made.close()
        # The lifespan tunes the interpreter for serving; this test process goes on as it was.
        sys.setswitchinterval(switching)
        gc.unfreeze()


def write(registry: Registry, source: Source) -> str:
    """One record through the write queue (group commit); the subject."""
    subject = ric_number()
    assert registry.writes.submit(court_record(subject), source=source).created
    return subject


def served(app: FastAPI, while_serving: Callable[[httpx.AsyncClient], Awaitable[None]]) -> None:
    """Run the app's lifespan around `while_serving`, on a thread of its own as uvicorn's loop
    would be (so it takes over no signal of this process), and shut it down."""

    async def go() -> None:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=serving(app))  # GET /v1/check is there
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                await while_serving(client)

    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, go()).result()


def last_seq(registry: Registry) -> int:
    with registry.engine.connect() as conn:
        seq = conn.execute(text("SELECT max(seq) FROM events")).scalar_one()
        conn.rollback()
    return int(seq)


def test_a_group_commit_polls_an_app_s_feed_while_it_serves_and_not_after_its_shutdown(
    registry: Registry,
) -> None:
    registry.keys.create(role="source", name="court-lifespan", types=["court.*"])
    checker = registry.keys.create(role="checker", name="checker-lifespan").secret
    source = registry.keys.source("court-lifespan")
    app = create_app(registry, follow=False)  # no polling of its own: only the queue's
    feed = app_state(app).feed
    write(registry, source)
    assert feed.seq == 0  # not yet serving: its index is not even loaded
    on = (date.today() + timedelta(days=11)).isoformat()

    async def while_serving(client: httpx.AsyncClient) -> None:
        assert feed.seq == last_seq(registry)
        subject = write(registry, source)
        assert feed.seq == last_seq(registry)  # taken in the group's after-commit poll
        answer = await client.get(
            "/v1/check",
            params={"subject": subject, "mode": "air", "on": on},
            headers={"Authorization": f"Bearer {checker}"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["allowed"] is False

    served(app, while_serving)
    held = feed.seq
    write(registry, source)
    assert last_seq(registry) > held
    assert feed.seq == held  # shut down: the commit no longer polls its feed
