"""A deployment in Simplified Chinese: every page a person reads has no English left on it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.language_scan import english_on_page, english_words
from tests.pages.conftest import Browsers, appealed_then_withdrawn, corrected_then_withdrawn
from tests.seeded_site import Site, start_site, stop_site


@pytest.fixture(scope="module")
def site_zh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    running, proc = start_site(tmp_path_factory.mktemp("pages-zh"), language="zh-Hans")
    try:
        yield running
    finally:
        stop_site(running, proc)


@pytest.fixture
def clients(site_zh: Site) -> Iterator[Browsers]:
    """Browser-like clients with no Accept-Language: the deployment's default, Simplified
    Chinese, decides."""
    made = Browsers(site_zh)
    try:
        yield made
    finally:
        for c in made.opened:
            c.close()


def test_the_scan_finds_english_words_and_leaves_identifiers_codes_and_numbers() -> None:
    assert english_words("退出登录 Sign out") == ["Sign", "out"]
    assert english_words("规则 court.judgment_default，案号 J-77，court_7，2026-118") == []
    assert english_words("JSON 格式，末位为数字或X，trustledger") == []
    html = (
        '<p>查阅 <span class="mono">110105199001019007</span> <span class="prose">I paid</span>'
        '<button lang="en">English</button><img alt="A chart"></p>'
    )
    assert english_on_page(html) == ["['chart']: 'A chart'"]


def pages(site: Site, clients: Browsers) -> dict[str, str]:
    officer = clients.staff("officer")
    auditor = clients.staff("auditor")
    subject = clients.anonymous()
    form = {"subject": site.subject, "access_code": site.access_code}
    assert subject.post("/portal/sign-in", data=form).status_code == 303
    purpose = {"purpose": "申诉审查"}
    got = {
        "portal sign-in": clients.anonymous().get("/portal"),
        "portal": subject.get("/portal"),
        "console sign-in": clients.anonymous().get("/"),
        "console": officer.get("/"),
        "file with an appeal": officer.get(f"/subjects/{site.appellant}", params=purpose),
        "file with a review case": officer.get(f"/subjects/{site.reviewed}", params=purpose),
        "statistics": auditor.get("/stats"),
        "statistics per week": auditor.get("/stats", params={"days": 90, "per": "week"}),
        "error": clients.anonymous().post(
            "/portal/sign-in", data={"subject": "", "access_code": ""}
        ),
        "not signed in": clients.anonymous().get(f"/subjects/{site.appellant}", params=purpose),
        "error with values in it": clients.anonymous().post(
            "/portal/sign-in", data={"subject": site.subject[:17], "access_code": "X"}
        ),
        "forbidden": clients.anonymous().post(
            "/sign-in", data={"key": site.keys["checker"], "next": "/"}
        ),
        "a query refused": auditor.get("/stats", params={"days": 999}),
        "no such page": clients.anonymous().get("/no-such-page"),
    }
    for name, response in got.items():
        assert response.status_code in (200, 401, 403, 404, 422), (name, response.status_code)
    return {name: response.text for name, response in got.items()}


def test_no_english_is_left_on_a_chinese_page(site_zh: Site, clients: Browsers) -> None:
    found = {}
    for name, html in pages(site_zh, clients).items():
        assert '<html lang="zh-Hans">' in html, name
        found[name] = english_on_page(html)
    left = {name: words for name, words in found.items() if words}
    assert left == {}, "\n".join(f"{n}: {w}" for n, w in left.items())


def test_the_chinese_file_page_reads_its_timeline_and_figures_in_chinese(
    site_zh: Site, clients: Browsers
) -> None:
    officer = clients.staff("officer")
    page = officer.get(f"/subjects/{site_zh.appellant}", params={"purpose": "申诉审查"}).text
    assert "收到记录：在动车组列车上吸烟（rail.smoking）" in page  # the timeline
    assert "已提出申诉" in page
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", page)  # Babel's Chinese days
    stats = clients.staff("auditor").get("/stats").text
    assert "生效中的限制：按规则" in stats
    assert "在动车组列车上吸烟 (rail.smoking)" in stats


def test_the_logs_verify_words_come_in_the_pages_language(site_zh: Site, clients: Browsers) -> None:
    page = clients.subject().get("/portal").text
    assert 'data-checking="正在核验……"' in page
    assert 'data-verified="核验通过：该条目为{name}签署的日志中{size}个叶节点的第{index}个' in page
    assert 'data-unsigned="核验未通过：该检查点并非由日志密钥签署。"' in page


def test_an_error_with_values_in_it_reads_in_chinese(site_zh: Site, clients: Browsers) -> None:
    short = clients.anonymous().post(
        "/portal/sign-in", data={"subject": site_zh.subject[:17], "access_code": "X"}
    )
    assert short.status_code == 422
    assert "须为18位，而不是17位" in short.text
    checker = clients.anonymous().post(
        "/sign-in", data={"key": site_zh.keys["checker"], "next": "/"}
    )
    assert checker.status_code == 403
    assert "密钥：查验系统密钥不能在此登录（仅限工作人员、审计人员）" in checker.text


def test_the_api_keeps_the_english_of_an_error_with_values(site_zh: Site) -> None:
    answer = httpx.get(
        f"{site_zh.url}/v1/check",
        params={"subject": site_zh.subject[:17], "mode": "rail"},
        headers={"Authorization": f"Bearer {site_zh.keys['checker']}"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["reason"] == "must have 18 characters, not 17"


def test_a_legal_basis_is_quoted_by_the_documents_own_chinese_title(
    site_zh: Site, clients: Browsers
) -> None:
    portal = clients.subject().get("/portal").text
    assert (
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》（2013年公布，2017年修正，法释〔2017〕7号）"
        in portal
    )
    assert "Supreme People" not in portal
    officer = clients.staff("officer")
    page = officer.get(f"/subjects/{site_zh.appellant}", params={"purpose": "申诉审查"}).text
    assert (
        "《关于在一定期限内适当限制特定严重失信人乘坐火车推动社会信用体系建设的意见》（发改财金〔2018〕384号）"
        in page
    )
    assert "NDRC" not in page


def test_a_letter_sent_in_chinese_links_to_the_same_letter_in_english(
    site_zh: Site, clients: Browsers
) -> None:
    subject = clients.subject()
    portal = subject.get("/portal").text
    found = re.search(r'href="(/portal/letters/\w+)\?language=en" hreflang="en" lang="en"', portal)
    assert found is not None
    assert "Read this letter in English" in portal
    as_sent = subject.get(found.group(1)).text
    assert "出行限制告知书及申诉途径" in as_sent
    assert "阅读此信的中文版本" not in as_sent
    english = subject.get(found.group(1), params={"language": "en"})
    assert english.status_code == 200
    page = english.text
    assert '<article class="panel letter-page" lang="en">' in page
    assert "<h1>Notice of a travel restriction and how to appeal it</h1>" in page
    assert "Supreme People&#39;s Court" in page  # the basis as the English names it
    assert "XXXX-XXXX-XXXX-XXXX" in page
    assert site_zh.access_code not in page
    assert "以寄出的原信为准" in page
    assert english_on_page(page) == []
    assert 'lang="zh-Hans">阅读此信的中文版本</a>' in page


def test_a_letter_of_someone_else_is_not_found(site_zh: Site, clients: Browsers) -> None:
    answer = clients.subject().get("/portal/letters/ntc_not_mine", params={"language": "en"})
    assert answer.status_code == 404
    assert "未向您寄出过该编号的信件" in answer.text


def test_a_records_corrections_read_in_chinese_on_the_console_and_portal(
    site_zh: Site, clients: Browsers
) -> None:
    amended = corrected_then_withdrawn(
        site_zh, n=8, case_ref="HIST-ZH-1", correction="日期录入有误", withdrawal="再审撤销"
    )
    subject, code = amended.subject, amended.access_code
    before, later = amended.submitted_on.isoformat(), amended.corrected_to.isoformat()
    page = clients.staff("officer").get(f"/subjects/{subject}", params={"purpose": "申诉审查"}).text
    assert f"由提交单位更正：决定作出日期：{before} → {later}" in page
    assert "由提交单位撤回，不再计入：再审撤销" in page
    assert english_on_page(page) == []
    portal = clients.anonymous()
    assert (
        portal.post("/portal/sign-in", data={"subject": subject, "access_code": code}).status_code
        == 303
    )
    mine = portal.get("/portal").text
    assert "由提交单位更正：" in mine
    assert english_on_page(mine) == []


def test_the_queue_flags_an_appeal_whose_record_was_withdrawn_in_chinese(
    site_zh: Site, clients: Browsers
) -> None:
    moot = appealed_then_withdrawn(site_zh, n=32, case_ref="MOOT-ZH-1", reason="再审撤销")
    page = clients.staff("officer").get("/").text
    d = site_zh.registry.clock.today()
    flag = f'<strong class="late">记录已于{d.year}年{d.month}月{d.day}日撤回</strong>'
    assert f"{moot.appeal_id}</span><br>{flag}" in page
    assert english_on_page(page) == []


def test_a_refused_query_and_an_unknown_page_read_in_chinese(
    site_zh: Site, clients: Browsers
) -> None:
    refused = clients.staff("auditor").get("/stats", params={"days": 999})
    assert refused.status_code == 422
    assert "不得大于366" in refused.text
    missing = clients.anonymous().get("/no-such-page")
    assert missing.status_code == 404
    assert '<h1 id="error-title">未找到</h1>' in missing.text


def test_the_api_keeps_pydantics_english_for_a_refused_query(site_zh: Site) -> None:
    answer = httpx.get(
        f"{site_zh.url}/v1/stats",
        params={"days": 999},
        headers={"Authorization": f"Bearer {site_zh.keys['auditor']}"},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["reason"] == "Input should be less than or equal to 366"
