"""A test rulebook over the generated record types, and the domain events of a flattened record."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from domain_factories import rule
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.records import Event, EventKind, Record, recorded
from trustledger.domain.rulebook import Band, RestrictionSpec, ReviewPolicy, Rule, Rulebook, Scope

RAIL = frozenset({Scope.RAIL})
AIR = frozenset({Scope.AIR})
PREMIUM = frozenset({Scope.RAIL_PREMIUM})


def restriction(scopes: frozenset[Scope], days: int, cross: str | None = None) -> RestrictionSpec:
    return RestrictionSpec(scopes, days, cross)


def batch_rulebook(*rules: Rule) -> Rulebook:
    """Every generated type, with two-version rules, conditions, lifts and a late-starting rule."""
    return Rulebook(
        version="batch-test",
        base_score=1000,
        bands=(Band("A", 960), Band("B", 850), Band("C", 600), Band("D", -(10**9))),
        review=ReviewPolicy(below=850, legal_basis="review basis"),
        rules=rules or DEFAULT_RULES,
    )


_MONEY = (("amount_cny", "int"),)
DEFAULT_RULES = (
    rule(
        "rail.smoking",
        points=-20,
        effective_to=date(2024, 12, 31),
        restriction=restriction(RAIL, 180),
    ),
    rule(
        "rail.smoking",
        points=-40,
        effective_from=date(2025, 1, 1),
        restriction=restriction(RAIL, 90),
        notice_days=7,
    ),
    rule("rail.disorder", points=-30, restriction=restriction(RAIL, 180)),
    rule("rail.forged_ticket", restriction=restriction(RAIL, 180)),
    rule("rail.ticket_resale", restriction=restriction(RAIL, 180), counts_for_days=365),
    rule(
        "rail.fare_evasion",
        points=-10,
        restriction=restriction(RAIL, 90),
        lift_on_fulfilment=True,
        counts_for_days=365,
    ),
    rule(
        "air.false_threat",
        points=-100,
        effective_from=date(2025, 3, 1),
        restriction=restriction(AIR, 365),
    ),
    rule("air.disorder", points=-60, restriction=restriction(AIR, 365), appeal_days=30),
    rule("air.forged_identity", points=-80, restriction=restriction(AIR, 365)),
    rule(
        "court.judgment_default",
        points=-150,
        restriction=restriction(AIR | PREMIUM, 365, "SPC provisions"),
        lift_on_fulfilment=True,
        condition="record.amount_cny >= 10000",
        attributes=_MONEY,
    ),
    rule(
        "social_insurance.unpaid",
        points=-100,
        restriction=restriction(PREMIUM, 365, "385"),
        lift_on_fulfilment=True,
        condition="record.months_unpaid >= 6"
        " || (record.amount_cny > 50000 && !(record.months_unpaid < 2))",
        attributes=(("amount_cny", "int"), ("months_unpaid", "int")),
    ),
    rule(
        "tax.serious_evasion",
        points=-200,
        effective_to=date(2025, 5, 31),
        condition="record.amount_cny >= 100000",
        attributes=_MONEY,
    ),
    rule(
        "tax.serious_evasion",
        points=-250,
        effective_from=date(2025, 6, 1),
        restriction=restriction(PREMIUM, 365, "385"),
        condition="record.amount_cny >= 200000.5",
        counts_for_days=1095,
        attributes=_MONEY,
    ),
)


def events_of(row: dict[str, Any]) -> list[Event]:
    """The events a registry would hold for one flattened record row, as the generator writes it."""
    attributes = {k: v for k, v in (row.get("attributes") or {}).items() if v is not None}
    record = Record(
        record_id=row["record_id"],
        subject=row["subject"],
        type=row["type"],
        occurred_on=row["occurred_on"],
        decided_on=row["decided_on"],
        source=row.get("source") or "src",
        case_ref=row.get("case_ref") or row["record_id"],
        evidence_ref=row.get("evidence_ref"),
        attributes=attributes,
    )
    rid, subject = record.record_id, record.subject
    events = [recorded(record, on=row["recorded_on"])]
    if row.get("noticed_on") is not None:
        data = {"notice_id": f"n-{rid}", "target": rid, "purpose": "restriction"}
        events.append(Event(EventKind.NOTICE_ISSUED, subject, row["noticed_on"], data))
    if row.get("overturned_on") is not None:
        events.append(Event(EventKind.OVERTURNED, subject, row["overturned_on"], {}, rid))
    if row.get("fulfilled_on") is not None:
        events.append(Event(EventKind.FULFILLED, subject, row["fulfilled_on"], {}, rid))
    return events


def domain_restrictions(state: SubjectState) -> set[tuple[Any, ...]]:
    """A state's restrictions as the batch recompute's rows read (batch_restrictions)."""
    return {
        (
            r.restriction_id,
            r.reason,
            tuple(sorted(r.scopes)),
            r.noticed_on,
            r.starts_on,
            r.ends_on,
            r.lifted_on,
            r.status.value,
            r.appeal_by,
        )
        for r in state.restrictions
    }


def batch_restrictions(rows: list[dict[str, Any]]) -> dict[str, set[tuple[Any, ...]]]:
    by_subject: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for r in rows:
        by_subject[r["subject"]].add(
            (
                r["record_id"],
                r["reason"],
                tuple(r["scopes"].split(",")),
                r["noticed_on"],
                r["starts_on"],
                r["ends_on"],
                r["lifted_on"],
                r["status"],
                r["appeal_by"],
            )
        )
    return by_subject
