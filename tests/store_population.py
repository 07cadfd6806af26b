"""Fill a registry's store with a generated population's history, through the history service."""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from trustledger.batch.population import KIND_CODES, PopulationSpec, record_tables
from trustledger.bootstrap import Registry
from trustledger.domain.evaluation import SubjectState, evaluate
from trustledger.domain.records import Event, known_by
from trustledger.domain.submissions import Source


def population(people: int, *, seed: int, as_of: date, per_1000: float = 40.0) -> pa.Table:
    spec = PopulationSpec(
        people,
        seed=seed,
        as_of=as_of,
        rates=dict.fromkeys(KIND_CODES, per_1000),
        repeat_share=0.5,
        unnoticed_share=0.05,
        overturn_share=0.08,
    )
    return pa.concat_tables(table for _people, table in record_tables(spec))


def load(registry: Registry, table: pa.Table) -> int:
    """The rows as history: each record recorded, noticed, paid and overturned on its dates."""
    rows = []
    for row in table.to_pylist():
        attributes = {k: v for k, v in (row.get("attributes") or {}).items() if v is not None}
        rows.append(row | {"attributes": attributes})
    sources = {name: Source(name, ("*",)) for name in {r["source"] for r in rows}}
    restricting = frozenset(r.code for r in registry.rulebook.rules if r.restriction is not None)
    return registry.history.load(rows, sources=sources, restricting=restricting)


def stored_events(registry: Registry) -> dict[str, list[Event]]:
    """Every subject's events with their full data (the follower's `since` reads the plain part
    only)."""
    with registry.uow(readonly=True) as uow:
        return uow.events.for_pseudonyms(uow.events.subjects_after("", limit=10**9))


def domain_state(events: list[Event], registry: Registry, on: date, **kw: Any) -> SubjectState:
    rulebook = kw.get("rulebook", registry.rulebook)
    return evaluate(known_by(events, on), rulebook, on, subject=events[0].subject)
