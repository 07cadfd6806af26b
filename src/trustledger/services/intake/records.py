"""Intake: validate record bodies, store each (source, case_ref) once, update derived state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import Conflict, InvalidInput
from trustledger.domain.notice_letters import Contact
from trustledger.domain.notice_requests import IssuedNotice
from trustledger.domain.records import Record, StoredRecord, recorded
from trustledger.domain.submissions import Source, contact_of, validate_submission
from trustledger.services.due_process.state import Evaluator
from trustledger.services.intake.contacts import save_contacts
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """The stored record; `created` is False when the same payload had been submitted before."""

    record: Record
    created: bool
    notices: tuple[IssuedNotice, ...] = ()


Outcome = IntakeResult | Conflict


class Intake:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        evaluator: Evaluator,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._rulebook = evaluator.rulebook
        self._scheme = evaluator.scheme
        self._clock = clock
        self._evaluator = evaluator

    def validate(
        self, body: Mapping[str, Any], *, source: Source, today: date, text_attributes: bool = False
    ) -> Record:
        return validate_submission(
            body,
            source=source,
            rulebook=self._rulebook,
            scheme=self._scheme,
            today=today,
            text_attributes=text_attributes,
        )

    def submit(self, body: Mapping[str, Any], *, source: Source) -> IntakeResult:
        """Store one record; raises InvalidInput, Forbidden, or Conflict for a reused case_ref."""
        record = self.validate(body, source=source, today=self._clock.today())
        with self._uow() as uow:
            (outcome,) = self.write(uow, [record], source=source, contacts=[contact_of(body)])
            if isinstance(outcome, Conflict):
                raise outcome
            uow.commit()
        return outcome

    def submit_many(
        self, bodies: Sequence[Mapping[str, Any]], *, source: Source
    ) -> list[IntakeResult]:
        """All or nothing: every body valid and none in conflict, or nothing is written.

        Errors name the item: `[3].occurred_on`.
        """
        today = self._clock.today()
        records = []
        for i, body in enumerate(bodies):
            try:
                records.append(self.validate(body, source=source, today=today))
            except InvalidInput as exc:
                raise InvalidInput(f"[{i}].{exc.field}", exc.reason) from exc
        refs = [r.case_ref for r in records]
        if len(set(refs)) != len(refs):
            dup = next(i for i, ref in enumerate(refs) if refs.index(ref) != i)
            raise InvalidInput(f"[{dup}].case_ref", "repeats a case_ref of this batch")
        contacts = [contact_of(body) for body in bodies]
        with self._uow() as uow:
            outcomes = self.write(uow, records, source=source, contacts=contacts)
            for i, outcome in enumerate(outcomes):
                if isinstance(outcome, Conflict):
                    raise Conflict(f"[{i}].{outcome.detail}")
            uow.commit()
        return [o for o in outcomes if isinstance(o, IntakeResult)]

    def write(
        self,
        uow: UnitOfWork,
        records: Sequence[Record],
        *,
        source: Source,
        contacts: Sequence[Contact | None] = (),
        write_letters: bool = False,
    ) -> list[Outcome]:
        """Store validated records of one source in the caller's unit of work; one outcome each.

        `contacts`, if given, holds the email address each record's body supplied (or None; see
        `contact_of`); those of records in conflict are not saved, and a later one wins.
        The notices' letters are kept as their facts, written when first read and hashed when
        the outbox sends them, as a bulk import's are: their facts and templates' version fix
        their bytes, and writing them was ~0.3 ms of a write's ~1.7 ms (docs/store.md).
        `write_letters=True` writes and hashes them now.
        """
        today = self._clock.today()
        # A record's id derives from (source, case_ref): the same id is the same case. Payload
        # hashes are compared in the store's keyed form.
        stored = uow.records.find_many(r.record_id for r in records)
        known = {rid: s.payload_hash for rid, s in stored.items()}
        outcomes: list[Outcome | None] = []
        new: list[StoredRecord] = []
        for record in records:
            candidate = uow.records.stored_form(record, recorded_on=today)
            digest = candidate.payload_hash
            prior = known.get(record.record_id)
            if prior is None:
                known[record.record_id] = digest
                new.append(candidate)
                outcomes.append(None)
            elif prior == digest:
                outcomes.append(IntakeResult(record, created=False))
            else:
                outcomes.append(_conflict(source, record))
        accepted = {
            r.subject: c
            for r, o, c in zip(records, outcomes, contacts, strict=False)
            if c is not None and not isinstance(o, Conflict)
        }
        if accepted:
            save_contacts(uow, accepted, actor=source.name, now=self._clock.now())
        fresh = [r for r, o in zip(records, outcomes, strict=True) if o is None]
        notices = self._store(uow, fresh, new, today=today, write_letters=write_letters)
        return [
            o if o is not None else IntakeResult(r, True, notices.get(r.record_id, ()))
            for r, o in zip(records, outcomes, strict=True)
        ]

    def _store(
        self,
        uow: UnitOfWork,
        records: Sequence[Record],
        stored: Sequence[StoredRecord],
        *,
        today: date,
        write_letters: bool,
    ) -> dict[str, tuple[IssuedNotice, ...]]:
        if not records:
            return {}
        now = self._clock.now()
        uow.records.add(stored)
        refreshed = self._evaluator.refresh(
            uow,
            {r.subject for r in records},
            today=today,
            now=now,
            appending=[recorded(r, on=today, actor=r.source) for r in records],
            audit=[
                AuditEntry(r.source, "record.submit", r.subject, "intake", now, r.record_id)
                for r in records
            ],
            write_letters=write_letters,
        )
        issued = refreshed.notices
        by_target: dict[str, tuple[IssuedNotice, ...]] = {}
        for notice in issued:
            by_target[notice.target] = (*by_target.get(notice.target, ()), notice)
        return by_target


def _conflict(source: Source, record: Record) -> Conflict:
    return Conflict(
        f"case_ref: source {source.name!r} already submitted case_ref {record.case_ref!r} "
        f"with different contents (record {record.record_id})"
    )
