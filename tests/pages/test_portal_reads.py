"""The portal's home in process: one view reads the subject's events once, and audits that read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.factories import SettableClock
from tests.integration.conftest import run_loop
from tests.seeded_site import Site, seed
from trustledger.api.app import create_app, serving
from trustledger.bootstrap import open_registry


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db: Path = tmp_path_factory.mktemp("portal-reads") / "site.db"
    today = date.today()
    clock = SettableClock(day=today)
    registry = open_registry(f"sqlite:///{db}", clock=clock)
    registry.migrate()
    try:
        yield seed(registry, clock, today)
    finally:
        registry.close()


def _view_home(site: Site) -> tuple[int, list[str]]:
    """Sign in as the portal's subject, then GET /portal: its status and the SQL it ran."""
    app = serving(create_app(site.registry, follow=False))
    statements: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()))

    answer: list[int] = []

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            form = {"subject": site.subject, "access_code": site.access_code}
            assert (await client.post("/portal/sign-in", data=form)).status_code == 303
            event.listen(site.registry.engine, "before_cursor_execute", seen)
            try:
                page = await client.get("/portal", headers={"Accept": "text/html"})
                answer.append(page.status_code)
            finally:
                event.remove(site.registry.engine, "before_cursor_execute", seen)

    run_loop(go)  # not asyncio.run: the browser tests leave a loop running on this thread
    return answer[0], statements


def test_a_view_of_the_portal_home_reads_the_subject_s_events_once(seeded: Site) -> None:
    status, statements = _view_home(seeded)
    assert status == 200
    reads = [s for s in statements if s.startswith("SELECT") and " FROM events" in s]
    assert len(reads) == 1, reads  # the audited read; the erasable records are judged from it


def test_a_view_of_the_portal_home_audits_one_read_of_the_file(seeded: Site) -> None:
    before = _audited(seeded)
    status, _ = _view_home(seeded)
    assert status == 200
    assert _audited(seeded) == before + 1


def _audited(site: Site) -> int:
    pseudonym = site.registry.keyring.master.pseudonym(site.subject)
    with site.registry.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT count(*) FROM audit_log WHERE action = 'file.read' AND subject = ?",
            (pseudonym,),
        )
        return int(rows.scalar_one())
