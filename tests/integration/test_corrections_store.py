"""Corrections and withdrawals on SQLite and PostgreSQL: tables by plain SQL, checks, the audit log."""

from __future__ import annotations

import time
from datetime import date, timedelta

from tests.due_factories import RAIL, threat_rulebook
from tests.factories import SettableClock, body, kept_letter, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry, open_registry
from trustledger.checks import CheckIndex
from trustledger.domain.identity import scheme_named
from trustledger.domain.rulebook import Scope
from trustledger.services.checking.feed import CheckFeed


def opened(db_url: str, clock: SettableClock) -> Registry:
    book = threat_rulebook()
    reg = open_registry(db_url, rulebook=book, scheme=scheme_named("cn-ric"), clock=clock)
    reg.migrate()
    return reg


def restrictions(reg: Registry, subject: str) -> list[tuple[str, str, str, str | None]]:
    """(restriction_id, status, starts_on, lifted_on) as ISO text, by plain SQL."""
    found = sql(
        reg,
        "SELECT restriction_id, status, starts_on, lifted_on FROM restrictions "
        "WHERE subject = :s ORDER BY restriction_id",
        s=subject,
    )
    return [(r[0], r[1], str(r[2]), None if r[3] is None else str(r[3])) for r in found]


def active_record(reg: Registry, clock: SettableClock) -> tuple[str, str]:
    subject = ric_number()
    rid = reg.intake.submit(body(subject=subject), source=RAIL).record.record_id
    clock.advance(12)
    reg.sweep.advance()
    assert [r[1] for r in restrictions(reg, subject)] == ["active"]
    return subject, rid


def test_a_withdrawal_lifts_an_active_restriction_and_the_log_stays_intact(
    db_url: str, clock: SettableClock
) -> None:
    reg = opened(db_url, clock)
    try:
        subject, rid = active_record(reg, clock)
        feed = CheckFeed(reg.uow, CheckIndex.from_columns, scheme=reg.scheme, clock=clock)
        feed.load()
        key, rail = reg.scheme.compact_key(subject), frozenset({Scope.RAIL})
        assert feed.index.lookup(key, rail, clock.today()) is not None
        started = time.monotonic()
        done = reg.corrections.withdraw(rid, source=RAIL, reason="Wrong passenger.")
        feed.poll()
        assert feed.index.lookup(key, rail, clock.today()) is None
        assert time.monotonic() - started < 1.0
        today = clock.today().isoformat()
        ((_, status, _, lifted),) = restrictions(reg, subject)
        assert (status, lifted) == ("lifted", today)
        stored = reg.keyring.master.pseudonym(subject)  # how events name the subject
        kinds = [k for (k,) in sql(reg, "SELECT kind FROM events WHERE subject = :s", s=stored)]
        assert kinds[-3:] == ["withdrawn", "restriction_lifted", "notice_issued"]
        ((purpose,),) = sql(
            reg, "SELECT purpose FROM notices WHERE notice_id = :n", n=done.notice_ids[0]
        )
        text = kept_letter(reg, done.notice_ids[0]).text
        assert purpose == "withdrawal"
        assert "Why: Wrong passenger." in text
        assert sql(reg, "SELECT score FROM subject_state WHERE subject = :s", s=subject) == [
            (1000,)
        ]
        pseudonym = reg.keyring.master.pseudonym(subject)
        actions = [
            a for (a,) in sql(reg, "SELECT action FROM audit_log WHERE subject = :s", s=pseudonym)
        ]
        assert "record.withdraw" in actions
        again = reg.corrections.withdraw(rid, source=RAIL, reason="Wrong passenger.")
        assert not again.created
        assert len(sql(reg, "SELECT seq FROM events WHERE subject = :s", s=stored)) == len(kinds)
        assert reg.audit.verify().intact
    finally:
        reg.close()


def test_a_more_adverse_correction_is_a_second_restriction_waiting_for_its_notice(
    db_url: str, clock: SettableClock
) -> None:
    reg = opened(db_url, clock)
    try:
        subject, rid = active_record(reg, clock)
        ((_, _, first_start, _),) = restrictions(reg, subject)
        done = reg.corrections.correct(
            rid, source=RAIL, changes={"type": "rail.threat"}, reason="Retrial: a threat."
        )
        assert done.adverse
        starts = (clock.today() + timedelta(days=10)).isoformat()
        assert restrictions(reg, subject) == [
            (rid, "active", first_start, None),
            (f"{rid}.c1", "pending", starts, None),
        ]

        def air(day: date) -> bool:
            return reg.stored_checks.check(subject, "air", "standard", on=day, checker="t").allowed

        assert air(clock.today())
        assert not air(date.fromisoformat(starts))
        purposes = sql(
            reg,
            "SELECT purpose, target FROM notices WHERE subject = :s ORDER BY created_at",
            s=reg.keyring.master.pseudonym(subject),
        )
        assert sorted(purposes[-2:]) == [("correction", rid), ("restriction", f"{rid}.c1")]
        assert reg.audit.verify().intact
    finally:
        reg.close()
