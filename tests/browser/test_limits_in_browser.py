"""In the browser: guessing a portal access code is stopped, and an officer cannot decide the
appeal against their own review decision (four eyes) while another officer can."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.factories import ric_number
from tests.seeded_site import Site

PER_IDENTITY = 10  # failed sign-ins allowed per identity number (api/limits.py's default)


def judgments(site: Site, subject: str, n: int) -> str:
    """`n` judgments about a new subject from the seeded court; the first one's access code."""
    reg = site.registry
    day = reg.clock.today()
    source = reg.keys.source("court-7")
    codes = []
    for i in range(n):
        body = {
            "subject": subject,
            "type": "court.judgment_default",
            "occurred_on": (day - timedelta(days=30)).isoformat(),
            "decided_on": (day - timedelta(days=1)).isoformat(),
            "case_ref": f"(2026)沪0101执{subject[-6:]}{i}号",
            "attributes": {"amount_cny": 86_000},
        }
        codes += [n.access_code for n in reg.intake.submit(body, source=source).notices]
    return codes[0]


def test_guessing_a_portal_access_code_is_stopped_with_a_page(browser: Any, site: Site) -> None:
    subject = ric_number(41, region="510104", born="19800101")
    code = judgments(site, subject, 1)
    # A context of its own: a refused sign-in is a console error, which the page fixture fails on.
    context = browser.new_context(base_url=site.url, locale="en-GB")
    try:
        page = context.new_page()

        def sign_in(access_code: str) -> int:
            page.goto("/portal")
            page.get_by_label("Identity number").fill(subject)
            page.get_by_label("Access code").fill(access_code)
            with page.expect_response(lambda r: r.url.endswith("/portal/sign-in")) as answer:
                page.locator("form[action='/portal/sign-in'] button[type=submit]").click()
            page.wait_for_load_state()
            return int(answer.value.status)

        assert [sign_in(f"WRONG-{n:04d}") for n in range(PER_IDENTITY)] == [401] * PER_IDENTITY
        assert sign_in(code) == 429  # stopped even at the right code: the limit is the number's
        assert "Too many" in page.content()
        assert page.locator("form[action='/portal/sign-out']").count() == 0
    finally:
        context.close()


def test_an_officer_cannot_decide_the_appeal_against_their_own_review(
    browser: Any, site: Site
) -> None:
    reg = site.registry
    subject = ric_number(42, region="510104", born="19800101")
    judgments(site, subject, 2)  # 1000 - 2 x 100 < 850: a review case opens
    first = reg.keys.create(role="officer", name="officer-li", actor="test")
    second = reg.keys.create(role="officer", name="officer-wang", actor="test")
    (case,) = [c for c in reg.reviews.list_open_reviews() if c.subject == subject]
    reg.reviews.decide_review(
        case.case_id,
        outcome="restrict",
        scopes=["air"],
        days=60,
        reasons="two judgments unperformed",
        actor="officer:officer-li",
    )
    filed = reg.appeals.file_appeal(
        subject, grounds="the debts are being paid", actor="test", target=case.case_id
    )

    def decide_as(secret: str) -> tuple[int, str]:
        context = browser.new_context(base_url=site.url, locale="en-GB")
        try:
            page = context.new_page()
            page.goto("/")
            page.get_by_label("Your key").fill(secret)
            page.get_by_role("button", name="Sign in").click()
            page.get_by_role("heading", name="Officer console").wait_for()
            page.get_by_label("Identity number").fill(subject)
            page.get_by_label("Purpose").fill("appeal review")
            page.get_by_role("button", name="Open the file").click()
            form = page.locator(
                "form", has=page.locator(f'input[id="{filed.appeal_id}-overturned"]')
            )
            form.get_by_label("Overturned").check()
            form.get_by_label("Written reasons").fill("The review weighed debts already paid.")
            with page.expect_response(lambda r: r.url.endswith("/decision")) as answer:
                form.get_by_role("button", name="Record the decision").click()
            page.wait_for_load_state()
            return int(answer.value.status), page.content()
        finally:
            context.close()

    status, text = decide_as(first.secret)
    assert status == 403
    assert "four eyes" in text
    status, _ = decide_as(second.secret)
    assert status in (200, 303)
    decided = reg.appeals.list_pending()
    assert filed.appeal_id not in {a.appeal_id for a in decided}
