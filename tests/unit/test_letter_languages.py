"""Letters in the subject's language: the one their contact asks for, else the deployment's."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from tests.due_factories import COURT, due
from tests.factories import judgment, ric_number
from trustledger.domain.errors import InvalidInput
from trustledger.domain.notice_letters import MASK, NoticeLetter
from trustledger.domain.texts import Language
from trustledger.services.intake.imports import Importer
from trustledger.web.letters import in_language, other_language


def letters_of(d: object, subject: str) -> list[NoticeLetter]:
    store = d.store  # type: ignore[attr-defined]
    found = [n for n in store.memory.notices.values() if n.subject == subject]
    return sorted(found, key=lambda n: (n.created_at, n.notice_id))


def test_a_zh_contact_and_an_en_contact_each_get_their_language_on_one_deployment() -> None:
    d = due(language=Language.EN)
    zh, en, unsaid = ric_number(), ric_number(), ric_number()
    contact = {"contact": "x@example.org"}
    d.intake.submit(judgment(subject=zh, contact_language="zh-CN", **contact), source=COURT)
    d.intake.submit(judgment(subject=en, contact_language="en", **contact), source=COURT)
    d.intake.submit(judgment(subject=unsaid, **contact), source=COURT)
    (to_zh,), (to_en,), (to_unsaid,) = (letters_of(d, s) for s in (zh, en, unsaid))
    assert to_zh.language is Language.ZH_HANS
    assert to_zh.subject_line == "出行限制告知书及申诉途径"
    assert "不履行法院判决" in to_zh.text
    assert "不履行法院判决" in to_zh.html
    assert '<html lang="zh-Hans">' in to_zh.html
    assert to_en.language is Language.EN
    assert to_en.subject_line == "Notice of a travel restriction and how to appeal it"
    assert "Defaulting on a court judgment" in to_en.text
    assert to_unsaid.language is Language.EN  # the deployment's


def test_an_en_contact_on_a_chinese_deployment_reads_english() -> None:
    d = due(language=Language.ZH_HANS)
    en, unsaid = ric_number(), ric_number()
    d.intake.submit(
        judgment(subject=en, contact="a@example.org", contact_language="en"), source=COURT
    )
    d.intake.submit(judgment(subject=unsaid), source=COURT)
    (to_en,), (to_unsaid,) = letters_of(d, en), letters_of(d, unsaid)
    assert (to_en.language, to_unsaid.language) == (Language.EN, Language.ZH_HANS)
    assert "Defaulting on a court judgment" in to_en.text
    assert "不履行法院判决" in to_unsaid.text


def test_every_later_letter_follows_the_contacts_language() -> None:
    d = due(language=Language.EN)
    subject = ric_number()
    first = judgment(subject=subject, contact="a@example.org", contact_language="zh-Hans")
    (notice,) = d.intake.submit(first, source=COURT).notices
    filed = d.appeals.file_appeal(
        subject, grounds="已全额履行", actor="subject", access_code=notice.access_code
    )
    d.appeals.decide_appeal(
        filed.appeal_id, outcome="overturned", reasons="已核实", actor="officer_li"
    )
    letters = letters_of(d, subject)
    assert [n.purpose for n in letters] == ["restriction", "decision"]
    assert all(n.language is Language.ZH_HANS for n in letters)
    assert letters[-1].subject_line == "关于您申诉的决定"


def test_a_later_body_may_change_the_contacts_language() -> None:
    d = due(language=Language.EN)
    subject = ric_number()
    contact = {"subject": subject, "contact": "a@example.org"}
    d.intake.submit(judgment(contact_language="zh-Hans", **contact), source=COURT)
    d.intake.submit(judgment(contact_language="en", **contact), source=COURT)
    assert [n.language for n in letters_of(d, subject)] == [Language.ZH_HANS, Language.EN]
    assert d.store.memory.languages == {subject: Language.EN}


@pytest.mark.parametrize("tag", ["fr", "zh-Hant", 7])
def test_a_contact_language_the_registry_does_not_write_is_refused(tag: object) -> None:
    d = due()
    with pytest.raises(InvalidInput) as caught:
        d.intake.submit(judgment(contact="a@example.org", contact_language=tag), source=COURT)
    assert caught.value.field == "contact_language"
    assert d.store.memory.events == []


def test_an_import_line_may_name_the_contacts_language(tmp_path: Path) -> None:
    d = due(language=Language.EN)
    subject = ric_number()
    path = tmp_path / "in.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["subject", "type", "occurred_on", "decided_on", "case_ref", "contact",
                      "contact_language", "attr_amount_cny"])  # fmt: skip
        out.writerow([subject, "court.judgment_default", "2026-10-01", "2026-10-20", "J-1",
                      "a@example.org", "zh-Hans", "12000"])  # fmt: skip
    report = Importer(d.store, intake=d.intake, clock=d.clock).run(path, source=COURT)
    assert (report.imported, report.rejected) == (1, 0)
    (letter,) = letters_of(d, subject)
    assert letter.language is Language.ZH_HANS


def test_a_letter_written_again_from_its_facts_reads_as_sent_with_the_code_masked() -> None:
    d = due(language=Language.EN)
    subject = ric_number()
    first = judgment(subject=subject, contact="a@example.org", contact_language="zh-Hans")
    (notice,) = d.intake.submit(first, source=COURT).notices
    filed = d.appeals.file_appeal(
        subject, grounds="已全额履行", actor="subject", access_code=notice.access_code
    )
    d.appeals.decide_appeal(
        filed.appeal_id, outcome="overturned", reasons="已核实", actor="officer_li"
    )
    for letter in letters_of(d, subject):
        again = in_language(letter, Language.ZH_HANS)
        assert again is not None
        code = letter.access_code or ""
        assert again.text == letter.text.replace(code, MASK)
        assert again.html == letter.html.replace(code, MASK)
        assert again.subject_line == letter.subject_line
        english = in_language(letter, Language.EN)
        assert english is not None
        assert english.subject_line != letter.subject_line
        assert other_language(letter, Language.EN) is Language.EN
    restriction = in_language(letters_of(d, subject)[0], Language.EN)
    assert restriction is not None
    assert "Defaulting on a court judgment" in restriction.text  # the title in every language


def test_a_letter_kept_without_facts_is_offered_only_as_sent() -> None:
    d = due()
    d.intake.submit(judgment(contact="a@example.org"), source=COURT)
    (letter,) = d.store.memory.notices.values()
    old = replace(letter, facts=None, language=None)
    assert in_language(old, Language.ZH_HANS) is None
    assert other_language(old, Language.EN) is None
