"""Group commit against real databases: one transaction for many submissions, each answered exactly."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.factories import body, ric_number
from tests.integration.conftest import sql, sql_write
from trustledger.bootstrap import Registry
from trustledger.checks import CheckIndex
from trustledger.domain.errors import Conflict, InvalidInput
from trustledger.domain.submissions import Source
from trustledger.services.checking.feed import CheckFeed
from trustledger.services.intake.records import IntakeResult
from trustledger.services.intake.write_queue import Submission

RAIL = Source("rail_bureau", ("rail.*",))
OTHER_RAIL = Source("rail_south", ("rail.*",))


def _group(registry: Registry, *bodies: dict[str, Any], source: Source = RAIL) -> list[Submission]:
    group = [registry.writes.prepare(b, source=source) for b in bodies]
    registry.writes.commit(group)
    return group


def _keyed(registry: Registry, *case_refs: str) -> list[str]:
    """The case references as the records table keeps them (keyed hashes), sorted."""
    keyed = registry.keyring.master.keyed_hash
    return sorted(keyed("case_ref", RAIL.name, ref) for ref in case_refs)


def _refuse_case_ref(registry: Registry, case_ref: str) -> None:
    """A real fault: the database itself refuses to store the record with this case_ref."""
    (case_ref,) = _keyed(registry, case_ref)
    if registry.engine.dialect.name == "sqlite":
        sql_write(
            registry,
            f"CREATE TRIGGER refuse BEFORE INSERT ON records WHEN NEW.case_ref = X'{case_ref}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
        )
        return
    sql_write(
        registry,
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.case_ref = decode('{case_ref}', 'hex') THEN RAISE EXCEPTION 'refused by the test'; END IF; "
        "RETURN NEW; END $$",
    )
    sql_write(
        registry,
        "CREATE TRIGGER refuse BEFORE INSERT ON records FOR EACH ROW EXECUTE FUNCTION refuse()",
    )


def test_a_retry_inside_one_group_is_answered_as_already_stored(registry: Registry) -> None:
    first = body(subject=ric_number(), case_ref="G-1")
    other = body(subject=ric_number(), case_ref="G-2")
    group = _group(registry, first, dict(first), other)
    created = [s.result().created for s in group]
    assert created == [True, False, True]
    assert len(group[0].result().notices) == 1
    assert group[1].result().notices == ()
    rows = sql(registry, "SELECT case_ref FROM records ORDER BY case_ref")
    assert [bytes(r[0]).hex() for r in rows] == _keyed(registry, "G-1", "G-2")
    submits = sql(registry, "SELECT count(*) FROM audit_log WHERE action = 'record.submit'")
    assert submits[0][0] == 2
    assert registry.writes.groups == 1


def test_a_reused_case_ref_with_other_contents_fails_alone_and_saves_nothing(
    registry: Registry,
) -> None:
    subject = ric_number()
    good = body(subject=subject, case_ref="G-3", contact="kept@example.org")
    clash = body(subject=subject, case_ref="G-3", evidence_ref="other", contact="not@example.org")
    group = _group(registry, good, clash, body(case_ref="G-4"))
    assert group[0].result().created
    with pytest.raises(Conflict, match="case_ref 'G-3'"):
        group[1].result()
    assert group[2].result().created
    assert sql(registry, "SELECT count(*) FROM contacts")[0][0] == 1
    with registry.uow(readonly=True) as uow:  # the address is sealed
        assert uow.contacts.get_many([subject]) == {subject: "kept@example.org"}
    assert sql(registry, "SELECT count(*) FROM records")[0][0] == 2


def test_a_record_the_database_refuses_fails_alone_and_its_group_is_stored(
    registry: Registry,
) -> None:
    _refuse_case_ref(registry, "G-BAD")
    group = _group(registry, body(case_ref="G-5"), body(case_ref="G-BAD"), body(case_ref="G-6"))
    assert group[0].result().created
    with pytest.raises(Exception, match="refused by the test"):
        group[1].result()
    assert group[2].result().created
    rows = sql(registry, "SELECT case_ref FROM records ORDER BY case_ref")
    assert [bytes(r[0]).hex() for r in rows] == _keyed(registry, "G-5", "G-6")
    assert registry.audit.verify().intact


def test_a_group_enters_the_event_log_and_audit_chain_in_arrival_order(
    registry: Registry,
) -> None:
    bodies = [body(subject=ric_number(), case_ref=f"G-order-{n}") for n in (3, 1, 2)]
    group = _group(registry, *bodies[:2]) + _group(registry, bodies[2], source=OTHER_RAIL)
    ids = [s.result().record.record_id for s in group]
    audited = sql(
        registry, "SELECT subject, actor FROM audit_log WHERE action = 'record.submit' ORDER BY seq"
    )
    subjects = [b["subject"] for b in bodies]
    pseudonyms = [registry.keyring.master.pseudonym(s) for s in subjects]
    assert [tuple(a) for a in audited] == [
        (pseudonyms[0], "rail_bureau"),
        (pseudonyms[1], "rail_bureau"),
        (pseudonyms[2], "rail_south"),
    ]
    with registry.uow(readonly=True) as uow:  # each entry under its own subject
        details = [
            [e.detail for e in uow.audit.of_subject(s) if e.action == "record.submit"]
            for s in subjects
        ]
    assert details == [[ids[0]], [ids[1]], [ids[2]]]
    recorded = sql(registry, "SELECT record_id FROM events WHERE kind = 'recorded' ORDER BY seq")
    assert [r[0] for r in recorded] == ids
    assert registry.audit.verify().intact


def test_bad_input_fails_in_the_callers_thread_before_it_joins_a_group(
    registry: Registry,
) -> None:
    with pytest.raises(InvalidInput, match="occurred_on"):
        registry.writes.submit(body(occurred_on="2026-13-01"), source=RAIL)
    assert registry.writes.groups == 0
    assert sql(registry, "SELECT count(*) FROM records")[0][0] == 0


def test_concurrent_submissions_share_commits_and_each_is_answered_exactly(
    registry: Registry,
) -> None:
    threads, each = 8, 12
    answers: dict[str, IntakeResult] = {}
    failures: list[BaseException] = []

    def submit(t: int) -> None:
        for n in range(each):
            b = body(subject=ric_number(), case_ref=f"C-{t}-{n}")
            try:
                answers[b["case_ref"]] = registry.writes.submit(b, source=RAIL)
                # The same record again, as a client retrying after a lost answer does.
                again = registry.writes.submit(b, source=RAIL)
                assert not again.created
            except BaseException as exc:
                failures.append(exc)

    workers = [threading.Thread(target=submit, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert failures == []
    assert all(a.created for a in answers.values())
    assert len(answers) == threads * each
    rows = sql(registry, "SELECT case_ref FROM records")
    assert sorted(bytes(r[0]).hex() for r in rows) == _keyed(registry, *answers)
    assert registry.writes.records == 2 * threads * each
    assert registry.writes.groups < registry.writes.records  # some did share a commit
    seqs = [r[0] for r in sql(registry, "SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert registry.audit.verify().intact


def test_each_writer_finds_its_write_in_the_check_feed_after_the_groups_shared_poll(
    registry: Registry,
) -> None:
    feed = CheckFeed(
        registry.uow, CheckIndex.from_columns, scheme=registry.scheme, clock=registry.clock
    )
    feed.load()
    behind: list[str] = []

    def write(t: int) -> None:
        for n in range(6):
            result = registry.writes.submit(body(subject=ric_number()), source=RAIL)
            feed.poll_after_write()
            rid = result.record.record_id
            (seq,) = sql(registry, "SELECT max(seq) FROM events WHERE record_id = :r", r=rid)[0]
            if feed.seq < seq:
                behind.append(f"{t}-{n}: feed at {feed.seq}, write at {seq}")

    workers = [threading.Thread(target=write, args=(t,)) for t in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert behind == []
    assert feed.seq == sql(registry, "SELECT max(seq) FROM events")[0][0]


def test_queued_submissions_are_committed_by_the_writer_thread_and_settled_after_its_hooks(
    registry: Registry,
) -> None:
    events: list[str] = []
    everyone_settled = threading.Event()
    bodies = [body(subject=ric_number(), case_ref=f"Q-{n}") for n in range(20)]
    bodies.append(dict(bodies[0]))  # a retry queued beside its first submission
    bodies.append(bodies[1] | {"evidence_ref": "other contents"})  # a reused case_ref

    def stored() -> None:  # what the server's hook does: the writes are there to be read
        (n,) = sql(registry, "SELECT count(*) FROM records")[0]
        events.append(f"hook after {n}")

    registry.writes.after_commit(stored)

    def settled(n: int) -> None:
        events.append(f"settled {n}")
        if sum(e.startswith("settled") for e in events) == len(bodies):
            everyone_settled.set()

    queued = [registry.writes.prepare(b, source=RAIL) for b in bodies]
    for n, submission in enumerate(queued):
        registry.writes.enqueue(submission, lambda n=n: settled(n))
    assert everyone_settled.wait(timeout=30)
    assert [s.result().created for s in queued[:20]] == [True] * 20
    assert queued[20].result().created is False
    with pytest.raises(Conflict, match="different contents"):
        queued[21].result()
    assert sql(registry, "SELECT count(*) FROM records")[0][0] == 20
    # Each group's hook ran after its commit and before any of its submissions was settled:
    # every new record settled so far had been counted by the hook before it.
    seen, new = 0, 0
    for e in events:
        if e.startswith("hook"):
            seen = int(e.split()[-1])
        elif int(e.split()[1]) < 20:
            new += 1
            assert new <= seen, events
    assert sum(e.startswith("hook") for e in events) == registry.writes.groups
    assert sorted(int(e.split()[1]) for e in events if e.startswith("settled")) == list(
        range(len(bodies))
    )
    assert registry.audit.verify().intact
