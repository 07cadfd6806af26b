"""The console fences officers as the API does: outside the jurisdiction a page says so (403),
the attempt is audited, and nothing of the file is shown."""

from __future__ import annotations

import httpx

from tests.pages.conftest import Browsers, sql
from tests.seeded_site import Site


def signed_in(browsers: Browsers, site: Site, **fence: list[str]) -> httpx.Client:
    name = f"officer-fenced-{len(browsers.opened)}-{'-'.join(fence.get('regions', []))}"
    secret = site.registry.keys.create(role="officer", name=name, actor="test", **fence).secret
    c = browsers.anonymous()
    assert c.post("/sign-in", data={"key": secret}).status_code == 303
    return c


def test_a_file_outside_the_officers_regions_is_refused_with_a_page_and_audited(
    site: Site, browsers: Browsers
) -> None:
    # site.subject is in Shanghai (31); this officer is fenced to Guangdong (44).
    c = signed_in(browsers, site, regions=["44"])
    page = c.get(f"/subjects/{site.subject}", params={"purpose": "curiosity"})
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")
    assert "outside your jurisdiction" in page.text
    assert "judgment" not in page.text.lower()
    refused = sql(
        site,
        "SELECT actor FROM audit_log WHERE action = 'file.refused' AND subject = :s",
        s=site.registry.keyring.master.pseudonym(site.subject),
    )
    assert [r[0] for r in refused] == ["officer:officer-fenced-0-44"]


def test_an_officer_opens_a_file_inside_their_regions(site: Site, browsers: Browsers) -> None:
    c = signed_in(browsers, site, regions=["31"])
    page = c.get(f"/subjects/{site.subject}", params={"purpose": "appeal review"})
    assert page.status_code == 200
    assert site.subject in page.text


def open_cases(site: Site) -> set[str]:
    """The subjects of undecided review cases, by plain SQL."""
    found = sql(site, "SELECT subject FROM review_cases WHERE decided_on IS NULL")
    return {row.subject for row in found}


def test_the_queue_lists_only_what_lies_inside_the_officers_regions(
    site: Site, browsers: Browsers
) -> None:
    # The seeded appeal, review case and undelivered notice are all about people in Beijing (11).
    shanghai = signed_in(browsers, site, regions=["31"]).get("/")
    assert shanghai.status_code == 200
    assert site.appeal_id not in shanghai.text
    assert "No appeal is waiting." in shanghai.text
    assert "No review case is open." in shanghai.text
    assert "Every notice has been delivered or is on its way." in shanghai.text
    assert "/subjects/110105" not in shanghai.text  # no link to a file outside
    beijing = signed_in(browsers, site, regions=["11"]).get("/")
    assert site.appeal_id in beijing.text
    assert "no contact address" in beijing.text
    for subject in open_cases(site):  # another test may have decided the seeded one
        assert (f"/subjects/{subject}" in beijing.text) is subject.startswith("11")


def test_a_source_fence_lists_the_queue_of_files_holding_its_records(
    site: Site, browsers: Browsers
) -> None:
    # The appellant's one record is rail-1's; the reviewed subject's are court-7's and airline-1's.
    rail = signed_in(browsers, site, sources=["rail-1"]).get("/")
    assert site.appeal_id in rail.text
    assert f"/subjects/{site.reviewed}" not in rail.text
    court = signed_in(browsers, site, sources=["court-7"]).get("/")
    assert site.appeal_id not in court.text
    reviewed = f"/subjects/{site.reviewed}"
    assert (reviewed in court.text) is (site.reviewed in open_cases(site))
