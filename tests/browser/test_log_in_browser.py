"""A subject sees every reading of their file and verifies its inclusion in the signed log, in
the browser, with nothing fetched; an entry altered on the page does not verify."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.browser.conftest import shoot
from tests.seeded_site import Site

pytestmark = pytest.mark.browser


def bearer(site: Site, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.keys[role]}"}


def test_a_subject_verifies_an_officers_reading_of_their_file(page: Any, site: Site) -> None:
    purpose = "checking a ticket refusal complaint"
    read = httpx.get(
        f"{site.url}/v1/subjects/{site.subject}",
        params={"purpose": purpose},
        headers=bearer(site, "officer"),
    )
    assert read.status_code == 200, read.text
    # The next checkpoint (here on demand) puts the reading in the log.
    assert httpx.get(f"{site.url}/v1/audit/checkpoint", headers=bearer(site, "auditor")).is_success

    page.goto("/portal")
    page.get_by_label("Identity number").fill(site.subject)
    page.get_by_label("Access code").fill(site.access_code)
    page.get_by_role("button", name="Show my file").click()
    reads = page.locator("section", has=page.get_by_role("heading", name="Who read your file"))
    row = reads.locator("tr", has_text=purpose)
    assert "officer" in row.inner_text()

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    row.get_by_role("button", name="Verify").click()
    output = row.locator("output")
    page.wait_for_function(
        "o => !o.textContent.startsWith('Checking')", arg=output.element_handle()
    )
    assert output.inner_text().startswith("Verified: leaf"), output.inner_text()
    assert purpose in output.inner_text()
    shoot(page, "portal-reads-verified")
    assert requests == []  # the check ran in the page: nothing was fetched

    # The same entry with its purpose changed on the page is not the one in the log.
    entry = base64.b64decode(row.get_attribute("data-entry") or "")
    forged = base64.b64encode(entry.replace(purpose.encode(), b"routine check")).decode()
    row.evaluate("(tr, forged) => { tr.dataset.entry = forged; }", forged)
    row.get_by_role("button", name="Verify").click()
    page.wait_for_function(
        "o => !o.textContent.startsWith('Checking')", arg=output.element_handle()
    )
    assert output.inner_text().startswith("Does not verify"), output.inner_text()
    assert requests == []
