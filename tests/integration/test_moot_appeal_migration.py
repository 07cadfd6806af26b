"""Migration 0016: a registry derived before an appeal about a withdrawn record stopped keeping
it forever gives such a subject its erase day with no `trustledger recompute`; and the officers'
queue names the day such a record was withdrawn, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from tests.due_factories import RAIL
from tests.factories import SettableClock, body, ric_number
from tests.integration.conftest import opened, sql, sql_write
from trustledger.bootstrap import Registry
from trustledger.store.schema import _config, current_revision, head_revision, migrate

RETAIN_DAYS = 30


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTLEDGER_LOG_KEY_FILE", str(tmp_path / "log.key"))


@pytest.fixture
def reg(db_url: str, clock: SettableClock) -> Iterator[Registry]:
    with opened(db_url, clock, retain_days=RETAIN_DAYS) as registry:
        yield registry


def downgrade(registry: Registry, revision: str) -> None:
    config = _config()
    with registry.engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        # The head code, which writes here at `revision`, writes the notices' facts hash (0017,
        # which finds the column there when upgrading) as its 32 bytes (0018, which finds them so).
        if revision < "0017":
            binary = "BYTEA" if conn.dialect.name == "postgresql" else "BLOB"
            conn.execute(text(f"ALTER TABLE notices ADD COLUMN facts_sha256 {binary}"))
        conn.commit()


def next_change(reg: Registry, subject: str) -> date | None:
    (day,) = sql(reg, "SELECT next_change_on FROM subject_state WHERE subject = :s", s=subject)[0]
    return date.fromisoformat(day) if isinstance(day, str) else day


def appealed(reg: Registry, *, withdraw: bool) -> tuple[str, str, date]:
    """A subject whose record's restriction is under an appeal no officer decides; the record
    withdrawn by its source if `withdraw`: (subject, record, the appeal's deadline)."""
    subject = ric_number()
    submitted = reg.intake.submit(body(subject=subject), source=RAIL)
    rid = submitted.record.record_id
    filed = reg.appeals.file_appeal(
        subject,
        grounds="The judgment was paid before the listing",
        actor="subject",
        target=rid,
        access_code=submitted.notices[0].access_code,
    )
    if withdraw:
        reg.corrections.withdraw(rid, source=RAIL, reason="Wrong person")
    return subject, rid, filed.deadline


def test_a_withdrawn_record_under_an_undecided_appeal_gets_its_erase_day_after_upgrading(
    reg: Registry, clock: SettableClock
) -> None:
    downgrade(reg, "0015")
    assert current_revision(reg.engine) == "0015"
    moot, rid, deadline = appealed(reg, withdraw=True)
    pending, _, _ = appealed(reg, withdraw=False)
    untouched = ric_number()
    reg.intake.submit(body(subject=untouched, case_ref="CR-NO-APPEAL"), source=RAIL)
    kept_days = {s: next_change(reg, s) for s in (pending, untouched)}
    # As the code before 3d54a47 derived it: the appeal kept the record, so no day at all.
    sql_write(reg, "UPDATE subject_state SET next_change_on = NULL WHERE subject = :s", s=moot)

    assert migrate(reg.engine) == head_revision()

    assert next_change(reg, moot) == deadline
    # A day sooner than the deadline is kept; a subject with no undecided appeal is left alone.
    assert {s: next_change(reg, s) for s in (pending, untouched)} == kept_days
    assert kept_days[pending] is not None
    assert kept_days[pending] < deadline
    # The sweep, as the server runs it, reaches it on the deadline and erases it after its
    # retention, with no recompute.
    clock.advance((deadline - clock.today()).days)
    reg.sweep.advance()
    assert next_change(reg, moot) == deadline + timedelta(days=RETAIN_DAYS)
    clock.advance(RETAIN_DAYS)
    assert reg.sweep.advance().erased_records >= 1
    assert sql(reg, "SELECT count(*) FROM subject_state WHERE subject = :s", s=moot)[0][0] == 0
    erased = sql(reg, "SELECT count(*) FROM events WHERE kind = 'erased'")[0][0]
    assert erased >= 1
    assert reg.audit.verify().intact
    assert rid not in {a.target for a in reg.appeals.list_pending()}


def test_downgrading_0016_changes_nothing(reg: Registry) -> None:
    subject, _, _ = appealed(reg, withdraw=True)
    day = next_change(reg, subject)
    downgrade(reg, "0015")
    assert next_change(reg, subject) == day
    assert migrate(reg.engine) == head_revision()


def test_the_queue_names_the_withdrawal_of_an_appealed_record_on_both_engines(
    reg: Registry, clock: SettableClock
) -> None:
    kept, _, _ = appealed(reg, withdraw=False)
    clock.advance(1)  # the second record appealed and withdrawn a day later: that day is named
    moot, _, _ = appealed(reg, withdraw=True)
    found = {a.subject: a for a in reg.appeals.list_pending()}
    assert (found[moot].record_withdrawn_on, found[moot].record_overturned_on) == (
        clock.today(),
        None,
    )
    assert (found[kept].record_withdrawn_on, found[kept].record_overturned_on) == (None, None)
    assert [a.subject for a in reg.appeals.list_overdue(clock.today() + timedelta(days=60))] == [
        kept,
        moot,
    ]
