"""The officer console over HTTP: sign-in, refusals, a file opened with a purpose and audited."""

from __future__ import annotations

import re

from tests.pages.conftest import Browsers, appealed_then_withdrawn, sql
from tests.seeded_site import Site


def test_the_console_shows_a_sign_in_form_and_nothing_else(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<label for="key">' in page.text
    assert site.appellant not in page.text


def test_a_file_needs_a_signed_in_officer(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().get(f"/subjects/{site.appellant}", params={"purpose": "curious"})
    assert page.status_code == 401
    assert page.headers["content-type"].startswith("text/html")
    assert "sign in with your key first" in page.text
    assert site.appellant not in page.text


def test_a_wrong_key_is_refused_and_no_session_is_given(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().post("/sign-in", data={"key": "tl_not-a-key"})
    assert page.status_code == 401
    assert "unknown API key" in page.text
    assert "set-cookie" not in page.headers


def test_an_empty_key_is_named_on_the_error_page(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().post("/sign-in", data={"key": " "})
    assert page.status_code == 422
    assert "<strong>Key</strong>: enter the key you were given" in page.text


def test_a_checker_key_cannot_sign_in(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().post("/sign-in", data={"key": site.keys["checker"]})
    assert page.status_code == 403
    assert "set-cookie" not in page.headers


def test_the_session_cookie_is_signed_http_only_and_strict(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().post("/sign-in", data={"key": site.keys["officer"]})
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("tl_staff=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert site.keys["officer"] not in cookie


def test_a_forged_session_cookie_counts_for_nothing(site: Site, browsers: Browsers) -> None:
    c = browsers.anonymous()
    c.cookies.set("tl_staff", "eyJrIjoia2V5XzEiLCJuIjoibWFsbG9yeSIsInIiOiJvZmZpY2VyIn0.forged")
    page = c.get(f"/subjects/{site.appellant}", params={"purpose": "x"})
    assert page.status_code == 401


def test_a_form_posted_from_another_site_is_refused(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().post(
        "/sign-in", data={"key": site.keys["officer"]}, headers={"Origin": "https://evil.example"}
    )
    assert page.status_code == 403
    assert "set-cookie" not in page.headers


def test_an_auditor_reads_statistics_but_not_files(site: Site, browsers: Browsers) -> None:
    c = browsers.anonymous()
    signed = c.post("/sign-in", data={"key": site.keys["auditor"], "next": "/"})
    assert signed.headers["location"] == "/stats"
    assert c.get("/stats").status_code == 200
    page = c.get(f"/subjects/{site.appellant}", params={"purpose": "audit"})
    assert page.status_code == 403


def test_opening_a_file_needs_a_purpose(site: Site, browsers: Browsers) -> None:
    page = browsers.staff("officer").get(
        "/subjects", params={"number": site.appellant, "purpose": ""}
    )
    assert page.status_code == 422
    assert "<strong>Purpose</strong>: say why you open this file" in page.text


def test_a_bad_identity_number_is_named_with_its_reason(site: Site, browsers: Browsers) -> None:
    page = browsers.staff("officer").get(
        "/subjects", params={"number": "11010519491231002Y", "purpose": "appeal review"}
    )
    assert page.status_code == 422
    assert re.search(r"<strong>Identity number</strong>: .*(digit|X)", page.text)


def test_an_opened_file_shows_its_parts_and_the_read_is_audited(
    site: Site, browsers: Browsers
) -> None:
    officer = browsers.staff("officer")
    found = officer.get("/subjects", params={"number": site.appellant, "purpose": "appeal review"})
    assert found.status_code == 303
    pseudonym = site.registry.keyring.master.pseudonym(site.appellant)
    before = len(sql(site, "SELECT seq FROM audit_log WHERE subject = :s", s=pseudonym))
    page = officer.get(found.headers["location"])
    assert page.status_code == 200
    for part in ("Score over time", "Restrictions", "Appeals", "Notices", "Timeline"):
        assert part in page.text
    assert site.appeal_id in page.text
    assert 'id="score-data"' in page.text
    reads = sql(
        site,
        "SELECT actor, action, purpose FROM audit_log WHERE subject = :s ORDER BY seq",
        s=pseudonym,
    )
    assert len(reads) > before
    assert ("officer:test-officer", "file.read", "appeal review") in [tuple(r) for r in reads]


def test_a_decision_without_reasons_is_refused_and_changes_nothing(
    site: Site, browsers: Browsers
) -> None:
    page = browsers.staff("officer").post(
        f"/appeals/{site.appeal_id}/decision",
        data={"outcome": "overturned", "reasons": " ", "purpose": "appeal review"},
    )
    assert page.status_code == 422
    assert "<strong>Reasons</strong>: is required" in page.text
    (row,) = sql(site, "SELECT decided_on FROM appeals WHERE appeal_id = :a", a=site.appeal_id)
    assert row.decided_on is None


def test_the_queue_lists_the_pending_appeal_and_the_undelivered_notice(
    site: Site, browsers: Browsers
) -> None:
    page = browsers.staff("officer").get("/")
    assert site.appeal_id in page.text
    assert "Notices not delivered" in page.text
    assert "no contact address" in page.text


def test_the_queue_flags_an_appeal_whose_record_was_withdrawn(
    site: Site, browsers: Browsers
) -> None:
    moot = appealed_then_withdrawn(site, n=31, case_ref="MOOT-EN-1", reason="Wrong passenger.")
    page = browsers.staff("officer").get("/").text
    row = re.search(
        rf"<tr>\s*<td[^>]*><span class=\"mono\">{moot.appeal_id}</span>(.*?)</tr>", page, re.S
    )
    assert row is not None, page
    today = site.registry.clock.today().isoformat()
    assert f'<strong class="late">record withdrawn on {today}</strong>' in row.group(1)
    # The seeded appeal's record stands: no flag on its row.
    other = re.search(rf"<span class=\"mono\">{site.appeal_id}</span>(.*?)</tr>", page, re.S)
    assert other is not None
    assert "record withdrawn" not in other.group(1)


def test_the_api_keeps_answering_problem_json_to_a_browser(site: Site, browsers: Browsers) -> None:
    response = browsers.anonymous().get(f"/v1/subjects/{site.appellant}")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_page_is_a_page(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().get("/nowhere")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


def test_an_officer_decides_a_review_case_with_written_reasons(
    site: Site, browsers: Browsers
) -> None:
    officer = browsers.staff("officer")
    (case,) = sql(site, "SELECT case_id FROM review_cases WHERE subject = :s", s=site.reviewed)
    url = f"/review-cases/{case.case_id}/decision"
    refused = officer.post(url, data={"outcome": "restrict", "reasons": "Two findings."})
    assert refused.status_code == 422
    assert "<strong>" in refused.text
    decided = officer.post(
        url, data={"outcome": "no_action", "reasons": "Both findings are under appeal elsewhere."}
    )
    assert decided.status_code == 303
    page = officer.get(decided.headers["location"])
    assert "Both findings are under appeal elsewhere." in page.text
    (row,) = sql(site, "SELECT outcome FROM review_cases WHERE case_id = :c", c=case.case_id)
    assert row.outcome == "no_action"
