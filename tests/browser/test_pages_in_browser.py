"""The pages in a real browser: an officer overturns an appeal, a subject appeals, the statistics
draw their charts. Each step saves a screenshot."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from tests.browser.conftest import PHONE, shoot
from tests.pages.conftest import appealed_then_withdrawn
from tests.seeded_site import Site

pytestmark = pytest.mark.browser


DRAWN = "cs => cs.map(c => !!(window.Chart && Chart.getChart(c)))"


def _charts_drawn(page: Any) -> list[bool]:
    """Whether each chart is drawn, once the page's deferred scripts have had their chance (a
    loaded machine runs them after the DOM is ready, so the first look may come too early)."""
    # A timeout is not the failure: the caller's assertion says which chart is missing.
    with contextlib.suppress(Exception):
        page.wait_for_function(
            f"() => ({DRAWN})([...document.querySelectorAll('canvas[data-chart]')]).every(Boolean)",
            timeout=5000,
        )
    return page.eval_on_selector_all("canvas[data-chart]", DRAWN)


def test_an_officer_finds_a_subject_overturns_the_appeal_and_the_check_allows(
    page: Any, site: Site
) -> None:
    page.goto("/")
    shoot(page, "sign-in")
    page.get_by_label("Your key").fill(site.keys["officer"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Officer console").wait_for()
    page.get_by_label("Identity number").fill(site.appellant)
    page.get_by_label("Purpose").fill("appeal review")
    shoot(page, "console")
    page.get_by_role("button", name="Open the file").click()

    trains = page.locator(".check", has_text="Trains, standard seats")
    assert "Denied" in trains.inner_text()
    assert "rail.smoking" in trains.inner_text()
    assert _charts_drawn(page) == [True]
    shoot(page, "file")

    form = page.locator("form", has=page.locator(f'input[id="{site.appeal_id}-overturned"]'))
    form.get_by_label("Overturned").check()
    form.get_by_label("Written reasons").fill(
        "The conductor's report names another carriage; the record does not hold."
    )
    form.get_by_role("button", name="Record the decision").click()

    appeal = page.locator("article", has_text=site.appeal_id)
    assert "overturned" in appeal.locator(".badge").inner_text()
    # The check index follows the decision within a second; the panel refreshes every two.
    page.locator(".check.allowed", has_text="Trains, standard seats").wait_for(timeout=6000)
    shoot(page, "file-after-overturn")


def test_a_subject_signs_in_reads_why_and_files_an_appeal(page: Any, site: Site) -> None:
    page.goto("/portal")
    page.get_by_label("Identity number").fill(site.subject)
    page.get_by_label("Access code").fill(site.access_code.lower())
    shoot(page, "portal-sign-in")
    page.get_by_role("button", name="Show my file").click()

    restriction = page.locator("article.plain-restriction").first
    assert "You may not buy tickets for flights" in restriction.inner_text()
    assert "Defaulting on a court judgment" in restriction.inner_text() or "judgment" in (
        restriction.inner_text()
    )
    assert "What can end it sooner" in restriction.inner_text()
    shoot(page, "portal")

    page.get_by_label("Why the restriction is wrong").fill(
        "I paid the full amount to the court on the 3rd; the receipt number is 2026-118."
    )
    page.get_by_role("button", name="File the appeal").click()
    appeal = page.locator("#appeals-title + article")
    assert "An officer will decide it by" in appeal.inner_text()
    assert "I paid the full amount" in appeal.inner_text()
    assert page.get_by_role("button", name="File the appeal").count() == 0
    shoot(page, "portal-after-appeal")
    page.set_viewport_size(PHONE)
    shoot(page, "portal-phone")


def test_the_statistics_page_draws_its_charts(page: Any, site: Site) -> None:
    page.goto("/stats")
    page.get_by_label("Your key").fill(site.keys["auditor"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Statistics", exact=True).wait_for()
    drawn = _charts_drawn(page)
    assert len(drawn) == 6
    assert all(drawn)
    assert "<10" in page.locator("#province-title + p + .chart-box + .table-wrap").inner_text()
    shoot(page, "stats")


UNLABELLED = """() => [...document.querySelectorAll('input, textarea, select, button')]
  .filter(el => el.type !== 'hidden' && !el.hidden)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML)"""


def test_every_page_is_labelled_and_starts_with_a_skip_link(page: Any, site: Site) -> None:
    page.goto("/")
    page.get_by_label("Your key").fill(site.keys["officer"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Officer console").wait_for()
    pages = ["/", f"/subjects/{site.appellant}?purpose=accessibility+check", "/stats", "/portal"]
    for path in pages:
        page.goto(path)
        assert page.evaluate(UNLABELLED) == [], path
        assert page.locator("h1").count() == 1, path
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        assert focused == "Skip to main content", path
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", path


def test_the_queue_flags_an_appeal_whose_record_was_withdrawn_also_on_a_phone(
    page: Any, site: Site
) -> None:
    moot = appealed_then_withdrawn(site, n=33, case_ref="MOOT-BR-1", reason="Wrong passenger.")
    flag = f"record withdrawn on {site.registry.clock.today().isoformat()}"
    page.goto("/")
    page.get_by_label("Your key").fill(site.keys["officer"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Officer console").wait_for()
    for size in (None, PHONE):
        if size is not None:
            page.set_viewport_size(size)
        row = page.locator("#appeals-queue + .table-wrap tr", has_text=moot.appeal_id)
        marked = row.locator("strong.late", has_text=flag)
        assert marked.is_visible()
        # The seeded appeals' records stand: this is the only row marked so.
        flagged = page.locator("#appeals-queue + .table-wrap strong", has_text="record withdrawn")
        assert flagged.count() == 1
    shoot(page, "queue-withdrawn-phone")
