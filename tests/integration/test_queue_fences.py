"""The officers' queues (appeals, undelivered notices, erasure requests) filter by jurisdiction
in SQL on SQLite and PostgreSQL: regions as identity-number prefixes, sources through the
subject's records, and a limit counting only the admitted rows."""

from __future__ import annotations

from tests.due_factories import COURT, RAIL
from tests.factories import SettableClock, body, judgment, ric_number
from tests.integration.conftest import sql
from tests.seeded_site import NoMail
from trustledger.bootstrap import Registry
from trustledger.domain.jurisdiction import Jurisdiction

SHENZHEN = "440304"


def appealed(registry: Registry, subject: str) -> str:
    result = registry.intake.submit(judgment(subject=subject), source=COURT)
    filed = registry.appeals.file_appeal(
        subject, grounds="Paid.", actor="officer:clerk", target=result.record.record_id
    )
    return filed.appeal_id


def test_the_appeals_queue_keeps_a_regions_fence_and_counts_the_limit_inside_it(
    registry: Registry,
) -> None:
    inside = {appealed(registry, ric_number(region=SHENZHEN)) for _ in range(2)}
    outside = {appealed(registry, ric_number()) for _ in range(6)}
    fence = Jurisdiction(regions=("4403",))
    assert {a.appeal_id for a in registry.appeals.list_pending(fence=fence)} == inside
    assert {a.appeal_id for a in registry.appeals.list_pending(limit=2, fence=fence)} == inside
    assert {a.appeal_id for a in registry.appeals.list_pending()} == inside | outside
    stored = {r.appeal_id for r in sql(registry, "SELECT appeal_id FROM appeals")}
    assert stored == inside | outside
    assert registry.appeals.list_pending(fence=Jurisdiction(regions=("31",))) == []


def test_the_appeals_queue_keeps_a_sources_fence_through_the_subjects_records(
    registry: Registry,
) -> None:
    holding, other = ric_number(), ric_number()
    registry.intake.submit(body(subject=holding), source=RAIL)
    mine, theirs = appealed(registry, holding), appealed(registry, other)
    rail = Jurisdiction(sources=(RAIL.name,))
    assert [a.appeal_id for a in registry.appeals.list_pending(limit=1, fence=rail)] == [mine]
    both = Jurisdiction(regions=("11",), sources=(COURT.name,))
    assert {a.appeal_id for a in registry.appeals.list_pending(fence=both)} == {mine, theirs}
    assert registry.appeals.list_pending(fence=Jurisdiction(regions=("44",), sources=("x",))) == []


def test_the_undelivered_queue_keeps_the_fence(registry: Registry) -> None:
    inside, outside = ric_number(region=SHENZHEN), ric_number()
    for subject in (outside, inside):
        registry.intake.submit(judgment(subject=subject), source=COURT)
    registry.outbox.deliver_pending(NoMail())  # no contact address: both wait for an officer
    fence = Jurisdiction(regions=("4403",))
    assert [n.subject for n in registry.outbox.list_undelivered(limit=1, fence=fence)] == [inside]
    assert {n.subject for n in registry.outbox.list_undelivered()} == {inside, outside}


def withdrawn(registry: Registry, subject: str) -> str:
    """A smoking record withdrawn today: from tomorrow it has no effect left."""
    rid = registry.intake.submit(body(subject=subject), source=RAIL).record.record_id
    registry.corrections.withdraw(rid, source=RAIL, reason="wrong person")
    return rid


def test_the_erasure_queue_keeps_the_fence_and_a_decision_leaves_it(
    registry: Registry, clock: SettableClock
) -> None:
    inside, outside = ric_number(region=SHENZHEN), ric_number()
    records = {s: withdrawn(registry, s) for s in (inside, outside)}
    clock.advance(1)
    requests = registry.erasure_requests
    cases = {
        s: requests.request(s, record_id=rid, reason="Not needed.", actor="officer:clerk").case_id
        for s, rid in records.items()
    }
    fence = Jurisdiction(regions=("4403",))
    assert [c.case_id for c in requests.list_pending(limit=1, fence=fence)] == [cases[inside]]
    assert {c.case_id for c in requests.list_pending()} == set(cases.values())
    requests.decide(cases[inside], outcome="refused", reasons="Kept.", actor="officer:li")
    assert requests.list_pending(fence=fence) == []
    rows = sql(
        registry,
        "SELECT subject, record_id, outcome, decided_on FROM erasure_cases WHERE case_id = :c",
        c=cases[inside],
    )
    assert [(r.subject, r.record_id, r.outcome) for r in rows] == [
        (inside, records[inside], "refused")
    ]
