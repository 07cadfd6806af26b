"""The subject portal over HTTP: access-code sign-in, the file in plain words, every view audited."""

from __future__ import annotations

from tests.pages.conftest import Browsers, sql
from tests.seeded_site import Site


def _reads(site: Site, purpose: str) -> int:
    # Stored under the pseudonym, the subject as the actor too.
    pseudonym = site.registry.keyring.master.pseudonym(site.subject)
    rows = sql(
        site,
        "SELECT count(*) FROM audit_log WHERE actor = :a AND subject = :s AND purpose = :p",
        a=f"subject:{pseudonym}",
        s=pseudonym,
        p=purpose,
    )
    return int(rows[0][0])


def test_a_wrong_access_code_is_refused_and_the_attempt_audited(
    site: Site, browsers: Browsers
) -> None:
    before = sql(site, "SELECT count(*) FROM audit_log WHERE action = 'portal.sign_in_refused'")
    page = browsers.anonymous().post(
        "/portal/sign-in", data={"subject": site.subject, "access_code": "AAAA-BBBB-CCCC-DDDD"}
    )
    assert page.status_code == 401
    assert "does not match" in page.text
    assert "set-cookie" not in page.headers
    after = sql(site, "SELECT count(*) FROM audit_log WHERE action = 'portal.sign_in_refused'")
    assert after[0][0] == before[0][0] + 1


def test_the_portal_needs_a_sign_in(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().get("/portal")
    assert '<label for="access_code">' in page.text
    assert browsers.anonymous().get("/portal/data.json").status_code == 401


def test_every_view_of_the_portal_is_an_audited_read(site: Site, browsers: Browsers) -> None:
    subject = browsers.subject()
    before = _reads(site, "portal: own file")
    page = subject.get("/portal")
    assert page.status_code == 200
    assert "You may not buy tickets for flights" in page.text
    assert "Not in effect yet" in page.text
    assert "What can end it sooner" in page.text
    subject.get("/portal")
    assert _reads(site, "portal: own file") == before + 2
    assert _reads(site, "portal: own notices") >= 2


def test_the_download_is_the_subjects_own_data_and_is_audited(
    site: Site, browsers: Browsers
) -> None:
    before = _reads(site, "portal: download own data")
    response = browsers.subject().get("/portal/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["subject"] == site.subject
    assert [r["type"] for r in data["records"]] == ["court.judgment_default"]
    assert data["notices"]
    assert "access_code_hash" not in response.text
    assert _reads(site, "portal: download own data") == before + 2  # the file and the letters


def test_an_appeal_without_grounds_is_refused(site: Site, browsers: Browsers) -> None:
    page = browsers.subject().post("/portal/appeals", data={"grounds": ""})
    assert page.status_code == 422
    assert "<strong>Grounds</strong>: is required" in page.text
