"""Small factories for domain tests: a rulebook, records and the events a registry would write."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from trustledger.domain.records import Event, EventKind, Record, recorded
from trustledger.domain.rulebook import Band, RestrictionSpec, ReviewPolicy, Rule, Rulebook, Scope
from trustledger.domain.texts import LocalizedText

D2018 = date(2018, 5, 1)


def rule(code: str, **kw: Any) -> Rule:
    fields: dict[str, Any] = {
        "code": code,
        "title": LocalizedText.of({"zh-Hans": f"规则 {code}", "en": code}),
        "legal_basis": f"basis of {code}",
        "domain": code.split(".")[0],
        "points": -50,
        "effective_from": D2018,
    }
    fields.update(kw)
    return Rule(**fields)


def rulebook(*rules: Rule, below: int = 850) -> Rulebook:
    return Rulebook(
        version="test",
        base_score=1000,
        bands=(Band("A", 960), Band("B", 850), Band("C", 600), Band("D", -(10**9))),
        review=ReviewPolicy(below=below, legal_basis="review basis"),
        rules=rules
        or (
            rule("rail.smoking", restriction=RestrictionSpec(frozenset({Scope.RAIL}), 180)),
            rule(
                "court.judgment_default",
                points=-150,
                restriction=RestrictionSpec(
                    frozenset({Scope.AIR, Scope.RAIL_PREMIUM}), 365, "SPC provisions"
                ),
                lift_on_fulfilment=True,
                suspend_on_appeal=True,
                attributes=(("amount_cny", "int"),),
            ),
            rule(
                "social_insurance.unpaid",
                points=-100,
                restriction=RestrictionSpec(frozenset({Scope.AIR}), 365, "385"),
                condition="record.amount_cny >= 5000 || record.months_unpaid >= 3",
                lift_on_fulfilment=True,
                attributes=(("amount_cny", "int"), ("months_unpaid", "int")),
            ),
            rule("tax.minor", points=-20),
        ),
    )


_counter = iter(range(10**9))


def record(
    type_: str = "rail.smoking",
    *,
    subject: str = "S1",
    occurred_on: date = date(2026, 1, 10),
    decided_on: date | None = None,
    attributes: dict[str, Any] | None = None,
) -> Record:
    n = next(_counter)
    return Record(
        record_id=f"r{n}",
        subject=subject,
        type=type_,
        occurred_on=occurred_on,
        decided_on=decided_on or occurred_on + timedelta(days=5),
        source="src",
        case_ref=f"case-{n}",
        attributes=attributes or {},
    )


def notice(
    rec: Record | str, on: date, *, subject: str = "S1", purpose: str = "restriction"
) -> Event:
    target = rec if isinstance(rec, str) else rec.record_id
    return Event(
        EventKind.NOTICE_ISSUED,
        subject,
        on,
        {"notice_id": f"n-{target}-{on}", "target": target, "purpose": purpose},
    )


def noticed_record(rec: Record, *, on: date | None = None) -> list[Event]:
    """A record as intake writes it: recorded and its notice issued the same day."""
    day = on or rec.decided_on
    return [recorded(rec, on=day), notice(rec, day, subject=rec.subject)]


def event(
    kind: EventKind, on: date, *, subject: str = "S1", record_id: str | None = None, **data: Any
) -> Event:
    return Event(kind, subject, on, data, record_id)
