"""Security headers on every page and asset the browser loads; session cookies it cannot read."""

from __future__ import annotations

import time
from typing import Any

from tests.seeded_site import Site

REQUIRED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def assert_protected(response: Any) -> None:
    headers = response.all_headers()
    for name, value in REQUIRED.items():
        assert headers.get(name) == value, (response.url, name, headers.get(name))
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp, response.url
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp


def watch(page: Any) -> list[Any]:
    seen: list[Any] = []
    page.on("response", lambda r: seen.append(r))
    return seen


def test_every_console_page_and_asset_carries_the_security_headers(page: Any, site: Site) -> None:
    seen = watch(page)
    page.goto("/")
    page.locator("input[name=key]").fill(site.keys["officer"])
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"/subjects/{site.appellant}?purpose=appeal+review")
    page.wait_for_load_state("networkidle")
    page.goto("/stats")
    page.wait_for_load_state("networkidle")
    assert len(seen) >= 6
    for response in seen:
        assert_protected(response)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "tl_staff"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain HTTP here; over TLS it is Secure (tests/api)
    assert page.evaluate("document.cookie") == ""


def test_the_portal_carries_the_headers_and_its_cookie_is_out_of_scripts_reach(
    page: Any, site: Site
) -> None:
    seen = watch(page)
    page.goto("/portal")
    page.locator("input[name=subject]").fill(site.subject)
    page.locator("input[name=access_code]").fill(site.access_code)
    page.locator("form[action='/portal/sign-in'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    for response in seen:
        assert_protected(response)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "tl_portal"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""


def test_an_inline_script_is_refused_by_the_pages_policy(browser: Any, site: Site) -> None:
    # A context of its own: the page fixture fails a test on any console error, and the
    # policy's refusal is one.
    context = browser.new_context(base_url=site.url)
    try:
        page = context.new_page()
        blocked: list[str] = []
        page.on("console", lambda m: blocked.append(m.text) if m.type == "error" else None)
        page.goto("/portal")
        page.wait_for_load_state()
        # What an injected <script> would do: the policy stops it before it runs.
        page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.injected = true'; document.body.appendChild(s); }"
        )
        assert page.evaluate("window.injected === true") is False
        assert any("Content Security Policy" in text for text in blocked), blocked
    finally:
        context.close()


def test_a_fenced_officer_sees_the_refusal_and_is_signed_out_when_the_key_is_revoked(
    browser: Any, site: Site
) -> None:
    # A context of its own: a 403 page is a console error, which the page fixture fails on.
    created = site.registry.keys.create(
        role="officer", name="officer-browser-44", regions=["44"], actor="test"
    )
    context = browser.new_context(base_url=site.url)
    try:
        page = context.new_page()
        page.goto("/")
        page.locator("input[name=key]").fill(created.secret)
        page.locator("form[action='/sign-in'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("form[action='/sign-out']").count() == 1
        refused = page.goto(f"/subjects/{site.subject}?purpose=curiosity")
        assert refused is not None
        assert refused.status == 403
        assert "outside your jurisdiction" in page.content()
        site.registry.keys.revoke(created.principal.key_id, reason="moved to another post")
        revoked = time.monotonic()
        page.goto("/")
        while page.locator("form[action='/sign-out']").count():
            assert time.monotonic() - revoked < 2.0, "the session outlived its key"
            page.wait_for_timeout(100)
            page.goto("/")
        # Signed out: the sign-in form (waited for: under load the page may still be settling).
        key_input = page.locator("input[name=key]")
        key_input.wait_for(timeout=5000)
        assert key_input.count() == 1, page.content()[:2000]
    finally:
        context.close()
