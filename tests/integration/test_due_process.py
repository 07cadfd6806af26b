"""Notice, appeal, fulfilment, expiry and review end to end on SQLite and PostgreSQL.

The services run against real databases with the default rulebook (the review case with a
variant of the test rulebook whose findings score but do not restrict); assertions read the
tables with plain SQL.
"""

from __future__ import annotations

import email
import email.policy
import socket
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import text

from tests.due_factories import COURT, RAIL, review_rulebook
from tests.factories import SettableClock, body, judgment, kept_letter, ric_number, unpaid
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry, open_registry
from trustledger.checks import CheckIndex
from trustledger.cli.app import main
from trustledger.delivery.smtp import SmtpMailer
from trustledger.domain.identity import scheme_named
from trustledger.domain.rulebook import Rulebook, Scope
from trustledger.rulebook import load_rulebook
from trustledger.services.checking.feed import CheckFeed
from trustledger.store.engine import create_store_engine
from trustledger.store.schema import head_revision, migrate

Opener = Callable[[Rulebook], Registry]


@pytest.fixture
def open_with(db_url: str, clock: SettableClock) -> Iterator[Opener]:
    opened: list[Registry] = []

    def make(book: Rulebook) -> Registry:
        reg = open_registry(db_url, rulebook=book, scheme=scheme_named("cn-ric"), clock=clock)
        reg.migrate()
        opened.append(reg)
        return reg

    yield make
    for reg in opened:
        reg.close()


def rows(reg: Registry, statement: str, **params: object) -> list[tuple[object, ...]]:
    return [tuple(r) for r in sql(reg, statement, **params)]


def pseudonym(reg: Registry, subject: str) -> str:
    """Where the subject's notices and contact are stored (their `subject` column)."""
    return reg.keyring.master.pseudonym(subject)


def kinds(reg: Registry, subject: str) -> list[str]:
    """The kinds of the subject's events, found by pseudonym (the events' `subject` column)."""
    query = "SELECT kind FROM events WHERE subject = :s ORDER BY seq"
    return [k for (k,) in rows(reg, query, s=reg.keyring.master.pseudonym(subject))]


def restriction(reg: Registry, subject: str) -> tuple[object, ...]:
    """Status and dates; SQLite hands plain SQL its dates as ISO text."""
    (row,) = rows(
        reg,
        "SELECT status, starts_on, ends_on, lifted_on FROM restrictions WHERE subject = :s",
        s=subject,
    )
    return tuple(date.fromisoformat(v) if isinstance(v, str) and v[:2] == "20" else v for v in row)


def allowed(reg: Registry, subject: str, mode: str, on: date) -> bool:
    return reg.stored_checks.check(subject, mode, "standard", on=on, checker="test").allowed


def test_a_court_restriction_is_noticed_then_appealed_and_overturned(
    open_with: Opener, clock: SettableClock
) -> None:
    reg = open_with(load_rulebook())
    subject = ric_number()
    result = reg.intake.submit(judgment(subject=subject, contact="wei@example.org"), source=COURT)
    (notice,) = result.notices
    letters = rows(
        reg,
        "SELECT notice_id, purpose, status FROM notices WHERE subject = :s",
        s=pseudonym(reg, subject),
    )
    assert letters == [(notice.notice_id, "restriction", "pending")]
    text = (kept_letter(reg, notice.notice_id).text,)
    assert "Fa Shi 2017 No. 7" in str(text[0])
    assert restriction(reg, subject)[:2] == ("pending", date(2026, 12, 5))
    assert allowed(reg, subject, "air", clock.today())

    clock.advance(10)
    reg.sweep.advance()
    assert restriction(reg, subject)[0] == "active"
    assert not allowed(reg, subject, "air", clock.today())
    feed = CheckFeed(reg.uow, CheckIndex.from_columns, scheme=reg.scheme, clock=clock)
    feed.load()
    key = reg.scheme.compact_key(subject)
    assert feed.index.lookup(key, frozenset({Scope.AIR}), clock.today()) is not None

    filed = reg.appeals.file_appeal(
        subject,
        grounds="The debt was settled in court",
        actor="subject",
        access_code=notice.access_code,
    )
    started = time.monotonic()
    decided = reg.appeals.decide_appeal(
        filed.appeal_id, outcome="overturned", reasons="Settlement on file", actor="officer_li"
    )
    feed.poll()
    assert feed.index.lookup(key, frozenset({Scope.AIR}), clock.today()) is None
    assert time.monotonic() - started < 1.0

    assert restriction(reg, subject) == (
        "lifted",
        date(2026, 12, 5),
        date(2027, 12, 4),
        clock.today(),
    )
    assert rows(reg, "SELECT score FROM subject_state WHERE subject = :s", s=subject) == [(1000,)]
    assert allowed(reg, subject, "air", clock.today())
    assert kinds(reg, subject)[-5:] == [
        "appeal_filed",
        "appeal_decided",
        "overturned",
        "restriction_lifted",
        "notice_issued",
    ]
    assert rows(reg, "SELECT purpose FROM notices WHERE notice_id = :n", n=decided.notice_id) == [
        ("decision",)
    ]
    assert rows(reg, "SELECT outcome FROM appeals WHERE appeal_id = :a", a=filed.appeal_id) == [
        ("overturned",)
    ]
    actions = [a for (a,) in rows(reg, "SELECT actor || ' ' || action FROM audit_log ORDER BY seq")]
    assert "subject appeal.file" in actions
    assert "officer_li appeal.decide" in actions
    assert reg.audit.verify().intact


def test_unpaid_contributions_paid_end_the_restriction_early(
    open_with: Opener, clock: SettableClock
) -> None:
    reg = open_with(load_rulebook())
    subject = ric_number()
    rid = reg.intake.submit(unpaid(subject=subject, amount=6000), source=COURT).record.record_id
    clock.advance(30)
    reg.sweep.advance()
    assert not allowed(reg, subject, "air", clock.today())
    done = reg.fulfilment.report_fulfilment(rid, source_name="court_7")
    assert done.lifted == (rid,)
    status, _, ends_on, lifted_on = restriction(reg, subject)
    assert (status, lifted_on) == ("lifted", clock.today())
    assert isinstance(ends_on, date)
    assert ends_on > clock.today()
    assert allowed(reg, subject, "air", clock.today())
    assert kinds(reg, subject)[-3:] == ["fulfilled", "restriction_lifted", "notice_issued"]
    purposes = rows(
        reg,
        "SELECT purpose FROM notices WHERE subject = :s ORDER BY created_at",
        s=pseudonym(reg, subject),
    )
    assert purposes == [("restriction",), ("lifted",)]
    assert reg.audit.verify().intact


def test_a_smoking_restriction_expires_by_itself_the_day_after_its_end(
    open_with: Opener, clock: SettableClock
) -> None:
    reg = open_with(load_rulebook())
    subject = ric_number()
    reg.intake.submit(body(subject=subject), source=RAIL)
    _, starts_on, ends_on, _ = restriction(reg, subject)
    assert (starts_on, ends_on) == (date(2026, 12, 5), date(2027, 6, 2))
    clock.day = date(2027, 6, 3)
    report = reg.sweep.advance()
    assert (report.started, report.expired, report.notices) == (1, 1, 1)
    assert restriction(reg, subject)[0] == "expired"
    assert kinds(reg, subject)[-3:] == [
        "restriction_started",
        "restriction_expired",
        "notice_issued",
    ]
    assert rows(
        reg,
        "SELECT purpose FROM notices WHERE subject = :s ORDER BY created_at",
        s=pseudonym(reg, subject),
    ) == [
        ("restriction",),
        ("expired",),
    ]
    assert reg.sweep.advance().subjects == 0
    assert len(kinds(reg, subject)) == 5
    assert allowed(reg, subject, "rail", clock.today())


def test_a_low_score_opens_a_case_and_only_the_officer_restricts(
    open_with: Opener, clock: SettableClock
) -> None:
    reg = open_with(review_rulebook())
    subject = ric_number()
    reg.intake.submit(unpaid(subject=subject), source=COURT)
    assert rows(reg, "SELECT count(*) FROM review_cases") == [(0,)]
    reg.intake.submit(unpaid(subject=subject), source=COURT)
    ((case_id, score, decided),) = rows(
        reg, "SELECT case_id, score, decided_on FROM review_cases WHERE subject = :s", s=subject
    )
    assert (score, decided) == (600, None)
    found = rows(
        reg, "SELECT purpose, target FROM notices WHERE subject = :s", s=pseudonym(reg, subject)
    )
    assert found == [("review", case_id)]
    assert rows(reg, "SELECT count(*) FROM restrictions") == [(0,)]
    assert allowed(reg, subject, "air", clock.today())

    decision = reg.reviews.decide_review(
        str(case_id),
        outcome="restrict",
        scopes=["air"],
        days=60,
        reasons="Refused twice",
        actor="officer_li",
    )
    assert rows(
        reg, "SELECT purpose, target FROM notices WHERE notice_id = :n", n=decision.notice_id
    ) == [("restriction", case_id)]
    assert restriction(reg, subject)[:2] == ("pending", date(2026, 12, 5))
    assert allowed(reg, subject, "air", clock.today())
    clock.advance(10)
    reg.sweep.advance()
    assert restriction(reg, subject)[0] == "active"
    assert not allowed(reg, subject, "air", clock.today())
    assert allowed(reg, subject, "rail", clock.today())
    assert reg.audit.verify().intact


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_outbox_retries_a_failed_letter_and_delivers_it_over_smtp(
    open_with: Opener, clock: SettableClock
) -> None:
    reg = open_with(load_rulebook())
    subject = ric_number()
    result = reg.intake.submit(body(subject=subject, contact="wei@example.org"), source=RAIL)
    (notice,) = result.notices
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    down = SmtpMailer("127.0.0.1", free_port(), sender="notices@registry.example", timeout=2)
    up = SmtpMailer("127.0.0.1", controller.port, sender="notices@registry.example", timeout=5)
    first = clock.now()
    assert reg.outbox.deliver_pending(down, now=first).retrying == 1
    ((status, attempts, error, code),) = rows(
        reg,
        "SELECT status, attempts, last_error, access_code FROM notices WHERE subject = :s",
        s=pseudonym(reg, subject),
    )
    # The code is kept (sealed) until the letter is delivered, to send it again.
    assert (status, attempts, code) == ("pending", 1, None)
    assert kept_letter(reg, notice.notice_id).access_code == notice.access_code
    assert "SMTP 127.0.0.1" in str(error)
    controller.start()
    try:
        assert reg.outbox.deliver_pending(up, now=first).sent == 0  # not due for a minute
        assert reg.outbox.deliver_pending(up, now=first + timedelta(minutes=1)).sent == 1
    finally:
        controller.stop()
    ((to, raw),) = inbox.messages
    assert to == ["wei@example.org"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Notice of a travel restriction and how to appeal it"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert notice.access_code in plain.get_content()
    assert notice.access_code in html.get_content()
    ((status, attempts, code, channel, notice_id),) = rows(
        reg,
        "SELECT status, attempts, access_code, channel, notice_id FROM notices WHERE subject = :s",
        s=pseudonym(reg, subject),
    )
    delivered = kept_letter(reg, str(notice_id))
    assert (status, attempts, code, channel) == ("delivered", 2, None, "email")
    assert delivered.access_code is None
    assert notice.access_code not in delivered.text
    assert reg.audit.verify().intact


def test_the_sweep_command_reports_the_day_and_refuses_a_future_one(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["trustledger", "--db", db_url, *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    assert run("init")[0] == 0
    code, out, _ = run("sweep", "--on", "2020-01-01")
    assert code == 0
    assert out.strip() == (
        "swept 2020-01-01: 0 subjects, 0 started, 0 lifted, 0 expired, 0 notices; "
        "erased 0 records of 0 subjects"
    )
    code, _, err = run("sweep", "--on", "2999-01-01")
    assert code == 2
    assert err.startswith("error: on: 2999-01-01 is in the future")
    code, _, err = run("sweep", "--on", "soon")
    assert (code, err.strip()) == (2, "error: --on: 'soon' is not a date written YYYY-MM-DD")


def test_upgrading_from_0001_keeps_the_rows_and_adds_the_due_process_tables(
    db_url: str,
) -> None:
    engine = create_store_engine(db_url)
    try:
        assert migrate(engine, "0001") == "0001"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO subject_state (subject, score, band, review_due, as_of) "
                    "VALUES ('s1', 950, 'B', false, '2026-11-25')"
                )
            )
        assert migrate(engine) == head_revision()
        with engine.connect() as conn:
            got = conn.execute(text("SELECT score, next_change_on FROM subject_state")).all()
            empty = [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("notices", "contacts", "appeals")
            ]
        assert [tuple(r) for r in got] == [(950, None)]
        assert empty == [0, 0, 0]
    finally:
        engine.dispose()


def test_each_letter_is_kept_in_its_contacts_language(open_with: Opener) -> None:
    reg = open_with(load_rulebook())
    zh, en = ric_number(), ric_number()
    for subject, tag in ((zh, "zh-CN"), (en, "en")):
        reg.intake.submit(
            judgment(subject=subject, contact="wei@example.org", contact_language=tag),
            source=COURT,
        )
    kept = rows(
        reg,
        "SELECT c.subject, c.language, n.language, n.subject_line FROM contacts c"
        " JOIN notices n ON n.subject = c.subject WHERE c.subject IN (:zh, :en)"
        " ORDER BY c.language DESC",
        zh=pseudonym(reg, zh),
        en=pseudonym(reg, en),
    )
    assert kept == [
        (pseudonym(reg, zh), "zh-Hans", "zh-Hans", "出行限制告知书及申诉途径"),
        (pseudonym(reg, en), "en", "en", "Notice of a travel restriction and how to appeal it"),
    ]


def test_a_chinese_letter_quotes_the_legal_basis_by_the_documents_chinese_title(
    open_with: Opener,
) -> None:
    reg = open_with(load_rulebook())
    subject = ric_number()
    body = judgment(subject=subject, contact="wei@example.org", contact_language="zh-Hans")
    reg.intake.submit(body, source=COURT)
    ((notice_id,),) = rows(
        reg, "SELECT notice_id FROM notices WHERE subject = :s", s=pseudonym(reg, subject)
    )
    kept = kept_letter(reg, str(notice_id))
    text, html = kept.text, kept.html
    title = "《最高人民法院关于公布失信被执行人名单信息的若干规定》（2013年公布，2017年修正，法释〔2017〕7号）"
    assert title in str(text)
    assert title in str(html)
    assert "Supreme People" not in str(text) + str(html)


def test_a_letters_facts_are_kept_without_its_access_code(open_with: Opener) -> None:
    reg = open_with(load_rulebook())
    subject = ric_number()
    (notice,) = reg.intake.submit(judgment(subject=subject), source=COURT).notices
    (letter,) = reg.portal.notices(subject, actor="test", purpose="facts test")
    assert letter.facts is not None
    assert letter.facts["access_code"] == "XXXX-XXXX-XXXX-XXXX"
    assert letter.facts["titles"]["zh-Hans"] == "有履行能力而拒不履行生效法律文书确定的义务"
    assert notice.access_code not in str(letter.facts)
    ((facts, sealed),) = rows(
        reg, "SELECT facts, sealed FROM notices WHERE subject = :s", s=pseudonym(reg, subject)
    )
    assert facts is None  # sealed with the code, which is dropped once delivered
    assert notice.access_code.encode() not in bytes(sealed)
