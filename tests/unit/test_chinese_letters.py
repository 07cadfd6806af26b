"""Every letter a subject gets, written in Chinese under the default rulebook, has no English left
outside identifiers, codes, numbers and what a person typed."""

from __future__ import annotations

import pytest

from tests.due_factories import COURT, RAIL, Due, due
from tests.factories import body, judgment, ric_number
from tests.language_scan import english_on_page, english_words
from trustledger.domain.notice_letters import NoticeLetter
from trustledger.domain.texts import Language
from trustledger.rulebook import load_rulebook

PURPOSES = ("restriction", "review", "decision", "lifted", "expired", "correction", "withdrawal")


def every_letter() -> tuple[Due, list[NoticeLetter]]:
    d = due(load_rulebook(), language=Language.ZH_HANS)
    court, rail, withdrawn = ric_number(), ric_number(), ric_number()
    (first,) = d.intake.submit(judgment(subject=court, case_ref="J-1"), source=COURT).notices
    d.intake.submit(judgment(subject=court, case_ref="J-2"), source=COURT)  # 800: a review
    filed = d.appeals.file_appeal(
        court,
        grounds="已全额履行",
        actor="subject",
        access_code=first.access_code,
        target=first.target,
    )
    d.appeals.decide_appeal(filed.appeal_id, outcome="upheld", reasons="未见履行凭证", actor="o")
    smoking = d.intake.submit(body(subject=rail), source=RAIL).record
    d.corrections.correct(
        smoking.record_id, source=RAIL, changes={"evidence_ref": "ev-2"}, reason="更正证据编号"
    )
    gone = d.intake.submit(judgment(subject=withdrawn, case_ref="J-3"), source=COURT).record
    d.corrections.withdraw(gone.record_id, source=COURT, reason="错列")
    d.clock.advance(20)
    d.sweep.advance()
    second = next(a for a in d.state(court).assessments if a.record.case_ref == "J-2")  # type: ignore[attr-defined]
    d.fulfilment.report_fulfilment(second.record.record_id, source_name=COURT.name)
    d.clock.advance(400)
    d.sweep.advance()
    return d, sorted(d.store.memory.notices.values(), key=lambda n: (n.created_at, n.notice_id))


@pytest.fixture(scope="module")
def letters() -> list[NoticeLetter]:
    return every_letter()[1]


def test_the_walk_gets_every_kind_of_letter(letters: list[NoticeLetter]) -> None:
    assert {n.purpose for n in letters} == set(PURPOSES)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_no_english_is_left_in_a_chinese_letter(letters: list[NoticeLetter], purpose: str) -> None:
    for letter in (n for n in letters if n.purpose == purpose):
        assert letter.language is Language.ZH_HANS
        assert english_words(letter.subject_line) == []
        left = [line for line in letter.text.splitlines() if english_words(line)]
        assert left == [], "\n".join(left)
        assert english_on_page(letter.html) == []
