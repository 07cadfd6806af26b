"""The pages in Simplified Chinese in a real browser: an officer overturns an appeal, a subject
appeals. Each step saves a screenshot (artifacts/screenshots/zh-*.png) and is scanned for English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import PHONE, browser_page, seeded_site, shoot
from tests.language_scan import english_on_page
from tests.seeded_site import Site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site_zh(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with seeded_site(tmp_path_factory.mktemp("browser-zh"), language="zh-Hans") as running:
        yield running


@pytest.fixture
def page_zh(browser: Any, site_zh: Site) -> Iterator[Any]:
    with browser_page(browser, site_zh, locale="zh-CN") as opened:
        yield opened


def step(page: Any, name: str) -> None:
    """A screenshot of the page as it is, after checking no English is left on it."""
    assert page.evaluate("document.documentElement.lang") == "zh-Hans", name
    assert english_on_page(page.content()) == [], name
    shoot(page, f"zh-{name}")


def test_an_officer_overturns_the_appeal_in_chinese(page_zh: Any, site_zh: Site) -> None:
    page = page_zh
    page.goto("/")
    step(page, "sign-in")
    page.get_by_label("您的密钥").fill(site_zh.keys["officer"])
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作人员工作台").wait_for()
    page.get_by_label("身份证号码").fill(site_zh.appellant)
    page.get_by_label("查阅事由").fill("申诉审查")
    step(page, "console")
    page.get_by_role("button", name="打开档案").click()

    trains = page.locator(".check", has_text="火车普通席位")
    assert "拒绝" in trains.inner_text()
    step(page, "file")

    form = page.locator("form", has=page.locator(f'input[id="{site_zh.appeal_id}-overturned"]'))
    form.get_by_label("撤销").check()
    form.get_by_label("书面理由").fill("列车员的报告记载的是另一节车厢，该记录不能成立。")
    form.get_by_role("button", name="记录决定").click()

    appeal = page.locator("article", has_text=site_zh.appeal_id)
    assert "撤销原决定" in appeal.locator(".badge").inner_text()
    page.locator(".check.allowed", has_text="火车普通席位").wait_for(timeout=6000)
    step(page, "file-after-overturn")


def test_a_subject_reads_why_and_appeals_in_chinese(page_zh: Any, site_zh: Site) -> None:
    page = page_zh
    page.goto("/portal")
    page.get_by_label("身份证号码").fill(site_zh.subject)
    page.get_by_label("访问码").fill(site_zh.access_code.lower())
    step(page, "portal-sign-in")
    page.get_by_role("button", name="查看我的档案").click()

    restriction = page.locator("article.plain-restriction").first
    assert "您不能购买" in restriction.inner_text()
    assert "如何提前解除" in restriction.inner_text()
    assert "出行限制告知书" in page.locator(".letter summary").first.inner_text()
    step(page, "portal")

    page.get_by_label("您认为该限制有误的理由").fill(
        "我已于本月3日向法院全额缴纳，收据号为2026-118。"
    )
    page.get_by_role("button", name="提交申诉").click()
    appeal = page.locator("#appeals-title + article")
    assert "工作人员将于" in appeal.inner_text()
    assert page.get_by_role("button", name="提交申诉").count() == 0
    step(page, "portal-after-appeal")
    page.set_viewport_size(PHONE)
    step(page, "portal-phone")


def test_the_switch_turns_a_chinese_page_english_and_back(page_zh: Any) -> None:
    page = page_zh
    page.goto("/portal")
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="See your file").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("button", name="中文").click()
    page.get_by_role("heading", name="查阅您的档案").wait_for()
