"""Erasure by crypto-shredding: a record's keys destroyed once it has no effect left.

What was sealed under a destroyed key stays in the append-only tables as ciphertext that nothing
opens; the stores leave it out of every answer. The `erased` event and a `retention.erase` audit
entry (naming the pseudonym, ids, rule codes and days: no personal data) say so in the log. When
no record of the subject is left readable, the subject's own key goes too (review cases, contact,
audit details) and so do its contact address and derived rows. Each erasure then rotates the
key-encryption keys of the buckets it touched and, once committed, the vault forgets the old
ones: a backup taken before no longer opens what was erased.

Erasure never lifts a restriction or ends a process: a record that still has effect on the day
is refused (appeals, corrections and withdrawals are for that).

A granted request's letter is sealed under the subject's own key and goes to their address: when
the grant erases the subject's last record before that letter is delivered, the key and the
address stay (the `erased` event names the letter it awaits) and the sweep erases them once the
outbox delivered it or an officer posted it from the undelivered queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from trustledger.domain.audit import AuditEntry
from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import evaluate_file
from trustledger.domain.events import RETENTION_BASIS, Erased, NoticePurpose
from trustledger.domain.notice_letters import DeliveryStatus
from trustledger.domain.personal_data import SUBJECT_SCOPE
from trustledger.domain.records import Event, EventKind, known_by
from trustledger.domain.retention import Retained, awaited_letters, retention
from trustledger.domain.subject_file import Notice, SubjectFile
from trustledger.services.due_process.state import Evaluator
from trustledger.services.due_process.sweep import ErasedPage
from trustledger.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

ACTION = "retention.erase"


@dataclass(frozen=True, slots=True)
class ErasureOutcome:
    subject: str
    erased: tuple[str, ...]  # the records erased now; empty when all were erased before
    whole: bool  # nothing of the subject is left
    awaits: tuple[str, ...] = ()  # the letters the rest of the subject's data waits on


@dataclass(frozen=True, slots=True)
class _Plan:
    subject: str
    pseudonym: str
    records: tuple[str, ...]
    rules: tuple[str, ...]
    ended_on: date | None
    whole: bool
    basis: str
    awaits: tuple[str, ...] = ()  # undelivered erasure letters: the subject's key stays for them


class Erasures:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        evaluator: Evaluator,
        clock: Clock,
        purge: Callable[[], None] | None = None,
    ) -> None:
        """`purge` runs after an erasure commits: on SQLite it empties the WAL, which still
        holds page images written before (store/engine.py purge_wal)."""
        self._uow = uow
        self._evaluator = evaluator
        self._clock = clock
        self._purge = purge

    def erase(
        self, subject: str, record_ids: Sequence[str], basis: str, *, actor: str = "system"
    ) -> ErasureOutcome:
        """Erase these records of the subject today, in one transaction; `basis` is
        RETENTION_BASIS (each record's retention must have ended) or an officer's decision id
        (each must have no effect left). Erasing what is gone changes nothing."""
        subject = self._evaluator.scheme.normalize(subject)
        if not record_ids:
            raise InvalidInput("record_ids", "name at least one record to erase")
        basis = _basis(basis)
        today, now = self._clock.today(), self._clock.now()
        with self._uow() as uow:
            uow.data_keys.forget_unused()
            history = uow.events.for_subjects([subject]).get(subject, [])
            plan = self._plan(uow, subject, history, record_ids, basis=basis, today=today)
            if plan is None:
                return ErasureOutcome(subject, (), False)
            _shred(uow, plan, today=today, now=now, actor=actor)
            if not plan.whole:
                self._evaluator.refresh(uow, [subject], today=today, now=now)
            buckets = uow.data_keys.rotate([plan.pseudonym])
            uow.commit()
            uow.data_keys.forget_old(buckets)
        self.finish()
        return ErasureOutcome(subject, plan.records, plan.whole, plan.awaits)

    def finish(self) -> None:
        if self._purge is not None:
            self._purge()

    def erase_due(
        self, uow: UnitOfWork, subjects: Sequence[str], *, today: date, now: datetime
    ) -> ErasedPage:
        """The sweep's step: every record of these subjects whose retention ended by `today`, and
        what is left of a subject whose erasure letters have since been delivered."""
        history = uow.events.for_subjects(subjects)
        plans = [
            plan
            for s in subjects
            if (
                plan := self._plan(
                    uow, s, history.get(s, []), None, basis=RETENTION_BASIS, today=today
                )
            )
        ]
        for plan in plans:
            _shred(uow, plan, today=today, now=now, actor="system")
        buckets = uow.data_keys.rotate([p.pseudonym for p in plans]) if plans else set()
        return ErasedPage(
            subjects=len(plans),
            records=sum(len(p.records) for p in plans),
            gone=frozenset(p.subject for p in plans if p.whole),
            buckets=frozenset(buckets),
        )

    def _plan(
        self,
        uow: UnitOfWork,
        subject: str,
        history: Sequence[Event],
        wanted: Sequence[str] | None,
        *,
        basis: str,
        today: date,
    ) -> _Plan | None:
        """What to erase of `wanted` (None: whatever is due), refusing what may not be; None
        when nothing is left to erase."""
        rulebook = self._evaluator.rulebook
        f = SubjectFile(subject).extend(known_by(list(history), today))
        kept = {k.record_id: k for k in retention(f, evaluate_file(f, rulebook, today), rulebook)}
        gone = _erased(history)
        pseudonym = uow.data_keys.pseudonym(subject)
        if wanted is None:
            todo = [r for r, k in kept.items() if r not in gone and _due(k, today)]
        else:
            todo = [
                r
                for r in sorted(set(wanted))
                if r not in gone and _allowed(uow, kept.get(r), r, subject, pseudonym, basis, today)
            ]
        if not todo:
            return _rest(uow, f, pseudonym)
        todo.sort()
        ended = (
            max(d for r in todo if (d := kept[r].erase_on)) if basis == RETENTION_BASIS else None
        )
        whole = not (set(kept) - gone - set(todo))
        # The letters telling of a grant are the subject's: the key and address they need stay
        # until each has reached the subject (outbox or post), then the sweep erases the rest.
        awaits = _undelivered(uow, [n.notice_id for n in _erasure_letters(f)]) if whole else ()
        return _Plan(
            subject,
            pseudonym,
            tuple(todo),
            tuple(sorted({f.records[r].type for r in todo})),
            ended,
            whole=whole and not awaits,
            basis=basis,
            awaits=awaits,
        )


def _erasure_letters(f: SubjectFile) -> list[Notice]:
    """The subject's readable erasure letters: a grant's, under the subject's own key (a
    refusal's is the record's and goes with it)."""
    return [n for n in f.notices.values() if n.purpose is NoticePurpose.ERASURE]


def _undelivered(uow: UnitOfWork, notice_ids: Iterable[str]) -> tuple[str, ...]:
    found = (uow.notices.get(n) for n in sorted(notice_ids))
    return tuple(
        letter.notice_id
        for letter in found
        if letter is not None and letter.status is not DeliveryStatus.DELIVERED
    )


def _rest(uow: UnitOfWork, f: SubjectFile, pseudonym: str) -> _Plan | None:
    """What is left of a subject whose last records were erased while letters were awaited:
    the whole of it once every one of them is delivered; None while one is not, or if none."""
    awaited = awaited_letters(f)
    if not awaited or _undelivered(uow, awaited):
        return None
    basis = next(e.basis for e in reversed(f.erased) if e.awaits)
    return _Plan(f.subject, pseudonym, (), (), None, whole=True, basis=basis)


def _basis(basis: str) -> str:
    if not isinstance(basis, str) or not basis.strip() or len(basis) > 64:
        raise InvalidInput("basis", "must be 'retention' or the id of an officer's decision")
    return basis.strip()


def _erased(history: Iterable[Event]) -> set[str]:
    """Records an `erased` event still readable names (a partial erasure keeps it readable)."""
    return {r for e in history if e.kind is EventKind.ERASED for r in Erased.of(e).record_ids}


def _due(k: Retained, today: date) -> bool:
    return k.erase_on is not None and k.erase_on <= today


def _allowed(
    uow: UnitOfWork,
    k: Retained | None,
    record_id: str,
    subject: str,
    pseudonym: str,
    basis: str,
    today: date,
) -> bool:
    """Whether to erase the record now: False when it is gone already; refuses what may not be."""
    if k is None:
        stored = uow.records.get(record_id)
        if stored is None or stored.subject not in (subject, pseudonym):
            raise InvalidInput("record_ids", f"{record_id} is not a record of this subject")
        return False  # stored, but nothing of it is readable: erased before
    if k.last_effect is None or k.last_effect >= today:
        raise InvalidInput(
            "record_ids",
            f"record {record_id} still has effect on {today}: erasure never lifts a restriction "
            "or ends an open appeal (an appeal, a correction or a withdrawal does)",
        )
    if basis == RETENTION_BASIS and not _due(k, today):
        raise InvalidInput(
            "record_ids", f"the retention of record {record_id} ends on {k.erase_on}"
        )
    return True


def _shred(uow: UnitOfWork, plan: _Plan, *, today: date, now: datetime, actor: str) -> None:
    basis = plan.basis
    erased = Erased(
        plan.records, plan.rules, basis, plan.ended_on, whole=plan.whole, awaits=plan.awaits
    )
    # Appended before the keys go: it is sealed under the subject's own key (its identity
    # number), which an erasure of everything destroys below; appended after, it would make it.
    uow.events.append([erased.as_event(plan.subject, today, actor=actor)], at=now)
    detail = (
        f"pseudonym={plan.pseudonym} records={','.join(plan.records)} "
        f"rules={','.join(plan.rules)} ended_on={plan.ended_on or '-'} basis={basis}"
        + (" all" if plan.whole else "")
        + (f" awaits={','.join(plan.awaits)}" if plan.awaits else "")
    )
    # No subject: an entry about one is sealed under the subject's key, and this one must stay
    # readable after that key is gone. The pseudonym names no one without the master key.
    uow.audit.append([AuditEntry(actor, ACTION, None, "retention", now, detail)])
    uow.erasures.keep_tallies(plan.subject, None if plan.whole else plan.records)
    scopes = uow.data_keys.scopes_of(plan.pseudonym) if plan.whole else list(plan.records)
    uow.data_keys.destroy(plan.pseudonym, [*scopes, *([SUBJECT_SCOPE] if plan.whole else [])])
    if plan.whole:
        uow.erasures.drop_contact(plan.subject, plan.pseudonym)
        uow.erasures.drop_derived([plan.subject])
