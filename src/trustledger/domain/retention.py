"""When a record's personal data may be erased: `retain_days` after the last day it has any effect.

A record has effect while evaluation can still read it: it counts towards the score, a
restriction it leads to has not ended, an appeal about it or its restriction is undecided (one
about a record since withdrawn or overturned: until its decision deadline at most), a
history term of a record (its own rule's or another's) still counts it, or a review case opened
while it counted is open or restricts. Erasing it after that changes no score, band, restriction
that bars or open case (tests/unit/test_retention.py holds it to that over random histories).
PIPL (2021) arts. 19 and 47, GDPR arts. 5(1)(e) and 17: kept no longer than needed, then deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from trustledger.domain.corrections import record_of
from trustledger.domain.evaluation import (
    NEVER_RESTRICTS,
    Assessment,
    RecordStatus,
    SubjectState,
    evaluate_file,
)
from trustledger.domain.records import Event, known_by
from trustledger.domain.restrictions import Restriction, RestrictionStatus
from trustledger.domain.rulebook import MAX_RESTRICTION_DAYS, Rulebook
from trustledger.domain.subject_file import Appeal, SubjectFile


@dataclass(frozen=True, slots=True)
class Retained:
    """A record's retention as known on a day: None while an open process leaves it unknown."""

    record_id: str
    last_effect: date | None  # the last day it has any effect
    erase_on: date | None  # last_effect + its rule version's retain_days


@dataclass(frozen=True, slots=True)
class Erasure:
    """What the sweep erases on `on`, and the day it next has something to erase."""

    on: date
    due: tuple[str, ...]  # record ids whose erase_on <= on, in id order
    next_on: date | None  # the earliest erase_on after `on`


def erasure_due(events: Iterable[Event], rulebook: Rulebook, on: date, *, subject: str) -> Erasure:
    """The sweep's question for one subject: the records to erase on `on`, and when to come back.

    Reads what the registry knew by the end of `on`, as every derived state does."""
    f = SubjectFile(subject).extend(known_by(list(events), on))
    return erasure_of(f, evaluate_file(f, rulebook, on), rulebook)


def erasure_of(f: SubjectFile, state: SubjectState, rulebook: Rulebook) -> Erasure:
    """`erasure_due` for a file already evaluated (`state` is `f` on `state.on`)."""
    kept = retention(f, state, rulebook)
    due = tuple(sorted(k.record_id for k in kept if k.erase_on and k.erase_on <= state.on))
    later = [k.erase_on for k in kept if k.erase_on and k.erase_on > state.on]
    return Erasure(state.on, due, min(later, default=None))


def awaited_letters(f: SubjectFile) -> tuple[str, ...]:
    """The erasure letters the rest of the subject's data waits on: those an erasure of the
    subject's last records named (Erased.awaits), while no record of theirs is left readable.
    The sweep visits such a subject on every run and erases the rest once each is delivered."""
    if f.records:  # a record came since: the subject stays, and its letters go as any other
        return ()
    return tuple(sorted({n for e in f.erased for n in e.awaits}))


def retention(f: SubjectFile, state: SubjectState, rulebook: Rulebook) -> tuple[Retained, ...]:
    """Every record's last effect and erase day, judged from `f` as evaluated on `state.on`."""
    effects = _Effects(f, state, rulebook)
    found = []
    for a in state.assessments:
        last = effects.last_effect(a)
        erase = last + timedelta(days=rulebook.retain_days(a.rule)) if last else None
        found.append(Retained(a.record.record_id, last, erase))
    return tuple(found)


_STOPPED = frozenset({RecordStatus.WITHDRAWN, RecordStatus.OVERTURNED})


class _Unknown(Exception):
    """An open process (an undecided appeal or case, a restriction awaiting notice)."""


class _Effects:
    """The days on which each record still has effect, from one evaluated state."""

    def __init__(self, f: SubjectFile, state: SubjectState, rulebook: Rulebook) -> None:
        self.f, self.state, self.rulebook = f, state, rulebook
        self.restrictions: dict[str, list[Restriction]] = {}
        for r in state.restrictions:
            self.restrictions.setdefault(r.record_id or r.restriction_id, []).append(r)
        self.appeals: dict[str, list[Appeal]] = {}
        for ap in state.appeals:
            self.appeals.setdefault(record_of(ap.target), []).append(ap)
        self.assessments = {a.record.record_id: a for a in state.assessments}

    def last_effect(self, a: Assessment) -> date | None:
        try:
            return max(self._days(a))
        except _Unknown:
            return None

    def _days(self, a: Assessment) -> Iterator[date]:
        rid = a.record.record_id
        # Its arrival, corrections, withdrawal, overturn and fulfilment are decisions about it.
        yield a.recorded_on
        yield from self.f.versions_on.get(rid, ())
        yield from (d for d in (self._stopped(a), a.fulfilled_on) if d is not None)
        yield from self._own(rid)
        if a.status in NEVER_RESTRICTS:  # its last effect is a day it was judged
            return
        counted = self._counted_until(a)
        if counted is not None:
            yield counted
            yield from self._cases_while_counting(a, counted)
        if self._stopped(a) is None:  # an overturned or withdrawn record no term counts
            yield from self._terms_counting(a)

    def _stopped(self, a: Assessment) -> date | None:
        stops = [d for d in (a.overturned_on, self.f.withdrawn_on.get(a.record.record_id)) if d]
        return min(stops, default=None)

    def _counted_until(self, a: Assessment) -> date | None:
        """The last day its points count, if it ever counts."""
        if a.rule is None or a.counts_until is None or not a.rule.points:
            return None
        last = a.counts_until - timedelta(days=1)
        stop = self._stopped(a)
        if stop is not None:
            last = min(last, stop - timedelta(days=1))
        return last if last >= a.record.decided_on else None

    def _own(self, target: str) -> Iterator[date]:
        """The end of each restriction from `target` (a record or a case), and its appeals."""
        for r in self.restrictions.get(target, ()):
            yield _ended(r)
        for ap in self.appeals.get(target, ()):
            yield self._decided(ap)

    def _decided(self, ap: Appeal) -> date:
        """The day the appeal ended: its decision; for an appeal left with nothing to decide,
        its decision deadline if it is still undecided; unknown while any other is open."""
        if ap.decided_on is not None and ap.decided_on <= self.state.on:
            return ap.decided_on
        if self._moot(ap):
            return ap.deadline
        raise _Unknown

    def _moot(self, ap: Appeal) -> bool:
        """An appeal about a record since withdrawn or overturned: the record counts for nothing
        and its restrictions are lifted, so no decision can give the subject more. It keeps the
        record until it is decided or its deadline passes (an officer may still decide it, and
        the decision's day then counts); it does not keep the record forever."""
        a = self.assessments.get(record_of(ap.target))
        return a is not None and a.status in _STOPPED

    def _cases_while_counting(self, a: Assessment, counted: date) -> Iterator[date]:
        """An officer reviewing the score it lowered reads it until the case and what it
        decided are over."""
        for c in self.state.review_cases:
            if not a.record.decided_on <= c.opened_on <= counted:
                continue
            if c.decided_on is None or c.decided_on > self.state.on:
                raise _Unknown
            yield c.decided_on
            yield from self._own(c.case_id)

    def _terms_counting(self, a: Assessment) -> Iterator[date]:
        """A repeat or points term counts a record within its window: the records of those
        known whose term can count it, until what they restrict may have ended; and any record
        whose conduct falls inside the window, until the window closes."""
        record = a.record
        for rule in self.rulebook.rules_counting(record.type):
            term = rule.history
            assert term is not None  # rules_counting's have one
            closes = record.occurred_on + timedelta(days=term.within_days)
            # Only a version in force for some conduct inside the window can count it.
            if rule.effective_from <= closes and (
                rule.effective_to is None or rule.effective_to >= record.occurred_on
            ):
                yield closes
        for b in self.state.assessments:
            if b is not a and _may_count(b, a):
                yield from self._restricted_by(b)

    def _restricted_by(self, b: Assessment) -> Iterator[date]:
        """The latest day a restriction of `b` could bar under any of its rule's terms: with a
        counted record erased, its term may hold no longer and give another restriction."""
        longest = self._longest(b)
        for r in self.restrictions.get(b.record.record_id, ()):
            yield _ended(r)
            if r.starts_on is not None:
                yield r.starts_on + timedelta(days=longest - 1)
        for ap in self.appeals.get(b.record.record_id, ()):
            yield self._decided(ap)

    def _longest(self, b: Assessment) -> int:
        versions = self.f.versions.get(b.record.record_id) or [b.record]
        rules = [self.rulebook.rule_for(v.type, v.occurred_on) for v in versions]
        days = [s.days for rule in rules if rule is not None for s in rule.spans()]
        return min(max(days, default=1), MAX_RESTRICTION_DAYS)


def _may_count(b: Assessment, a: Assessment) -> bool:
    """Whether `b`'s history term can count `a`: of its codes, before it, within its window."""
    term = b.rule.history if b.rule is not None else None
    if term is None or a.record.type not in term.codes:
        return False
    first, later = a.record, b.record
    if (first.occurred_on, first.record_id) > (later.occurred_on, later.record_id):
        return False
    return first.occurred_on >= later.occurred_on - timedelta(days=term.within_days)


def _ended(r: Restriction) -> date:
    """The last day a restriction has effect; unknown while it waits for its notice."""
    if r.lifted_on is not None:
        return r.lifted_on
    if r.status is RestrictionStatus.AWAITING_NOTICE or r.ends_on is None:
        raise _Unknown
    return r.ends_on
