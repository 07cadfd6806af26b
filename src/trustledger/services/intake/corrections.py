"""Corrections and withdrawals: the submitting source changes or withdraws its own record.

Each appends its event, re-evaluates the subject and sends a letter saying what changed and why,
in one transaction. A repeat of the same request writes nothing and answers as the first did.
A correction that bars more is a new adverse decision with its own notice (domain/corrections.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from trustledger.domain.audit import AuditEntry
from trustledger.domain.corrections import Terms, change_items, more_adverse, version_terms
from trustledger.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from trustledger.domain.evaluation import SubjectState, term_holds
from trustledger.domain.events import (
    Corrected,
    NoticeIssued,
    NoticePurpose,
    Recorded,
    Withdrawn,
    payload_of,
)
from trustledger.domain.records import CORRECTABLE_FIELDS, Event, EventKind, Record
from trustledger.domain.submissions import Source, record_id_for, validate_submission
from trustledger.services.due_process.decisions import record_subject, written
from trustledger.services.due_process.state import Evaluator, NoticeRequest
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

REASON_LIMIT = 2000
# A decision id is the record's plus ".c<version>" in a 40-character column.
MAX_CORRECTIONS = 99


@dataclass(frozen=True, slots=True)
class Amendment:
    """A correction or withdrawal as stored; `created` is False for a repeat (nothing written)."""

    action: str  # "correct" or "withdraw"
    record_id: str
    subject: str
    on: date
    created: bool
    changes: Mapping[str, Any]  # the fields a correction changed, as they are now
    reason: str
    adverse: bool  # a correction that bars more: a new decision with its own notice
    notice_ids: tuple[str, ...]
    state: SubjectState


class Corrections:
    def __init__(self, uow: UnitOfWorkFactory, *, evaluator: Evaluator, clock: Clock) -> None:
        self._uow = uow
        self._evaluator = evaluator
        self._rulebook = evaluator.rulebook
        self._clock = clock

    def correct(self, record_id: str, *, source: Source, changes: Any, reason: Any) -> Amendment:
        with self._uow() as uow:
            done = self.write_correction(
                uow, record_id, source=source, changes=changes, reason=reason
            )
            uow.commit()
        return done

    def withdraw(self, record_id: str, *, source: Source, reason: Any) -> Amendment:
        with self._uow() as uow:
            done = self.write_withdrawal(uow, record_id, source=source, reason=reason)
            uow.commit()
        return done

    def write_correction(
        self, uow: UnitOfWork, record_id: str, *, source: Source, changes: Any, reason: Any
    ) -> Amendment:
        """In the caller's unit of work (the import shares one per chunk); raises before writing."""
        text = written("reason", reason, limit=REASON_LIMIT)
        current, events = self._own(uow, record_id, source, verb="correct")
        named = self._validated(current, changes, source)
        correction_id = _digest("cor", record_id, named, text)
        repeat = next((e for e in _corrections(events) if _correction_id(e) == correction_id), None)
        if repeat is not None:  # before the withdrawal check: a rerun of an import still agrees
            return self._again(uow, "correct", repeat, events)
        mine = _of_record(events, record_id)
        withdrawn = _first(mine, EventKind.WITHDRAWN)
        if withdrawn is not None:
            raise Conflict(
                f"record_id: record {record_id} was withdrawn on {withdrawn.on} and can no "
                "longer be corrected"
            )
        data = {k: v for k, v in named.items() if current.payload()[k] != v}
        if not data:
            raise InvalidInput("changes", "change nothing: the record already says so")
        if sum(e.kind is EventKind.CORRECTED for e in mine) >= MAX_CORRECTIONS:
            raise Conflict(f"record_id: record {record_id} has been corrected too often")
        previous = {k: current.payload()[k] for k in data}
        before, after = self._terms(current, data, events, Corrected(data, "", "", previous, False))
        adverse = more_adverse(after, before)
        payload = Corrected(data, correction_id, text, previous, adverse)
        event = self._event(payload, current, source)
        extra = {"reasons": text, "changes": change_items(payload), "adverse": adverse}
        return self._append(uow, "correct", event, extra)

    def _terms(
        self, current: Record, data: Mapping[str, Any], events: Sequence[Event], draft: Corrected
    ) -> tuple[Terms | None, Terms | None]:
        """What the record restricts before and after the correction, its rule's history term
        (a repeat, a points window) judged on the subject's file each time."""
        rid, today = current.record_id, self._clock.today()
        recorded_on = _recorded_on(_of_record(events, rid))
        corrected = [*events, draft.as_event(current.subject, today, record_id=rid)]
        holds = (
            term_holds(events, rid, self._rulebook, today),
            term_holds(corrected, rid, self._rulebook, today),
        )
        return (
            version_terms(current, recorded_on, self._rulebook, term_holds=holds[0]),
            version_terms(
                current.corrected(data), recorded_on, self._rulebook, term_holds=holds[1]
            ),
        )

    def write_withdrawal(
        self, uow: UnitOfWork, record_id: str, *, source: Source, reason: Any
    ) -> Amendment:
        text = written("reason", reason, limit=REASON_LIMIT)
        current, events = self._own(uow, record_id, source, verb="withdraw")
        withdrawn = _first(_of_record(events, record_id), EventKind.WITHDRAWN)
        if withdrawn is not None:
            if Withdrawn.of(withdrawn).reason == text:
                return self._again(uow, "withdraw", withdrawn, events)
            raise Conflict(f"record_id: record {record_id} was already withdrawn on {withdrawn.on}")
        event = self._event(Withdrawn(text), current, source)
        return self._append(uow, "withdraw", event, {"reasons": text})

    def _own(
        self, uow: UnitOfWork, record_id: str, source: Source, *, verb: str
    ) -> tuple[Record, list[Event]]:
        stored = uow.records.get(record_id)
        found = None if stored is None else record_subject(uow, stored)
        if stored is None or found is None:
            raise NotFound(f"record_id: record {record_id!r} does not exist")
        if stored.source != source.name:
            raise Forbidden(
                f"record_id: only the source that submitted record {record_id} may {verb} it"
            )
        events = found[1]
        mine = [e for e in events if e.record_id == record_id]
        record = next(Recorded.of(e).record for e in mine if e.kind is EventKind.RECORDED)
        for e in _corrections(mine):
            record = record.corrected(Corrected.of(e).changes)
        return record, events

    def _validated(self, current: Record, changes: Any, source: Source) -> dict[str, Any]:
        """The named fields' new values as a record payload holds them; errors name `changes.x`."""
        if not isinstance(changes, Mapping) or not changes:
            raise InvalidInput("changes", "must be an object naming at least one field to change")
        unknown = sorted(str(k) for k in changes if k not in CORRECTABLE_FIELDS)
        if unknown:
            allowed = ", ".join(sorted(CORRECTABLE_FIELDS))
            raise InvalidInput(f"changes.{unknown[0]}", f"cannot be corrected (only {allowed})")
        body = {k: v for k, v in current.payload().items() if k not in ("record_id", "source")}
        body |= dict(changes)
        try:
            record = validate_submission(
                body,
                source=source,
                rulebook=self._rulebook,
                scheme=self._evaluator.scheme,
                today=self._clock.today(),
            )
        except InvalidInput as exc:
            raise InvalidInput(f"changes.{exc.field}", exc.reason) from exc
        except Forbidden as exc:
            raise Forbidden(f"changes.{exc.detail}") from exc
        return {k: record.payload()[k] for k in changes}

    def _event(self, payload: Corrected | Withdrawn, record: Record, source: Source) -> Event:
        today = self._clock.today()
        return payload.as_event(
            record.subject, today, record_id=record.record_id, actor=source.name
        )

    def _append(
        self, uow: UnitOfWork, action: str, event: Event, extra: Mapping[str, Any]
    ) -> Amendment:
        now = self._clock.now()
        record_id = event.record_id or ""
        uow.audit.append(
            [AuditEntry(event.actor, f"record.{action}", event.subject, "intake", now, record_id)]
        )
        purpose = NoticePurpose.CORRECTION if action == "correct" else NoticePurpose.WITHDRAWAL
        refreshed = self._evaluator.refresh(
            uow,
            [event.subject],
            today=event.on,
            now=now,
            requests=[NoticeRequest(event.subject, purpose, record_id, extra)],
            lift_notices=action == "correct",
            appending=[event],
        )
        notices = tuple(n.notice_id for n in refreshed.notices)
        return _amendment(action, event, True, notices, refreshed.state(event.subject))

    def _again(
        self, uow: UnitOfWork, action: str, event: Event, events: Sequence[Event]
    ) -> Amendment:
        """The first answer again: the notices its write issued, the state today."""
        state = self._evaluator.state_of(event.subject, events, self._clock.today())
        return _amendment(action, event, False, _notices_after(events, event), state)


def _amendment(
    action: str, event: Event, created: bool, notices: tuple[str, ...], state: SubjectState
) -> Amendment:
    payload = payload_of(event)
    assert isinstance(payload, Corrected | Withdrawn)
    named = payload.changes if isinstance(payload, Corrected) else {}
    changes = {k: named[k] for k in sorted(CORRECTABLE_FIELDS) if k in named}
    adverse = isinstance(payload, Corrected) and payload.adverse
    return Amendment(
        action,
        event.record_id or "",
        event.subject,
        event.on,
        created,
        changes,
        payload.reason,
        adverse,
        notices,
        state,
    )


def record_id_of(line: Mapping[str, Any], source: Source) -> str:
    """The record an import line names, by `record_id` or by the source's own `case_ref`."""
    rid, ref = line.get("record_id"), line.get("case_ref")
    if rid not in (None, "") and ref not in (None, ""):
        raise InvalidInput("record_id", "name the record by record_id or by case_ref, not both")
    if isinstance(rid, str) and rid:
        return rid
    if isinstance(ref, str) and ref:
        return record_id_for(source.name, ref)
    raise InvalidInput("record_id", "is required (or case_ref)")


def _of_record(events: Sequence[Event], record_id: str) -> list[Event]:
    """A record's own events among its subject's (withdrawn, corrected: per record, not per person)."""
    return [e for e in events if e.record_id == record_id]


def _corrections(events: Sequence[Event]) -> list[Event]:
    return [e for e in events if e.kind is EventKind.CORRECTED]


def _correction_id(event: Event) -> str:
    return Corrected.of(event).correction_id


def _first(events: Sequence[Event], kind: EventKind) -> Event | None:
    return next((e for e in events if e.kind is kind), None)


def _recorded_on(events: Sequence[Event]) -> date:
    return next(e.on for e in events if e.kind is EventKind.RECORDED)


def _notices_after(events: Sequence[Event], event: Event) -> tuple[str, ...]:
    """The notices the write of `event` issued: those logged after it, before the next write."""
    found = []
    for e in sorted(events, key=lambda x: x.seq):
        if e.seq <= event.seq:
            continue
        if e.kind is EventKind.NOTICE_ISSUED:
            found.append(NoticeIssued.of(e).notice_id)
        elif e.actor != "system" or e.on != event.on:
            break
    return tuple(found)


def _digest(prefix: str, record_id: str, named: Mapping[str, Any], reason: str) -> str:
    body = orjson.dumps([record_id, named, reason], option=orjson.OPT_SORT_KEYS)
    return f"{prefix}_{hashlib.sha256(body).hexdigest()[:24]}"
