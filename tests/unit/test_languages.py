"""Which language a reader gets: the switch's cookie, else Accept-Language, else the deployment's."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from trustledger.domain.texts import Language
from trustledger.i18n.catalogs import translator
from trustledger.i18n.negotiation import choose_language, from_accept_language, parse_language
from trustledger.settings import Settings

ZH, EN = Language.ZH_HANS, Language.EN


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("zh", ZH),
        ("zh-CN", ZH),
        ("zh-Hans", ZH),
        ("zh_Hans_CN", ZH),
        ("ZH-SG", ZH),
        ("en", EN),
        ("en-GB", EN),
        ("zh-TW", None),
        ("zh-Hant", None),
        ("fr", None),
        ("", None),
    ],
)
def test_tags_name_the_language_they_mean(tag: str, language: Language | None) -> None:
    assert parse_language(tag) is language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", ZH),
        ("en-US,en;q=0.9,zh-CN;q=0.8", EN),
        ("fr-FR,fr;q=0.9,en;q=0.5,zh;q=0.4", EN),
        ("en;q=0.2, zh-Hans;q=0.7", ZH),
        ("zh;q=0, en", EN),
        ("de, fr;q=oops", None),
        ("", None),
    ],
)
def test_the_browser_s_best_language_that_the_registry_writes_is_chosen(
    header: str, language: Language | None
) -> None:
    assert from_accept_language(header) is language


def test_the_switch_beats_the_browser_which_beats_the_default() -> None:
    assert choose_language(cookie="en", accept_language="zh-CN", default=ZH) is EN
    assert choose_language(cookie="bogus", accept_language="zh-CN", default=EN) is ZH
    assert choose_language(cookie=None, accept_language="de", default=ZH) is ZH


def test_the_deployment_default_follows_the_scheme_unless_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRUSTLEDGER_LANGUAGE", raising=False)
    assert Settings().deployment_language("cn-ric") is ZH
    assert Settings().deployment_language("opaque") is EN
    monkeypatch.setenv("TRUSTLEDGER_LANGUAGE", "zh-CN")
    assert Settings().deployment_language("opaque") is ZH


def test_an_unknown_deployment_language_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRUSTLEDGER_LANGUAGE", "fr")
    with pytest.raises(ValidationError, match="TRUSTLEDGER_LANGUAGE must be one of zh-Hans, en"):
        Settings()


def test_babel_writes_days_numbers_and_plurals_as_each_language_does() -> None:
    zh, en = translator(ZH), translator(EN)
    assert zh.day("2026-12-01") == "2026年12月1日"
    assert en.day("2026-12-01") == "2026-12-01"
    assert zh.number(12345) == "12,345"
    assert zh.ngettext("%(num)s day", "%(num)s days", 3) % {"num": 3} == "3 天"
    assert en.ngettext("%(num)s day", "%(num)s days", 1) % {"num": 1} == "1 day"
    assert zh.listing(["飞机", "火车"], style="or") == "飞机或火车"
    assert en.listing(["flights", "trains"]) == "flights and trains"
