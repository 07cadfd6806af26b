"""The portal's "Records erased" panel: each erasure of the subject's records, its day, how many
and on what basis (the file's timeline line the console and explain show), in both languages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tests.language_scan import english_on_page
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.subject_file import ErasureDone
from trustledger.domain.texts import Language
from trustledger.web.rendering import templates_for

STATE = SubjectState(
    subject="110105194912310396",
    on=date(2026, 12, 1),
    score=1000,
    band="A",
    review_due=False,
    assessments=(),
    restrictions=(),
    appeals=(),
    review_cases=(),
    notices=(),
)
BY_RETENTION = ErasureDone(date(2026, 11, 2), "retention", date(2026, 11, 1), 3)
BY_REQUEST = ErasureDone(date(2026, 11, 20), "era_7f3a", None, 1, awaits=("ntc_1",))

EXPECTED = {
    Language.EN: [
        "On 2026-11-20, 1 record was erased by an officer's decision on your request era_7f3a."
        "<br>The rest of your file is erased once the letter telling you so has reached you.",
        "On 2026-11-02, 3 records were erased: their retention period ended on 2026-11-01.",
    ],
    Language.ZH_HANS: [
        "2026年11月20日，经工作人员就您的请求era_7f3a作出决定，已删除1条记录。"
        "<br>告知您此事的信函送达您后，您档案的其余内容即予删除。",
        "2026年11月2日，已删除3条记录：其保存期限已于2026年11月1日届满。",
    ],
}


def panel(state: SubjectState, language: Language) -> str:
    template = templates_for(language).env.get_template("_portal_erased.html")
    return template.render(state=state)


@pytest.mark.parametrize("language", [Language.EN, Language.ZH_HANS])
def test_the_portal_lists_the_subjects_erasures_newest_first(language: Language) -> None:
    html = panel(replace(STATE, erasures=(BY_RETENTION, BY_REQUEST)), language)
    items = [line.strip() for line in html.split("<li>")[1:]]
    assert [i.removesuffix("</li>").split("</li>")[0] for i in items] == EXPECTED[language]
    if language is Language.ZH_HANS:
        assert english_on_page(html.replace("era_7f3a", "")) == []


def test_no_panel_without_an_erasure_of_records() -> None:
    assert panel(STATE, Language.EN).strip() == ""
    # The second erasure of a whole file takes no records, only the subject's own data.
    whole = ErasureDone(date(2026, 11, 21), "era_7f3a", None, 0)
    assert panel(replace(STATE, erasures=(whole,)), Language.EN).strip() == ""
