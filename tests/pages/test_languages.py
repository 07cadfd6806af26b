"""Pages in the reader's language: the switch on every page, Accept-Language, the default."""

from __future__ import annotations

import re

import httpx

from tests.pages.conftest import Browsers
from tests.seeded_site import Site


def lang_of(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', html)
    assert found is not None
    return found.group(1)


def test_a_browser_asking_for_chinese_gets_the_portal_in_chinese(browsers: Browsers) -> None:
    for tag in ("zh", "zh-CN", "zh-Hans"):
        page = browsers.anonymous().get("/portal", headers={"Accept-Language": tag})
        assert lang_of(page.text) == "zh-Hans", tag
        assert "查阅您的档案" in page.text
        assert "See your file" not in page.text
    english = browsers.anonymous().get("/portal", headers={"Accept-Language": "en-GB"})
    assert lang_of(english.text) == "en"
    assert "See your file" in english.text


def test_without_a_choice_pages_are_in_the_deployment_s_language(browsers: Browsers) -> None:
    page = browsers.anonymous().get("/portal")  # this test deployment's default is English
    assert lang_of(page.text) == "en"


def test_the_switch_keeps_the_choice_in_a_cookie_over_the_browser_s(browsers: Browsers) -> None:
    client = browsers.anonymous()
    chosen = client.post("/language", data={"language": "zh-Hans", "next": "/portal"})
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/portal"
    assert "tl_language=zh-Hans" in chosen.headers["set-cookie"]
    page = client.get("/portal", headers={"Accept-Language": "en"})
    assert lang_of(page.text) == "zh-Hans"
    assert 'name="language" value="en" lang="en"' in page.text  # the way back


def test_the_switch_refuses_an_unknown_language_and_another_site(browsers: Browsers) -> None:
    client = browsers.anonymous()
    refused = client.post("/language", data={"language": "fr", "next": "/portal"})
    assert refused.status_code == 422
    assert "must be one of zh-Hans, en, not &#39;fr&#39;" in refused.text
    assert "tl_language" not in refused.headers.get("set-cookie", "")
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        sent = client.post("/language", data={"language": "en", "next": elsewhere})
        assert sent.headers["location"] == "/", elsewhere


def test_a_signed_in_subject_reads_the_file_and_its_reasons_in_chinese(
    site: Site, browsers: Browsers
) -> None:
    client = browsers.subject()
    page = client.get("/portal", headers={"Accept-Language": "zh-CN"}).text
    assert "您的出行限制" in page
    assert "如何提前解除" in page  # "What can end it sooner"
    assert "您不能购买" in page  # the plain-language "you may not buy tickets for …"
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page)


def test_an_error_page_is_in_the_reader_s_language(browsers: Browsers) -> None:
    client = browsers.anonymous()
    page = client.post(
        "/portal/sign-in",
        data={"subject": "", "access_code": ""},
        headers={"Accept-Language": "zh-CN"},
    )
    assert page.status_code == 422
    assert "输入有误" in page.text  # "Invalid input", by its stable problem type
    assert "请填写您的身份证号码" in page.text


def test_the_api_answers_integrators_in_english_with_a_stable_type(site: Site) -> None:
    answer = httpx.get(
        f"{site.url}/v1/check",
        params={"subject": site.subject, "mode": "rail"},
        headers={"Accept-Language": "zh-CN", "Authorization": "Bearer wrong"},
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert (body["type"], body["title"]) == ("/problems/unauthorized", "Unauthorized")
