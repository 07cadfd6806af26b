"""A record's history in plain words on the console and the portal: corrected, withdrawn."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import ric_number
from tests.pages.conftest import Browsers
from tests.seeded_site import Site


def test_the_console_and_portal_show_a_records_corrections_and_withdrawal(
    site: Site, browsers: Browsers
) -> None:
    reg = site.registry
    subject = ric_number(7, region="510104", born="19950505")  # a province the stats leave alone
    day = reg.clock.today()
    source = reg.keys.source("rail-1")
    body = {
        "subject": subject,
        "type": "rail.smoking",
        "occurred_on": (day - timedelta(days=9)).isoformat(),
        "decided_on": (day - timedelta(days=2)).isoformat(),
        "case_ref": "HIST-1",
    }
    submitted = reg.intake.submit(body, source=source)
    rid, code = submitted.record.record_id, submitted.notices[0].access_code
    reg.corrections.correct(
        rid,
        source=source,
        changes={"decided_on": (day - timedelta(days=1)).isoformat()},
        reason="The judgment's date was keyed wrongly.",
    )
    reg.corrections.withdraw(rid, source=source, reason="Quashed on retrial.")
    officer = browsers.staff("officer")
    page = officer.get(f"/subjects/{subject}", params={"purpose": "history test"}).text
    assert "withdrawn by its source: does not count" in page
    assert "corrected by its source: date of the decision:" in page
    assert "reason: The judgment&#39;s date was keyed wrongly." in page
    assert "withdrawn by its source, no longer counts: Quashed on retrial." in page
    portal = browsers.anonymous()
    form = {"subject": subject, "access_code": code}
    assert portal.post("/portal/sign-in", data=form).status_code == 303
    mine = portal.get("/portal").text
    assert "Withdrawn by its source: does not count" in mine
    assert "Quashed on retrial." in mine
