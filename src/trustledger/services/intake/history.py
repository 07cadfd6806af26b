"""Load a past history of records in one go: the demo's synthetic population, or a migration.

Each record is validated as intake would have on the day it arrived, and its notice, fulfilment
and overturn become events on their own dates; derived state is then rebuilt by `Recompute`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from trustledger.domain.audit import AuditEntry
from trustledger.domain.events import Fulfilled, NoticePurpose, Overturned, Payload
from trustledger.domain.notice_requests import notice_event
from trustledger.domain.records import Event, Record, recorded
from trustledger.domain.submissions import Source
from trustledger.services.intake.records import Intake
from trustledger.services.ports import Clock, UnitOfWorkFactory

CHUNK = 5000
BODY_FIELDS = (
    "subject",
    "type",
    "occurred_on",
    "decided_on",
    "case_ref",
    "evidence_ref",
    "attributes",
)


class History:
    def __init__(self, uow: UnitOfWorkFactory, *, intake: Intake, clock: Clock) -> None:
        self._uow = uow
        self._intake = intake
        self._clock = clock

    def load(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        sources: Mapping[str, Source],
        restricting: frozenset[str],
    ) -> int:
        """Rows carry a record body plus recorded_on and optional noticed_on, fulfilled_on,
        overturned_on dates; `restricting` names the rule codes that lead to a restriction."""
        count = 0
        chunk: list[Mapping[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                count += self._chunk(chunk, sources, restricting)
                chunk = []
        if chunk:
            count += self._chunk(chunk, sources, restricting)
        return count

    def _chunk(
        self,
        rows: list[Mapping[str, Any]],
        sources: Mapping[str, Source],
        restricting: frozenset[str],
    ) -> int:
        events: list[Event] = []
        arrivals: list[tuple[Record, date]] = []
        for row in rows:
            arrived: date = row["recorded_on"]
            source = sources[row["source"]]
            body = {k: row[k] for k in BODY_FIELDS if row.get(k) is not None}
            record = self._intake.validate(body, source=source, today=arrived)
            arrivals.append((record, arrived))
            events.append(recorded(record, on=arrived, actor=source.name))
            if row.get("noticed_on") and record.type in restricting:
                event, _ = notice_event(
                    record.subject,
                    target=record.record_id,
                    purpose=NoticePurpose.RESTRICTION,
                    on=row["noticed_on"],
                )
                events.append(event)
            marks: list[tuple[date, Payload]] = []
            if row.get("fulfilled_on"):
                marks.append(
                    (row["fulfilled_on"], Fulfilled(record.record_id, row["fulfilled_on"]))
                )
            if row.get("overturned_on"):
                marks.append((row["overturned_on"], Overturned(record.record_id)))
            events.extend(
                p.as_event(record.subject, on, record_id=record.record_id, actor=source.name)
                for on, p in marks
            )
        events.sort(key=lambda e: e.on)
        now = self._clock.now()
        with self._uow() as uow:
            uow.records.add([uow.records.stored_form(r, recorded_on=d) for r, d in arrivals])
            uow.events.append(events, at=now)
            detail = f"records={len(rows)} events={len(events)}"
            uow.audit.append([AuditEntry("system", "history.load", None, "migration", now, detail)])
            uow.commit()
        return len(rows)
