"""A bulk import's letters are kept as their facts, written when first read, hashed when sent."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.due_factories import COURT, RAIL, Due, RecordingMailer, due
from tests.factories import judgment, ric_number
from trustledger.delivery.letters import JinjaLetters
from trustledger.domain.errors import LetterAltered
from trustledger.domain.notice_letters import MASK, DeliveryStatus, NoticeLetter
from trustledger.services.due_process.letters import ROW_FACTS, NoticeLetters, WrittenLater
from trustledger.services.intake.imports import Importer


def imported(tmp_path: Path, subject: str, *, contact: str = "a@example.org") -> Due:
    d = due()
    path = tmp_path / "records.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["subject", "type", "occurred_on", "decided_on", "case_ref", "contact"])
        out.writerow([subject, "rail.smoking", "2026-10-01", "2026-10-20", "C-1", contact])
    report = Importer(d.store, intake=d.intake, clock=d.clock).run(path, source=RAIL)
    assert (report.imported, report.rejected) == (1, 0)
    return d


def test_an_imported_letter_has_no_hash_until_the_outbox_sends_it(tmp_path: Path) -> None:
    subject = ric_number()
    d = imported(tmp_path, subject)
    (letter,) = d.store.memory.notices.values()
    assert (letter.template_version, letter.sha256) == ("1", None)
    code = letter.access_code
    assert code in letter.text  # written from its facts when read, code and all
    mailer = RecordingMailer()
    assert d.outbox.deliver_pending(mailer).sent == 1
    ((_, line, text),) = mailer.sent
    kept = d.store.memory.notices[letter.notice_id]
    assert kept.status is DeliveryStatus.DELIVERED
    assert kept.text == text.replace(code, MASK)
    expected = hashlib.sha256(
        f"{line}\0{text.replace(code, MASK)}\0{kept.html}\0".encode()
    ).hexdigest()
    assert kept.sha256 == expected


def test_an_imported_letter_posted_by_an_officer_is_hashed_as_posted(tmp_path: Path) -> None:
    subject = ric_number()
    d = imported(tmp_path, subject, contact="")
    d.outbox.deliver_pending(RecordingMailer())
    (letter,) = d.store.memory.notices.values()
    assert (letter.status, letter.sha256) == (DeliveryStatus.UNDELIVERED, None)
    printed = d.outbox.letter_for_post(letter.notice_id, actor="officer_li")
    posted = d.outbox.mark_posted(letter.notice_id, actor="officer_li")
    code = printed.access_code
    expected = hashlib.sha256(
        f"{printed.subject_line}\0{printed.text.replace(code, MASK)}\0"
        f"{printed.html.replace(code, MASK)}\0".encode()
    ).hexdigest()
    assert posted.sha256 == expected


def test_a_sent_letter_whose_facts_changed_since_is_an_error(tmp_path: Path) -> None:
    subject = ric_number()
    d = imported(tmp_path, subject)
    d.outbox.deliver_pending(RecordingMailer())
    (letter,) = d.store.memory.notices.values()
    assert letter.facts is not None
    facts = dict(letter.facts) | {"ends_on": "2099-01-01"}
    altered = replace(letter, facts=facts)
    altered = replace(altered, body=WrittenLater(JinjaLetters(), altered))
    with pytest.raises(LetterAltered, match=letter.notice_id):
        _ = altered.text


def test_a_letters_facts_leave_out_blanks_and_what_its_row_holds(tmp_path: Path) -> None:
    d = imported(tmp_path, ric_number())
    (letter,) = d.store.memory.notices.values()
    assert letter.facts is not None
    assert not set(ROW_FACTS) & set(letter.facts)
    assert None not in letter.facts.values()
    assert letter.facts["access_code"] == MASK


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_a_records_letter_written_when_sent_is_the_letter_written_at_the_write(
    monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """A single write keeps its letter as its facts: written later, it is byte for byte the
    letter that writing it in the write's transaction gives, and sent with the same hash."""
    at_write: dict[str, NoticeLetter] = {}
    compose = NoticeLetters.compose

    def both(self: NoticeLetters, *args: Any, **kw: Any) -> NoticeLetter:
        now = compose(self, *args, **(kw | {"written": True}))
        at_write[now.notice_id] = now
        return compose(self, *args, **kw)

    monkeypatch.setattr(NoticeLetters, "compose", both)
    d = due()
    subject = ric_number()
    body = judgment(subject=subject, contact="wei@example.org", contact_language=language)
    (notice,) = d.intake.submit(body, source=COURT).notices
    kept = d.store.memory.notices[notice.notice_id]
    now = at_write[notice.notice_id]
    assert (kept.sha256, now.sha256 is not None) == (None, True)
    assert kept.facts_sha256 is not None
    assert (kept.subject_line, kept.text, kept.html) == (now.subject_line, now.text, now.html)
    assert (kept.facts, kept.template_version, kept.language) == (
        now.facts,
        now.template_version,
        now.language,
    )
    mailer = RecordingMailer()
    assert d.outbox.deliver_pending(mailer).sent == 1
    assert mailer.sent == [("wei@example.org", now.subject_line, now.text)]
    assert d.store.memory.notices[notice.notice_id].sha256 == now.sha256


def test_a_records_letter_whose_facts_changed_before_it_was_sent_is_an_error() -> None:
    d = due()
    (notice,) = d.intake.submit(judgment(subject=ric_number()), source=COURT).notices
    letter = d.store.memory.notices[notice.notice_id]
    assert (letter.sha256, letter.facts is not None) == (None, True)
    assert letter.facts is not None
    for altered in (
        replace(letter, facts=dict(letter.facts) | {"ends_on": "2099-01-01"}),
        replace(letter, template_version="2"),
        replace(letter, subject_line="Another subject"),
    ):
        altered = replace(altered, body=WrittenLater(JinjaLetters(), altered))
        with pytest.raises(LetterAltered, match=letter.notice_id):
            _ = altered.text
    # Unchanged, it is written (the check is of what changed, not of every unhashed letter).
    same = replace(letter, body=WrittenLater(JinjaLetters(), letter))
    assert notice.access_code in same.text
