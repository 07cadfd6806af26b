"""Erasure at the end of retention on SQLite and PostgreSQL: what goes, what stays, what verifies.

The sweep runs as the server runs it (to each subject's next_change_on); assertions read the
tables with plain SQL.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from tests.due_factories import COURT, RAIL, RecordingMailer
from tests.factories import SettableClock, body, judgment, ric_number
from tests.integration.conftest import opened, sql
from trustledger.bootstrap import Registry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.events import RETENTION_BASIS
from trustledger.store.statistics import SqlStatistics

RETAIN_DAYS = 30
GROUNDS = "The judgment was paid before the listing"


@pytest.fixture
def reg(db_url: str, clock: SettableClock) -> Iterator[Registry]:
    """The test rulebook with records kept 30 days after their last effect."""
    with opened(db_url, clock, retain_days=RETAIN_DAYS) as registry:
        yield registry


def pseudonym(reg: Registry, subject: str) -> str:
    with reg.uow(readonly=True) as uow:
        return uow.data_keys.pseudonym(subject)


def erased_events(reg: Registry, subject: str) -> list[dict[str, object]]:
    found = sql(
        reg,
        "SELECT data FROM events WHERE kind = 'erased' AND subject IN (:s, :p) ORDER BY seq",
        s=subject,
        p=pseudonym(reg, subject),
    )
    return [d if isinstance(d, dict) else json.loads(d) for (d,) in found]


def sweep_until_erased(reg: Registry, clock: SettableClock, subject: str) -> int:
    """Run the sweep on each day the subject's state next changes, as the server would, until
    its records are erased; the number of sweeps."""
    for sweeps in range(1, 20):
        (day,) = sql(reg, "SELECT next_change_on FROM subject_state WHERE subject = :s", s=subject)[
            0
        ]
        day = date.fromisoformat(day) if isinstance(day, str) else day
        clock.advance((day - clock.today()).days)
        reg.sweep.advance()
        if erased_events(reg, subject):
            return sweeps
    raise AssertionError("the sweep never erased the subject's records")


def count(reg: Registry, statement: str, **params: object) -> int:
    return int(sql(reg, statement, **params)[0][0])


def test_the_sweep_erases_a_record_whose_retention_ended_and_all_of_its_subject(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    submitted = reg.intake.submit(
        body(subject=subject, contact="erase.me@example.org"), source=RAIL
    )
    record_id = submitted.record.record_id
    p = pseudonym(reg, subject)
    assert reg.audit.verify().intact

    sweep_until_erased(reg, clock, subject)

    (erased,) = erased_events(reg, subject)
    assert erased["record_ids"] == [record_id]
    assert erased["rules"] == ["rail.smoking"]
    assert erased["basis"] == RETENTION_BASIS
    assert erased["all"] is True
    assert erased["ended_on"] is not None
    assert date.fromisoformat(str(erased["ended_on"])) <= clock.today()
    # The log's entry names no one: the pseudonym, the record and its rule code.
    (detail, who) = sql(
        reg, "SELECT detail, subject FROM audit_log WHERE action = 'retention.erase'"
    )[0]
    assert who is None
    assert p in detail
    assert record_id in detail
    assert subject not in detail
    # Every key of the subject is gone, and with nothing left, its contact and derived rows.
    keys = "SELECT scope FROM data_keys WHERE pseudonym = :p"
    assert sql(reg, keys, p=p) == [("~erased",)]  # the mark that keys were destroyed
    assert (
        count(reg, "SELECT count(*) FROM contacts WHERE subject IN (:s, :p)", s=subject, p=p) == 0
    )
    for table in ("subject_state", "restrictions", "review_cases", "appeals"):
        assert count(reg, f"SELECT count(*) FROM {table} WHERE subject = :s", s=subject) == 0
    assert reg.audit.verify().intact
    assert reg.stored_checks.check(
        subject, "rail", "standard", on=clock.today(), checker="test"
    ).allowed


def test_erasing_again_changes_nothing_and_appends_nothing(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    record_id = reg.intake.submit(body(subject=subject), source=RAIL).record.record_id
    sweep_until_erased(reg, clock, subject)
    events = count(reg, "SELECT count(*) FROM events")
    audit = count(reg, "SELECT count(*) FROM audit_log WHERE action = 'retention.erase'")

    again = reg.erasures.erase(subject, [record_id], RETENTION_BASIS)
    reg.sweep.advance()
    clock.advance(400)
    reg.sweep.advance()

    assert again.erased == ()
    assert count(reg, "SELECT count(*) FROM events") == events
    assert count(reg, "SELECT count(*) FROM audit_log WHERE action = 'retention.erase'") == audit


def test_a_record_still_in_effect_is_refused_and_nothing_changes(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    record_id = reg.intake.submit(body(subject=subject), source=RAIL).record.record_id
    events = count(reg, "SELECT count(*) FROM events")
    keys = count(reg, "SELECT count(*) FROM data_keys")

    with pytest.raises(InvalidInput) as refused:
        reg.erasures.erase(subject, [record_id], "dec_1")
    assert refused.value.field == "record_ids"
    assert record_id in refused.value.reason
    assert "still has effect" in refused.value.reason
    with pytest.raises(InvalidInput) as unknown:
        reg.erasures.erase(subject, ["rec_nothing"], "dec_1")
    assert "rec_nothing" in unknown.value.reason
    with pytest.raises(InvalidInput) as nothing:
        reg.erasures.erase(subject, [], "dec_1")
    assert nothing.value.field == "record_ids"
    with pytest.raises(InvalidInput) as basis:
        reg.erasures.erase(subject, [record_id], " ")
    assert basis.value.field == "basis"

    assert count(reg, "SELECT count(*) FROM events") == events
    assert count(reg, "SELECT count(*) FROM data_keys") == keys
    clock.advance(10)
    reg.sweep.advance()  # the restriction starts: the sweep erases nothing in force
    assert erased_events(reg, subject) == []


def test_a_decision_erases_a_record_with_no_effect_left_before_its_retention_ends(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    record_id = reg.intake.submit(body(subject=subject), source=RAIL).record.record_id
    reg.corrections.withdraw(record_id, source=RAIL, reason="Wrong person")
    clock.advance(1)

    with pytest.raises(InvalidInput) as early:
        reg.erasures.erase(subject, [record_id], RETENTION_BASIS)
    assert "retention of record" in early.value.reason
    done = reg.erasures.erase(subject, [record_id], "era_decision_1", actor="officer_li")

    assert done.erased == (record_id,)
    (erased,) = erased_events(reg, subject)
    assert erased["basis"] == "era_decision_1"
    assert erased["ended_on"] is None
    assert sql(reg, "SELECT actor FROM audit_log WHERE action = 'retention.erase'") == [
        ("officer_li",)
    ]


def test_of_two_records_the_one_in_force_stays_and_the_statistics_keep_the_other(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    first_ref = "CR-ERASED-7731"
    rail = reg.intake.submit(body(subject=subject, case_ref=first_ref), source=RAIL)
    first = rail.record.record_id
    objected = reg.appeals.file_appeal(
        subject,
        grounds="Not me",
        actor="subject",
        target=first,
        access_code=rail.notices[0].access_code,
    )
    reg.appeals.decide_appeal(
        objected.appeal_id, outcome="upheld", reasons="Seen", actor="officer_li"
    )
    clock.advance((date(2027, 1, 1) - clock.today()).days)
    reg.sweep.advance()
    later = judgment(subject=subject, occurred_on="2026-12-20", decided_on="2027-01-01")
    submitted = reg.intake.submit(later, source=COURT)
    second = submitted.record.record_id
    (notice,) = submitted.notices
    filed = reg.appeals.file_appeal(
        subject, grounds=GROUNDS, actor="subject", target=second, access_code=notice.access_code
    )
    reg.appeals.decide_appeal(filed.appeal_id, outcome="upheld", reasons="Due", actor="officer_li")
    letters = reg.portal.notices(subject, actor="subject", purpose="portal")
    assert any(n.target == first for n in letters)
    figures = SqlStatistics(reg.engine)
    started = figures.started(date(2026, 11, 1), date(2027, 12, 31), per="day")
    ended = figures.ended(date(2026, 11, 1), date(2028, 12, 31), per="day")
    appeals = figures.appeals_by_state(
        date(2026, 11, 1), date(2027, 12, 31), today=date(2028, 1, 1)
    )
    decided = figures.decided(date(2026, 11, 1), date(2027, 12, 31))

    sweep_until_erased(reg, clock, subject)

    p = pseudonym(reg, subject)
    (erased,) = erased_events(reg, subject)
    assert (erased["record_ids"], erased["all"]) == ([first], False)
    # The record in force keeps its key, the subject its own, its state and its restriction.
    scopes = {s for (s,) in sql(reg, "SELECT scope FROM data_keys WHERE pseudonym = :p", p=p)}
    assert first not in scopes
    assert sql(reg, "SELECT score FROM subject_state WHERE subject = :s", s=subject) == [(900,)]
    assert sql(reg, "SELECT record_id FROM restrictions WHERE subject = :s", s=subject) == [
        (second,)
    ]
    # The file reads the court judgment as before, and nothing of the erased record.
    file = reg.files.read_history(subject, actor="officer_li", purpose="test")
    assert [a.record.record_id for a in file.state.assessments] == [second]
    assert file.state.assessments[0].record.case_ref == later["case_ref"]
    assert not any(e.record_id == first for e in file.events)
    assert first_ref not in repr(file)
    assert [(a.appeal_id, a.grounds) for a in file.state.appeals] == [(filed.appeal_id, GROUNDS)]
    letters = reg.portal.notices(subject, actor="subject", purpose="portal")
    assert all(n.target != first for n in letters)
    assert any(n.notice_id == notice.notice_id for n in letters)
    # The erased restriction still counts on the days it was in effect, under no one's name.
    (kept,) = sql(
        reg,
        "SELECT subject, record_id, compact_key FROM restrictions WHERE reason = 'rail.smoking'",
    )
    assert kept[0].startswith(subject[:2])
    assert " erased " in kept[0]
    assert subject not in kept[0]
    assert (kept[1], kept[2]) == (None, 0)
    count_of = lambda tallies: sorted((t.key, t.count) for t in tallies)  # noqa: E731
    assert count_of(figures.started(date(2026, 11, 1), date(2027, 12, 31), per="day")) == (
        count_of(started)
    )
    assert count_of(figures.ended(date(2026, 11, 1), date(2028, 12, 31), per="day")) == (
        count_of(ended)
    )
    assert count_of(
        figures.appeals_by_state(date(2026, 11, 1), date(2027, 12, 31), today=date(2028, 1, 1))
    ) == count_of(appeals)
    assert figures.decided(date(2026, 11, 1), date(2027, 12, 31)).count == decided.count == 2
    # A recompute from the events keeps them too: no event rebuilds them, none removes them.
    reg.recompute.run()
    assert count_of(figures.started(date(2026, 11, 1), date(2027, 12, 31), per="day")) == (
        count_of(started)
    )
    # Erasing it again is a no-op: the erased event that stays readable names it.
    events = count(reg, "SELECT count(*) FROM events")
    assert reg.erasures.erase(subject, [first], RETENTION_BASIS).erased == ()
    assert count(reg, "SELECT count(*) FROM events") == events
    assert reg.audit.verify().intact


def withdrawn_record(reg: Registry, subject: str, *, contact: str | None = None) -> str:
    extra = {"contact": contact} if contact else {}
    rid = reg.intake.submit(body(subject=subject, **extra), source=RAIL).record.record_id
    reg.corrections.withdraw(rid, source=RAIL, reason="Wrong person")
    return rid


def contacts_of(reg: Registry, subject: str) -> int:
    return count(reg, "SELECT count(*) FROM contacts WHERE subject = :p", p=pseudonym(reg, subject))


def granted_last_record(reg: Registry, clock: SettableClock, subject: str) -> tuple[str, str]:
    """A subject whose only record, withdrawn, an officer erased on request: (case, letter)."""
    rid = withdrawn_record(reg, subject, contact="last.record@example.org")
    clock.advance(1)
    service = reg.erasure_requests
    case_id = service.request(subject, record_id=rid, reason="Done", actor="subject").case_id
    decided = service.decide(case_id, outcome="granted", reasons="No effect left", actor="li")
    assert decided.notice_id is not None
    return case_id, decided.notice_id


def assert_held_for(reg: Registry, subject: str, case_id: str, notice_id: str) -> None:
    """The record is gone; the key, the address and the letter wait for the letter's delivery,
    and the file says so."""
    (erased,) = erased_events(reg, subject)
    assert (erased["basis"], erased["all"], erased["awaits"]) == (case_id, False, [notice_id])
    assert contacts_of(reg, subject) == 1
    file = reg.files.read_history(subject, actor="officer_li", purpose="test")
    assert file.state.assessments == ()
    (done,) = file.state.erasures
    assert (done.basis, done.records, done.awaits) == (case_id, 1, (notice_id,))
    # Its due day is today: the sweep looks again on each run.
    assert sql(reg, "SELECT next_change_on FROM subject_state WHERE subject = :s", s=subject)[0][
        0
    ] in (reg.clock.today(), reg.clock.today().isoformat())


def assert_erased_whole(reg: Registry, subject: str, case_id: str) -> None:
    held, whole = erased_events(reg, subject)
    assert held["awaits"]
    assert (whole["basis"], whole["all"], whole["record_ids"]) == (case_id, True, [])
    assert contacts_of(reg, subject) == 0
    assert count(reg, "SELECT count(*) FROM subject_state WHERE subject = :s", s=subject) == 0
    assert reg.files.read_history(subject, actor="officer_li", purpose="test").events == ()
    entries = [
        d for (d,) in sql(reg, "SELECT detail FROM audit_log WHERE action = 'retention.erase'")
    ]
    assert len(entries) == 2
    assert entries[1].endswith(f"basis={case_id} all")
    assert reg.audit.verify().intact


def test_a_grant_of_the_last_record_keeps_the_address_until_its_letter_is_delivered(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    case_id, notice_id = granted_last_record(reg, clock, subject)
    assert_held_for(reg, subject, case_id, notice_id)
    # Nothing is delivered yet: the sweep leaves it as it is, however often it runs.
    assert reg.sweep.advance().erased_subjects == 0
    clock.advance(3)
    assert reg.sweep.advance().erased_subjects == 0
    assert_held_for(reg, subject, case_id, notice_id)

    mailer = RecordingMailer()
    assert reg.outbox.deliver_pending(mailer).sent == 1
    ((to, line, text),) = mailer.sent
    assert (to, line) == ("last.record@example.org", "Decision on your request to erase a record")
    assert f"was decided on {clock.today() - timedelta(days=3)}: granted" in " ".join(text.split())
    report = reg.sweep.advance()
    assert (report.erased_subjects, report.erased_records) == (1, 0)
    assert_erased_whole(reg, subject, case_id)
    assert reg.sweep.advance().erased_subjects == 0
    assert reg.outbox.deliver_pending(mailer).sent == 0


def test_a_grant_letter_the_mail_server_refused_is_posted_by_an_officer_then_all_goes(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    case_id, notice_id = granted_last_record(reg, clock, subject)
    reg.outbox.max_attempts = 1
    assert reg.outbox.deliver_pending(RecordingMailer(failures=1)).undelivered == 1
    assert [n.notice_id for n in reg.outbox.list_undelivered()] == [notice_id]
    assert reg.sweep.advance().erased_subjects == 0  # undelivered is not delivered
    assert_held_for(reg, subject, case_id, notice_id)
    letter = reg.outbox.letter_for_post(notice_id, actor="officer_li")
    assert letter.access_code is not None  # still whole, to print
    assert reg.portal.verify_access(subject, letter.access_code)  # the portal opens with it
    reg.outbox.mark_posted(notice_id, actor="officer_li")
    assert reg.sweep.advance().erased_subjects == 1
    assert_erased_whole(reg, subject, case_id)
    assert not reg.portal.verify_access(subject, letter.access_code)
    assert reg.outbox.list_undelivered() == []


def test_a_grant_answers_at_once_while_the_mail_server_hangs(
    db_url: str, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts and never answers held the grant for the mailer's 10 s timeout."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        monkeypatch.setenv("TRUSTLEDGER_SMTP_PORT", str(hung.getsockname()[1]))
        monkeypatch.setenv("TRUSTLEDGER_DELIVER_NOTICES", "true")
        with opened(db_url, clock, retain_days=RETAIN_DAYS) as registry:
            assert registry.settings.deliver_notices
            subject = ric_number()
            started = time.monotonic()
            case_id, notice_id = granted_last_record(registry, clock, subject)
            assert time.monotonic() - started < 5
            hung.setblocking(False)
            with pytest.raises(BlockingIOError):
                hung.accept()  # the grant never called the mail server
            assert sql(
                registry, "SELECT status FROM notices WHERE notice_id = :n", n=notice_id
            ) == [("pending",)]
            assert_held_for(registry, subject, case_id, notice_id)


def test_a_grant_leaves_its_letter_readable_when_other_records_stay(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    rid = withdrawn_record(reg, subject, contact="two.records@example.org")
    reg.intake.submit(body(subject=subject, case_ref="CR-STAYS-1"), source=RAIL)
    clock.advance(1)
    mailer = RecordingMailer()
    service = reg.erasure_requests
    case_id = service.request(subject, record_id=rid, reason="Done", actor="subject").case_id
    decided = service.decide(case_id, outcome="granted", reasons="No effect left", actor="li")

    assert mailer.sent == []  # the outbox sends it as any other
    (erased,) = erased_events(reg, subject)
    assert (erased["basis"], erased["all"]) == (case_id, False)
    letters = reg.portal.notices(subject, actor="subject", purpose="portal")
    (letter,) = [n for n in letters if n.notice_id == decided.notice_id]
    assert letter.target == case_id
    assert "granted" in letter.body.text
    assert not any(n.target == rid for n in letters)  # the record's own letters went with it
    reg.outbox.deliver_pending(mailer)
    assert any(line == "Decision on your request to erase a record" for _, line, _ in mailer.sent)


def test_a_withdrawn_record_whose_appeal_was_never_decided_is_erased_after_its_deadline(
    reg: Registry, clock: SettableClock
) -> None:
    subject = ric_number()
    submitted = reg.intake.submit(body(subject=subject), source=RAIL)
    rid = submitted.record.record_id
    filed = reg.appeals.file_appeal(
        subject,
        grounds=GROUNDS,
        actor="subject",
        target=rid,
        access_code=submitted.notices[0].access_code,
    )
    reg.corrections.withdraw(rid, source=RAIL, reason="Wrong person")
    # The appeal has nothing left to decide; no officer decides it.
    assert [a.appeal_id for a in reg.appeals.list_pending()] == [filed.appeal_id]

    sweep_until_erased(reg, clock, subject)

    # Kept until the appeal's deadline, then for its retention, not forever.
    assert clock.today() == filed.deadline + timedelta(days=RETAIN_DAYS)
    (erased,) = erased_events(reg, subject)
    assert (erased["record_ids"], erased["all"]) == ([rid], True)
    assert reg.appeals.list_pending() == []
    assert reg.appeals.list_overdue() == []
    # The statistics keep it, under no one's name, as what it was: an appeal never decided.
    figures = SqlStatistics(reg.engine).appeals_by_state(
        filed.filed_on, filed.filed_on, today=clock.today()
    )
    assert [(f.key, f.count) for f in figures] == [("overdue", 1)]
    assert reg.audit.verify().intact
