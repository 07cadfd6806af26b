"""A seeded site for the page tests, and clients signed in as a role or as a subject."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tests.factories import ric_number
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


@dataclass(frozen=True)
class Amended:
    subject: str
    record_id: str
    access_code: str
    submitted_on: date  # the record's decided_on as submitted
    corrected_to: date  # its decided_on as corrected


def corrected_then_withdrawn(
    site: Site, *, n: int, case_ref: str, correction: str, withdrawal: str
) -> Amended:
    """A rail.smoking record submitted, its decision date corrected, then withdrawn."""
    reg = site.registry
    subject = ric_number(n, region="510104", born="19950505")  # a province the stats leave alone
    day = reg.clock.today()
    source = reg.keys.source("rail-1")
    submitted_on, corrected_to = day - timedelta(days=2), day - timedelta(days=1)
    body = {
        "subject": subject,
        "type": "rail.smoking",
        "occurred_on": (day - timedelta(days=9)).isoformat(),
        "decided_on": submitted_on.isoformat(),
        "case_ref": case_ref,
    }
    submitted = reg.intake.submit(body, source=source)
    rid, code = submitted.record.record_id, submitted.notices[0].access_code
    changes = {"decided_on": corrected_to.isoformat()}
    reg.corrections.correct(rid, source=source, changes=changes, reason=correction)
    reg.corrections.withdraw(rid, source=source, reason=withdrawal)
    return Amended(subject, rid, code, submitted_on, corrected_to)


@dataclass(frozen=True)
class Withdrawn:
    subject: str
    record_id: str
    appeal_id: str
    access_code: str
    deadline: date  # the appeal's decision deadline
    notice_id: str  # the withdrawal's letter


def appealed_then_withdrawn(site: Site, *, n: int, case_ref: str, reason: str) -> Withdrawn:
    """A rail.smoking record, appealed by the subject, then withdrawn by its source with the
    appeal still undecided."""
    reg = site.registry
    subject = ric_number(n, region="510104", born="19960606")  # a province the stats leave alone
    day = reg.clock.today()
    source = reg.keys.source("rail-1")
    body = {
        "subject": subject,
        "type": "rail.smoking",
        "occurred_on": (day - timedelta(days=9)).isoformat(),
        "decided_on": (day - timedelta(days=2)).isoformat(),
        "case_ref": case_ref,
    }
    submitted = reg.intake.submit(body, source=source)
    rid, code = submitted.record.record_id, submitted.notices[0].access_code
    filed = reg.appeals.file_appeal(subject, grounds="不是我", actor=f"subject:{subject}")
    done = reg.corrections.withdraw(rid, source=source, reason=reason)
    return Withdrawn(subject, rid, filed.appeal_id, code, filed.deadline, done.notice_ids[0])
