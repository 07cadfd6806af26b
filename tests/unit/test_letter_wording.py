"""A rendered letter, pinned byte for byte: a change to how letters are rendered must not change one.

The same restriction notice is pinned in English and in Simplified Chinese, text and HTML.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.due_factories import COURT, due
from tests.factories import judgment, rulebook
from trustledger.domain.rulebook import Rulebook
from trustledger.domain.texts import Language

PINNED = Path(__file__).parent / "letters"
# A Chinese letter quotes its legal basis as the document names itself.
SPC_PROVISIONS = "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条"


def chinese_rulebook() -> Rulebook:
    book = rulebook()
    rules = tuple(
        dataclasses.replace(r, legal_basis=SPC_PROVISIONS)
        if r.code == "court.judgment_default"
        else r
        for r in book.rules
    )
    return dataclasses.replace(book, rules=rules)


@pytest.mark.parametrize(
    ("language", "suffix"), [(Language.EN, ""), (Language.ZH_HANS, ".zh-Hans")]
)
def test_a_restriction_letter_reads_exactly_as_pinned(language: Language, suffix: str) -> None:
    book = chinese_rulebook() if language is Language.ZH_HANS else None
    d = due(book, language=language)
    (notice,) = d.intake.submit(judgment(case_ref="J-77"), source=COURT).notices
    letter = d.store.memory.notices[notice.notice_id]
    assert notice.access_code is not None
    for rendered, name in ((letter.text, "restriction.txt"), (letter.html, "restriction.html")):
        # The notice id and the access code are random: the pinned files name them.
        anonymous = rendered.replace(notice.notice_id, "NOTICE_ID")
        anonymous = anonymous.replace(notice.access_code, "ACCESS_CODE")
        pinned = name.replace(".", f"{suffix}.")
        assert anonymous == (PINNED / pinned).read_text(encoding="utf-8"), pinned


def test_the_chinese_letter_writes_days_as_chinese_letters_do() -> None:
    d = due(chinese_rulebook(), language=Language.ZH_HANS)
    (notice,) = d.intake.submit(judgment(case_ref="J-77"), source=COURT).notices
    letter = d.store.memory.notices[notice.notice_id]
    assert letter.subject_line == "出行限制告知书及申诉途径"
    assert "起始日期：2026年12月5日" in letter.text
    assert '<html lang="zh-Hans">' in letter.html
    assert "2026-12-05" not in letter.text + letter.html
