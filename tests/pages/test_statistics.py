"""The statistics page: for officers and auditors, aggregates only, small groups suppressed."""

from __future__ import annotations

import json
import re

from tests.pages.conftest import Browsers
from tests.seeded_site import Site


def _chart_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="stats-data">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))


def test_statistics_need_a_staff_sign_in(site: Site, browsers: Browsers) -> None:
    page = browsers.anonymous().get("/stats")
    assert page.status_code == 200
    assert "Statistics sign-in" in page.text
    assert "Restrictions in effect" not in page.text
    assert browsers.anonymous().get("/stats/figures").status_code == 401


def test_no_statistics_page_names_a_person_or_a_case(site: Site, browsers: Browsers) -> None:
    staff = browsers.staff("auditor")
    pages = [
        staff.get(path, params={"days": days, "per": per}).text
        for path in ("/stats", "/stats/figures")
        for days in (7, 30, 365)
        for per in ("day", "week")
    ]
    for text in pages:
        assert "Restrictions in effect" in text
        for number in site.everyone:
            assert number not in text
            assert number[:17] not in text
        assert not re.search(r"\b(rec|apl|ntc|case)_[0-9a-f]{6,}", text)


def test_groups_of_fewer_than_ten_people_are_shown_as_less_than_ten(
    site: Site, browsers: Browsers
) -> None:
    page = browsers.staff("officer").get("/stats").text
    # Tianjin has 4 people restricted, Guangdong 3: both suppressed, Beijing's 28 shown.
    assert re.search(r"天津市 \(12\)</td><td class=\"num suppressed\">&lt;10<", page)
    assert re.search(r"广东省 \(44\)</td><td class=\"num suppressed\">&lt;10<", page)
    assert re.search(r"北京市 \(11\)</td><td class=\"num\">28<", page)
    provinces = _chart_data(page)["province"]
    counts = dict(zip(provinces["labels"], provinces["values"], strict=True))
    assert counts["天津市 (12)"] is None
    assert counts["北京市 (11)"] == 28


def test_appeals_are_counted_by_outcome_with_the_median_time(
    site: Site, browsers: Browsers
) -> None:
    page = browsers.staff("officer").get("/stats").text
    assert re.search(r"Upheld</td><td class=\"num\">11<", page)
    assert re.search(r"Overturned</td><td class=\"num suppressed\">&lt;10<", page)
    assert "Median: <strong>5.0 days</strong>" in page


def test_a_window_out_of_range_is_named(site: Site, browsers: Browsers) -> None:
    page = browsers.staff("officer").get("/stats", params={"days": 0})
    assert page.status_code == 422
    assert "<strong>Days</strong>" in page.text
    page = browsers.staff("officer").get("/stats", params={"per": "month"})
    assert page.status_code == 422
    assert "<strong>per</strong>" in page.text
