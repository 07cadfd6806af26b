"""The portal on an English deployment: each letter as sent, and a link to it in Chinese."""

from __future__ import annotations

import re

from tests.pages.conftest import Browsers


def test_a_letter_sent_in_english_links_to_the_same_letter_in_chinese(browsers: Browsers) -> None:
    subject = browsers.subject()
    portal = subject.get("/portal").text
    found = re.search(r'href="(/portal/letters/\w+)\?language=zh-Hans"', portal)
    assert found is not None
    assert 'lang="zh-Hans">阅读此信的中文版本</a>' in portal
    chinese = subject.get(found.group(1), params={"language": "zh-Hans"}).text
    assert '<article class="panel letter-page" lang="zh-Hans">' in chinese
    assert "<h1>出行限制告知书及申诉途径</h1>" in chinese
    assert "written in another language from the same facts" in chinese
    assert 'lang="en">Read this letter in English</a>' in chinese
