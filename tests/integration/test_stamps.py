"""SQLite keeps the events' and audit entries' times as integers of microseconds since issue 17
(store/stamps.py); rows written before as text read the same, and the chain and the log verify
over a mix of both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from tests.factories import SettableClock, body, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry
from trustledger.domain.checkpoints import open_note
from trustledger.domain.submissions import Source
from trustledger.store import tables as t
from trustledger.store.audit import GENESIS, entry_hash
from trustledger.store.log_entries import AUDIT, EVENT, leaf_of

RAIL = Source("rail_bureau", ("rail.*",))
OLD_AT = datetime(2026, 11, 20, 8, 0, 1, 250)


def rows_of(registry: Registry) -> tuple[list[Any], list[Any]]:
    """The audit entries and the events, read through the tables' types."""
    with registry.engine.connect() as conn:
        entries = list(conn.execute(t.audit_log.select().order_by(t.audit_log.c.seq)))
        events = list(conn.execute(t.events.select().order_by(t.events.c.seq)))
    return entries, events


def test_new_times_are_kept_as_8_bytes_that_read_back_to_the_microsecond(
    registry: Registry, clock: SettableClock
) -> None:
    # SQLite: integers of microseconds since 1970; PostgreSQL: its own 8-byte timestamp.
    sqlite = registry.engine.dialect.name == "sqlite"
    registry.intake.submit(body(subject=ric_number()), source=RAIL)
    kind = "typeof({})" if sqlite else "pg_typeof({})::text"
    types = sql(
        registry,
        f"SELECT {kind.format('created_at')} FROM events"
        f" UNION SELECT {kind.format('at')} FROM audit_log",
    )
    assert [tuple(r) for r in types] == [("integer" if sqlite else "timestamp without time zone",)]
    entries, events = rows_of(registry)
    now = clock.moment.replace(tzinfo=None)
    # The clock moves a microsecond at each reading: each time is one it gave, to the microsecond.
    times = [e.at for e in entries] + [e.created_at for e in events]
    assert all(now - timedelta(microseconds=20) <= at <= now for at in times)
    ((stored,),) = sql(registry, "SELECT max(at) FROM audit_log")
    if sqlite:
        stored = datetime(1970, 1, 1) + timedelta(microseconds=stored)
    assert max(e.at for e in entries) == stored


def test_a_chain_begun_with_text_times_goes_on_with_integers_and_verifies(
    registry: Registry,
) -> None:
    """Entries as the registry stored them before (SQLite's text times; on PostgreSQL its
    timestamps, as ever), then entries and events the head code writes: `audit verify` and the
    log both pass, and every leaf is the one computed again from the rows read back."""
    rows, prev = [], GENESIS
    for seq in (1, 2):
        row = {"seq": seq, "actor": "officer_li", "action": "file.read", "subject": None,
               "purpose": "a check", "detail": "", "at": OLD_AT, "prev_hash": prev}  # fmt: skip
        prev = row["hash"] = entry_hash(**row)
        rows.append(row)
    postgres = registry.engine.dialect.name == "postgresql"
    with registry.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (seq, actor, action, subject, purpose, detail, at,"
                " prev_hash, hash) VALUES (:seq, :actor, :action, :subject, :purpose, :detail, "
                + ("CAST(:at AS TIMESTAMP)" if postgres else ":at")
                + ", :prev_hash, :hash)"
            ),
            [
                r
                | {
                    "at": OLD_AT.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    "prev_hash": bytes.fromhex(str(r["prev_hash"])),
                    "hash": bytes.fromhex(str(r["hash"])),
                }
                for r in rows
            ],
        )
    registry.intake.submit(body(subject=ric_number()), source=RAIL)
    verdict = registry.audit.verify()
    assert (verdict.intact, verdict.entries) == (True, 4)
    checkpoint = open_note(registry.log.checkpoint().note, registry.log.key)
    assert registry.log.verify([checkpoint]).intact

    entries, events = rows_of(registry)
    assert [e.at for e in entries[:2]] == [OLD_AT, OLD_AT]
    if not postgres:
        kinds = sql(registry, "SELECT typeof(at) FROM audit_log ORDER BY seq")
        assert [k for (k,) in kinds] == ["text", "text", "integer", "integer"]
    leaves = {
        (k, r): bytes(h) for k, r, h in sql(registry, "SELECT kind, ref, hash FROM log_leaves")
    }
    assert leaves == {
        **{(AUDIT, e.seq): leaf_of(AUDIT, e) for e in entries},
        **{(EVENT, e.seq): leaf_of(EVENT, e) for e in events},
    }
