"""A record's history in plain words on the console and the portal: corrected, withdrawn."""

from __future__ import annotations

from tests.pages.conftest import Browsers, corrected_then_withdrawn
from tests.seeded_site import Site


def test_the_console_and_portal_show_a_records_corrections_and_withdrawal(
    site: Site, browsers: Browsers
) -> None:
    amended = corrected_then_withdrawn(
        site,
        n=7,
        case_ref="HIST-1",
        correction="The judgment's date was keyed wrongly.",
        withdrawal="Quashed on retrial.",
    )
    subject, code = amended.subject, amended.access_code
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
