"""Notice letters, the outbox's retries and officers' queue, contacts and portal access."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.due_factories import APPEAL_URL, COURT, RAIL, RecordingMailer, due
from tests.factories import SettableClock, body, judgment, ric_number, rulebook
from tests.fakes import FakeStore
from trustledger.delivery.letters import JinjaLetters
from trustledger.domain.errors import Conflict, InvalidInput, NotFound
from trustledger.domain.evaluation import RestrictionStatus
from trustledger.domain.identity import scheme_named
from trustledger.domain.notice_letters import DeliveryStatus
from trustledger.domain.texts import Language
from trustledger.services.due_process.letters import CONTEXT_KEYS, Letter, NoticeLetters
from trustledger.services.due_process.outbox import MASK, NO_ADDRESS, DeliveryReport
from trustledger.services.due_process.state import Evaluator
from trustledger.services.intake.imports import Importer, rejects_path_for
from trustledger.services.intake.records import Intake


def test_a_restriction_notice_letter_states_what_why_when_and_how_to_appeal() -> None:
    d = due()
    result = d.intake.submit(judgment(case_ref="J-77"), source=COURT)
    (notice,) = result.notices
    letter = d.store.memory.notices[notice.notice_id]
    assert letter.purpose == "restriction"
    assert letter.subject_line == "Notice of a travel restriction and how to appeal it"
    for fact in (
        "Defaulting on a court judgment",
        "SPC Provisions on the list of judgment defaulters, art. 1",
        "case J-77 from court_7, decided 2026-10-20",
        "no flights or premium train seats",
        "2026-12-05",  # from: issued 2026-11-25 + notice_days 10
        "2027-12-04",  # until: 365 days, the first included
        "by 2026-12-10",  # issued + appeal_days 15
        APPEAL_URL,
        notice.access_code,
        "as soon as court_7 reports that the obligation is met",
    ):
        assert fact in letter.text
        assert fact in letter.html
    assert "From:        2026-12-05" in letter.text
    assert letter.status is DeliveryStatus.PENDING


def test_a_delivered_letter_keeps_no_access_code() -> None:
    d = due()
    result = d.intake.submit(body(contact="li.wei@Example.org"), source=RAIL)
    (notice,) = result.notices
    mailer = RecordingMailer()
    report = d.outbox.deliver_pending(mailer)
    assert (report.sent, report.retrying, report.undelivered) == (1, 0, 0)
    ((to, _, text),) = mailer.sent
    assert to == "li.wei@example.org"
    assert notice.access_code in text
    letter = d.store.memory.notices[notice.notice_id]
    assert (letter.status, letter.channel, letter.attempts) == (
        DeliveryStatus.DELIVERED,
        "email",
        1,
    )
    assert letter.access_code is None
    assert notice.access_code not in letter.text + letter.html
    assert MASK in letter.text
    assert d.outbox.deliver_pending(mailer).sent == 0


def test_failed_deliveries_back_off_then_go_to_the_officers_queue() -> None:
    d = due()
    d.intake.submit(body(contact="li.wei@example.org"), source=RAIL)
    mailer = RecordingMailer(failures=99)
    waits = []
    at = d.clock.now()
    for _ in range(4):
        report = d.outbox.deliver_pending(mailer, now=at)
        assert report.retrying == 1
        (letter,) = d.store.memory.notices.values()
        assert letter.next_attempt_at is not None
        waits.append(letter.next_attempt_at - at)
        early = letter.next_attempt_at - timedelta(seconds=1)
        assert d.outbox.deliver_pending(mailer, now=early) == DeliveryReport(0, 0, 0)
        at = letter.next_attempt_at
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert d.outbox.deliver_pending(mailer, now=at).undelivered == 1
    (queued,) = d.outbox.list_undelivered()
    assert (queued.attempts, queued.last_error) == (5, "refused attempt 5")
    assert queued.access_code is None
    assert mailer.attempts == 5


def test_a_subject_without_an_address_goes_to_the_officers_queue_at_once() -> None:
    d = due()
    result = d.intake.submit(body(), source=RAIL)
    mailer = RecordingMailer()
    assert d.outbox.deliver_pending(mailer).undelivered == 1
    assert mailer.attempts == 0
    (queued,) = d.outbox.list_undelivered()
    assert queued.notice_id == result.notices[0].notice_id
    assert queued.last_error == NO_ADDRESS
    actions = [a.action for a in d.store.memory.audit]
    assert "notice.undelivered" in actions


def test_an_address_supplied_later_sends_the_waiting_letters() -> None:
    d = due()
    subject = ric_number()
    d.intake.submit(body(subject=subject), source=RAIL)
    mailer = RecordingMailer()
    d.outbox.deliver_pending(mailer)
    d.intake.submit(body(subject=subject, contact="late@example.org"), source=RAIL)
    assert d.outbox.deliver_pending(mailer).sent == 2
    assert {to for to, _, _ in mailer.sent} == {"late@example.org"}
    assert d.outbox.list_undelivered() == []


def test_an_officer_prints_and_posts_an_undelivered_letter() -> None:
    d = due()
    (notice,) = d.intake.submit(body(), source=RAIL).notices
    d.outbox.deliver_pending(RecordingMailer())
    printable = d.outbox.letter_for_post(notice.notice_id, actor="officer_li")
    assert notice.access_code in printable.text
    posted = d.outbox.mark_posted(notice.notice_id, actor="officer_li")
    assert (posted.status, posted.channel, posted.access_code) == (
        DeliveryStatus.DELIVERED,
        "post",
        None,
    )
    assert notice.access_code not in d.store.memory.notices[notice.notice_id].text
    with pytest.raises(Conflict, match="delivered"):
        d.outbox.mark_posted(notice.notice_id, actor="officer_li")
    actions = [(a.actor, a.action) for a in d.store.memory.audit]
    assert ("officer_li", "notice.print") in actions
    assert ("officer_li", "notice.post") in actions


def test_delivery_never_moves_the_start_of_a_restriction() -> None:
    delivered, never = due(), due()
    delivered.intake.submit(body(contact="a@example.org"), source=RAIL)
    never.intake.submit(body(), source=RAIL)
    delivered.clock.advance(3)
    never.clock.advance(3)
    delivered.outbox.deliver_pending(RecordingMailer())
    never.outbox.deliver_pending(RecordingMailer(failures=99))
    for d in (delivered, never):
        d.clock.advance(7)  # issued 2026-11-25 + notice_days 10
        d.sweep.advance()
        (r,) = d.store.memory.derived["11010519491231002X"].state.restrictions
        assert r.starts_on == date(2026, 12, 5)
        assert r.status is RestrictionStatus.ACTIVE


@pytest.mark.parametrize(
    "contact", ["not-an-address", "a@b", "a b@example.org", "x@example.org\r\nBcc: y@z.org", 7]
)
def test_a_contact_must_be_a_plausible_email_address(contact: object) -> None:
    d = due()
    with pytest.raises(InvalidInput) as caught:
        d.intake.submit(body(contact=contact), source=RAIL)
    assert caught.value.field == "contact"
    assert d.store.memory.events == []


def test_the_portal_opens_with_the_code_of_any_notice_of_that_subject() -> None:
    d = due()
    subject, other = ric_number(), ric_number()
    (first,) = d.intake.submit(body(subject=subject), source=RAIL).notices
    (second,) = d.intake.submit(judgment(subject=subject), source=COURT).notices
    d.intake.submit(body(subject=other), source=RAIL)
    assert d.portal.verify_access(subject, first.access_code)
    assert d.portal.verify_access(subject, second.access_code.lower().replace("-", " "))
    assert not d.portal.verify_access(other, first.access_code)
    assert not d.portal.verify_access(subject, "AAAA-BBBB-CCCC-DDDD")
    assert not d.portal.verify_access(subject, "")
    letters = d.portal.notices(subject, actor="subject", purpose="portal")
    assert [n.notice_id for n in letters] == [first.notice_id, second.notice_id]
    assert all(first.access_code not in n.text for n in letters)
    assert d.store.memory.audit[-1].action == "notices.read"


def test_an_import_keeps_the_contacts_its_lines_supply(tmp_path: Path) -> None:
    d = due()
    first, second = ric_number(), ric_number()
    path = tmp_path / "in.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["subject", "type", "occurred_on", "decided_on", "case_ref", "contact"])
        out.writerow([first, "rail.smoking", "2026-10-01", "2026-10-20", "C-1", "a@example.org"])
        out.writerow([second, "rail.smoking", "2026-10-01", "2026-10-20", "C-2", ""])
        out.writerow([ric_number(), "rail.smoking", "2026-10-01", "2026-10-20", "C-3", "nope"])
    importer = Importer(d.store, intake=d.intake, clock=d.clock)
    report = importer.run(path, source=RAIL)
    assert (report.imported, report.rejected) == (2, 1)
    assert d.store.memory.contacts == {first: "a@example.org"}
    rejects = [orjson.loads(x) for x in rejects_path_for(path).read_bytes().splitlines()]
    assert [r["field"] for r in rejects] == ["contact"]


class RecordingRenderer:
    def __init__(self) -> None:
        self.contexts: list[tuple[str, dict[str, Any]]] = []

    def render(self, purpose: str, context: dict[str, Any], *, language: Language) -> Letter:
        self.contexts.append((purpose, context))
        return JinjaLetters().render(purpose, context, language=language)

    def subject_line(self, purpose: str, *, language: Language) -> str:
        return JinjaLetters().subject_line(purpose, language=language)


def test_every_letter_is_rendered_through_the_port_with_every_fact_named() -> None:
    renderer = RecordingRenderer()
    letters = NoticeLetters(renderer, appeal_url=APPEAL_URL, language=Language.EN)
    store, clock = FakeStore(), SettableClock()
    scheme = scheme_named("cn-ric")
    intake = Intake(store, evaluator=Evaluator(rulebook(), scheme, letters), clock=clock)
    (notice,) = intake.submit(judgment(), source=COURT).notices
    assert renderer.contexts == []  # a record's letter is written when first read
    assert notice.access_code in store.memory.notices[notice.notice_id].text
    ((purpose, context),) = renderer.contexts
    assert purpose == "restriction"
    assert set(context) == set(CONTEXT_KEYS)
    assert context["title"] == "Defaulting on a court judgment"
    assert context["starts_on"] == "2026-12-05"
    assert context["lift_on_fulfilment"] is True
    assert context["appeal_url"] == APPEAL_URL


def test_a_mail_server_that_keeps_failing_stops_the_run_without_counting_the_rest() -> None:
    d = due()
    for _ in range(5):
        d.intake.submit(body(subject=ric_number(), contact="a@example.org"), source=RAIL)
    mailer = RecordingMailer(failures=99)
    at = d.clock.now()
    report = d.outbox.deliver_pending(mailer, now=at)
    assert (report.sent, report.retrying, mailer.attempts) == (0, 3, 3)
    attempts = sorted(n.attempts for n in d.store.memory.notices.values())
    assert attempts == [0, 0, 1, 1, 1]
    untried = [n for n in d.store.memory.notices.values() if n.attempts == 0]
    assert all(n.next_attempt_at == at for n in untried)
    assert d.outbox.deliver_pending(RecordingMailer(), now=at).sent == 2


def test_the_same_address_again_changes_nothing() -> None:
    d = due()
    subject = ric_number()
    d.intake.submit(body(subject=subject, contact="a@example.org"), source=RAIL)
    d.intake.submit(body(subject=subject, contact="a@example.org"), source=RAIL)
    assert [a.action for a in d.store.memory.audit].count("contact.update") == 1


def test_the_portal_lists_delivered_letters_and_needs_a_purpose() -> None:
    d = due()
    subject = ric_number()
    (notice,) = d.intake.submit(body(subject=subject, contact="a@example.org"), source=RAIL).notices
    d.outbox.deliver_pending(RecordingMailer())
    (letter,) = d.portal.notices(subject, actor="subject", purpose="portal")
    assert letter.status is DeliveryStatus.DELIVERED
    assert notice.access_code not in letter.text
    with pytest.raises(InvalidInput) as caught:
        d.portal.notices(subject, actor="subject", purpose=" ")
    assert caught.value.field == "purpose"
    with pytest.raises(NotFound):
        d.outbox.letter_for_post("ntc_nothing", actor="officer_li")
