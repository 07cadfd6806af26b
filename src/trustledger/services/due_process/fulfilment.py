"""Fulfilment: the source reports the obligation met; rules that say so lift the restriction that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from trustledger.domain.errors import Forbidden, InvalidInput, NotFound
from trustledger.domain.evaluation import SubjectState
from trustledger.domain.events import Fulfilled, NoticePurpose, RestrictionLifted
from trustledger.domain.records import EventKind
from trustledger.services.due_process.decisions import deciding, record_subject, written
from trustledger.services.due_process.state import Evaluator
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Fulfilment:
    record_id: str
    subject: str
    reported_on: date  # the day the registry learned it: the lift takes effect then
    met_on: date  # the day the source says the obligation was met
    created: bool  # False when it had been reported before: nothing changed
    lifted: tuple[str, ...]  # the restrictions it lifted (rules with lift_on_fulfilment)
    notice_ids: tuple[str, ...]  # the "lifted" notices sent
    state: SubjectState


class Fulfilments:
    def __init__(self, uow: UnitOfWorkFactory, *, evaluator: Evaluator, clock: Clock) -> None:
        self._uow = uow
        self._evaluator = evaluator
        self._clock = clock

    def report_fulfilment(
        self, record_id: str, *, source_name: str, on: date | None = None
    ) -> Fulfilment:
        """Only the source that submitted the record may report it; a repeat changes nothing.

        The lift is dated the day of the report, never earlier: what the registry knew on a past
        day stays what it knew (`on`, when the debt was paid, is kept in the event's data).
        """
        source_name = written("source", source_name, limit=64)
        today = self._clock.today()
        met_on = on or today
        if met_on > today:
            raise InvalidInput("on", f"{met_on} is in the future (today is {today})")
        subject_of = partial(_submitted_by, record_id, source_name)
        with deciding(self._uow, self._evaluator, self._clock, subject_of) as d:
            subject = d.subject
            if any(e.kind is EventKind.FULFILLED and e.record_id == record_id for e in d.events):
                return Fulfilment(record_id, subject, today, met_on, False, (), (), d.state)
            event = Fulfilled(record_id, met_on).as_event(
                subject, today, record_id=record_id, actor=source_name
            )
            refreshed = d.write(
                [event],
                actor=source_name,
                action="record.fulfil",
                purpose="intake",
                detail=record_id,
            )
        lifted = tuple(
            RestrictionLifted.of(e).restriction_id
            for e in refreshed.events
            if e.kind is EventKind.RESTRICTION_LIFTED
        )
        notices = tuple(n.notice_id for n in refreshed.notices if n.purpose is NoticePurpose.LIFTED)
        return Fulfilment(
            record_id, subject, today, met_on, True, lifted, notices, refreshed.state(subject)
        )


def _submitted_by(record_id: str, source_name: str, uow: UnitOfWork) -> str:
    """The subject of the record, which only the source that submitted it may report on."""
    stored = uow.records.get(record_id)
    found = None if stored is None else record_subject(uow, stored)
    if stored is None or found is None:
        raise NotFound(f"record {record_id!r} does not exist")
    if stored.source != source_name:
        raise Forbidden(
            f"record_id: only the source that submitted record {record_id} may report it fulfilled"
        )
    return found[0]
