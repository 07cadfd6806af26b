"""A seeded site for the page tests, and clients signed in as a role or as a subject."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.seeded_site import Site, start_site, stop_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running, proc = start_site(tmp_path_factory.mktemp("pages"))
    try:
        yield running
    finally:
        stop_site(running, proc)


class Browsers:
    """Clients as a browser would be (asking for HTML, keeping cookies); closed after the test."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.opened: list[httpx.Client] = []

    def anonymous(self) -> httpx.Client:
        c = httpx.Client(base_url=self.site.url, timeout=10, headers={"Accept": "text/html"})
        self.opened.append(c)
        return c

    def staff(self, role: str) -> httpx.Client:
        c = self.anonymous()
        response = c.post("/sign-in", data={"key": self.site.keys[role], "next": "/"})
        assert response.status_code == 303, response.text
        return c

    def subject(self) -> httpx.Client:
        c = self.anonymous()
        form = {"subject": self.site.subject, "access_code": self.site.access_code}
        assert c.post("/portal/sign-in", data=form).status_code == 303
        return c


@pytest.fixture
def browsers(site: Site) -> Iterator[Browsers]:
    made = Browsers(site)
    try:
        yield made
    finally:
        for c in made.opened:
            c.close()


def sql(site: Site, statement: str, **params: Any) -> list[Any]:
    with site.registry.engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
        rows = list(conn.execute(text(statement), params))
        conn.rollback()
    return rows
