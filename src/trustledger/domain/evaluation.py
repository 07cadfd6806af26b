"""State of a subject on a date: a pure function of (events, rulebook, date) — invariant 5.

The facts come from the subject's file (subject_file.py); a record is judged here under the rule in
force when its conduct occurred, and its restrictions derived (restrictions.py says what they bar).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from trustledger.domain.conditions import condition_holds
from trustledger.domain.corrections import (
    Decision,
    RecordChange,
    Terms,
    announced,
    decision_id,
    version_terms,
)
from trustledger.domain.events import AppealOutcome, NoticePurpose, ReviewOutcome
from trustledger.domain.records import Event, Record
from trustledger.domain.repeats import Entry, Tally, tally_history
from trustledger.domain.restrictions import (
    IN_EFFECT,
    Restriction,
    RestrictionStatus,
    barring_restriction,
)
from trustledger.domain.rulebook import (
    MAX_RESTRICTION_DAYS,
    RestrictionSpec,
    Rule,
    Rulebook,
    Scope,
)
from trustledger.domain.subject_file import (
    Appeal,
    ErasureCase,
    ErasureDone,
    Notice,
    ReviewCase,
    SubjectFile,
)

# Re-exported: the values a state holds were first defined here, and callers import them from here.
__all__ = [
    "IN_EFFECT",
    "Appeal",
    "AppealOutcome",
    "Assessment",
    "ErasureCase",
    "ErasureDone",
    "Notice",
    "RecordStatus",
    "Restriction",
    "RestrictionStatus",
    "ReviewCase",
    "SubjectFile",
    "SubjectState",
    "appeal_deadline",
    "assess",
    "evaluate",
    "evaluate_file",
    "first_notices",
    "notices_due",
    "with_history",
]


class RecordStatus(StrEnum):
    IN_FORCE = "in_force"  # counts towards the score now
    NOT_YET = "not_yet"  # decided after the date asked about
    LAPSED = "lapsed"  # counts_for_days have passed
    OVERTURNED = "overturned"
    WITHDRAWN = "withdrawn"  # the source withdrew it: it no longer counts
    TIME_BARRED = "time_barred"  # arrived after counts_for_days from its decision: never counts
    NOT_APPLICABLE = "not_applicable"  # the rule's condition does not hold
    NO_RULE = "no_rule"  # no version of the rule was in force when the conduct occurred


@dataclass(frozen=True, slots=True)
class Assessment:
    """A record as the rulebook judges it on a date."""

    record: Record
    recorded_on: date
    rule: Rule | None
    status: RecordStatus
    points: int  # counted towards the score on the date; 0 unless in force
    counts_until: date | None
    overturned_on: date | None
    fulfilled_on: date | None
    tally: Tally | None = None  # what the rule's history term counted, if it has one

    @property
    def term_holds(self) -> bool:
        return self.tally is not None and self.tally.holds

    history: tuple[RecordChange, ...] = ()  # submitted, corrected, withdrawn; oldest first


@dataclass(frozen=True, slots=True)
class SubjectState:
    subject: str
    on: date
    score: int
    band: str
    assessments: tuple[Assessment, ...]
    restrictions: tuple[Restriction, ...]
    appeals: tuple[Appeal, ...]
    review_cases: tuple[ReviewCase, ...]
    notices: tuple[Notice, ...]
    review_due: bool
    erasure_cases: tuple[ErasureCase, ...] = ()  # the subject's requests to erase early
    erasures: tuple[ErasureDone, ...] = ()  # records erased, oldest first

    def restriction_on(self, day: date, scopes: frozenset[Scope]) -> Restriction | None:
        """The restriction barring travel in any of `scopes` on `day` (barring_restriction's)."""
        return barring_restriction(self.restrictions, scopes, day)


def evaluate(
    events: Iterable[Event], rulebook: Rulebook, on: date, *, subject: str = ""
) -> SubjectState:
    """The subject's state on `on` from scratch."""
    events = list(events)
    name = subject or (events[0].subject if events else "")
    return evaluate_file(SubjectFile(name).extend(events), rulebook, on)


def evaluate_file(
    f: SubjectFile, rulebook: Rulebook, on: date, *, since: SubjectState | None = None
) -> SubjectState:
    """`since`: this file's state on `on` before notices or review cases were added to it.

    A record's assessment reads only the records, their overturns and fulfilments: a notice or a
    review case changes restrictions, never an assessment, so those of `since` are kept.
    """
    if since is not None and since.on == on:
        assessments = since.assessments
    else:
        assessments = with_history(tuple(assess(f, rid, rulebook, on) for rid in sorted(f.records)))
    score = rulebook.base_score + sum(a.points for a in assessments)
    due = _DueProcess.of(f)
    restrictions = tuple(
        [r for a in assessments for r in _record_restrictions(f, a, rulebook, on, due)]
        + [
            r
            for c in f.cases.values()
            if (r := _case_restriction(f, c, rulebook, on, due)) is not None
        ]
    )
    return SubjectState(
        subject=f.subject,
        on=on,
        score=score,
        band=rulebook.band_for(score),
        assessments=assessments,
        restrictions=restrictions,
        appeals=tuple(sorted(f.appeals.values(), key=lambda a: (a.filed_on, a.appeal_id))),
        review_cases=tuple(sorted(f.cases.values(), key=lambda c: (c.opened_on, c.case_id))),
        notices=tuple(sorted(f.notices.values(), key=lambda n: (n.issued_on, n.notice_id))),
        review_due=_review_due(f, rulebook, assessments, score),
        erasure_cases=tuple(sorted(f.erasures.values(), key=lambda c: (c.filed_on, c.case_id))),
        erasures=tuple(f.erased),
    )


def term_holds(events: Iterable[Event], record_id: str, rulebook: Rulebook, on: date) -> bool:
    """Whether the record's rule's history term (a repeat, a points window) holds for it on `on`."""
    state = evaluate(events, rulebook, on)
    return any(a.term_holds for a in state.assessments if a.record.record_id == record_id)


def assess(f: SubjectFile, record_id: str, rulebook: Rulebook, on: date) -> Assessment:
    record = f.records[record_id]
    recorded_on = f.recorded_on[record_id]
    rule = rulebook.rule_for(record.type, record.occurred_on)
    overturned = f.overturned_on.get(record_id)
    fulfilled = f.fulfilled_on.get(record_id)
    until = record.decided_on + timedelta(days=rule.counts_for_days) if rule else None
    status = _record_status(record, recorded_on, rule, until, overturned, on)
    withdrawn = f.withdrawn_on.get(record_id)
    if withdrawn is not None and withdrawn <= on and status not in NEVER_RESTRICTS:
        status = RecordStatus.WITHDRAWN
    points = rule.points if rule is not None and status is RecordStatus.IN_FORCE else 0
    history = tuple(c for c in f.history.get(record_id, ()) if c.on <= on)
    return Assessment(
        record, recorded_on, rule, status, points, until, overturned, fulfilled, history=history
    )


def _record_status(
    record: Record,
    recorded_on: date,
    rule: Rule | None,
    until: date | None,
    overturned: date | None,
    on: date,
) -> RecordStatus:
    if rule is None or until is None:
        return RecordStatus.NO_RULE
    if recorded_on >= until:
        return RecordStatus.TIME_BARRED
    if not condition_holds(rule.condition, record.attributes):
        return RecordStatus.NOT_APPLICABLE
    if overturned is not None and overturned <= on:
        return RecordStatus.OVERTURNED
    if on < record.decided_on:
        return RecordStatus.NOT_YET
    if on >= until:
        return RecordStatus.LAPSED
    return RecordStatus.IN_FORCE


# The records a history term counts: judged under their rule and decided, though maybe lapsed.
COUNTED = frozenset({RecordStatus.IN_FORCE, RecordStatus.LAPSED})


def with_history(assessments: tuple[Assessment, ...]) -> tuple[Assessment, ...]:
    """The assessments with their history terms tallied over the subject's other records."""
    terms = {a.record.record_id: a.rule.history for a in assessments if a.rule and a.rule.history}
    if not terms:
        return assessments
    entries = [
        Entry(a.record.record_id, a.record.type, a.record.occurred_on, a.status in COUNTED,
              -a.rule.points if a.rule else 0)
        for a in assessments
    ]  # fmt: skip
    tallies = tally_history(entries, terms)
    return tuple(replace(a, tally=tallies.get(a.record.record_id)) for a in assessments)


# Records that never count nor restrict, whatever the date (retention.py reads them too).
NEVER_RESTRICTS = frozenset(
    {RecordStatus.NO_RULE, RecordStatus.TIME_BARRED, RecordStatus.NOT_APPLICABLE}
)


def first_notices(f: SubjectFile) -> dict[str, Notice]:
    """The first notice that announced each target's restriction, by target: its date starts
    the restriction's clock (invariant 3)."""
    first: dict[str, Notice] = {}
    for n in f.notices.values():
        if n.purpose is not NoticePurpose.RESTRICTION:
            continue
        seen = first.get(n.target)
        if seen is None or (n.issued_on, n.notice_id) < (seen.issued_on, seen.notice_id):
            first[n.target] = n
    return first


@dataclass(frozen=True, slots=True)
class _DueProcess:
    """A file's notices and appeals by their target, gathered once per evaluation: each
    restriction looks up its own instead of scanning them all (a subject with many records)."""

    first_notices: dict[str, Notice]  # the first restriction notice of each target
    appeals: dict[str, list[Appeal]]

    @classmethod
    def of(cls, f: SubjectFile) -> _DueProcess:
        appeals: dict[str, list[Appeal]] = {}
        for appeal in f.appeals.values():
            appeals.setdefault(appeal.target, []).append(appeal)
        return cls(first_notices(f), appeals)


def _record_restrictions(
    f: SubjectFile, a: Assessment, rulebook: Rulebook, on: date, due: _DueProcess
) -> list[Restriction]:
    """One restriction per decision the record's versions announced (domain/corrections.py)."""
    rid = a.record.record_id
    versions = f.versions.get(rid) or [a.record]
    one: tuple[Rule, RestrictionSpec] | None = None  # the rule and spec of a single version
    if len(versions) == 1:
        rule = a.rule
        spec = rule.restriction_for(term_holds=a.term_holds) if rule is not None else None
        if rule is None or spec is None or a.status in NEVER_RESTRICTS:
            return []
        one = (rule, spec)
        decisions = [Decision(0, Terms(spec.scopes, spec.days, rule.notice_days))]
    else:
        holds = a.term_holds
        terms = [version_terms(v, a.recorded_on, rulebook, term_holds=holds) for v in versions]
        decisions = announced(terms)
    found: list[Restriction] = []
    for d in decisions:
        # The rule that last justified it: the record's type as corrected, up to the end.
        if one is not None:  # found above (as assess found it for the same record)
            rule, spec = one
        else:
            last = versions[-1 if d.ended_by is None else d.ended_by - 1]
            rule = rulebook.rule_for(last.type, last.occurred_on)
            assert rule is not None  # version_terms found it
            spec = rule.restriction_for(term_holds=a.term_holds)
        ended = f.versions_on[rid][d.ended_by] if d.ended_by is not None else None
        # A term running on after fulfilment is not lifted by it: fulfilment sets its end instead.
        after = spec.after_fulfilment_days if spec is not None else None
        lifts = [a.overturned_on, f.withdrawn_on.get(rid), ended]
        lifts += [a.fulfilled_on] if rule.lift_on_fulfilment and not after else []
        # Every decision's days count from the first one's start: a correction never lengthens
        # the span past what the corrected rule allows; its extra reach waits for its notice.
        r = _restriction(
            f,
            due,
            target=decision_id(rid, d.version),
            record_id=rid,
            scopes=d.terms.scopes,
            days=d.terms.days,
            notice_days=d.terms.notice_days,
            appeal_days=rule.appeal_days,
            suspend_on_appeal=rule.suspend_on_appeal,
            lifted_on=_earliest(*lifts),
            reason=rule.code,
            legal_basis=rule.legal_basis,
            on=on,
            counted_from=found[0].starts_on if found else None,
            ends_after=(a.fulfilled_on, after) if after and a.fulfilled_on else None,
        )
        if d.version == 0 or not _cannot_bar(r, d.terms, on):
            found.append(r)
    return found


def _cannot_bar(r: Restriction, terms: Terms, on: date) -> bool:
    """A later decision whose days will have run out before a notice issued now could start it."""
    if r.noticed_on is not None:
        return r.ends_on is not None and r.starts_on is not None and r.ends_on < r.starts_on
    latest = r.ends_on
    return latest is not None and latest < on + timedelta(days=terms.notice_days)


def _case_restriction(
    f: SubjectFile, c: ReviewCase, rulebook: Rulebook, on: date, due: _DueProcess
) -> Restriction | None:
    policy = rulebook.review
    if policy is None or c.outcome is not ReviewOutcome.RESTRICT or not c.scopes or c.days <= 0:
        return None
    return _restriction(
        f,
        due,
        target=c.case_id,
        scopes=c.scopes,
        days=min(c.days, policy.max_days),
        notice_days=policy.notice_days,
        appeal_days=policy.appeal_days,
        suspend_on_appeal=False,
        lifted_on=None,
        reason="review",
        legal_basis=policy.legal_basis,
        on=on,
    )


def _restriction(
    f: SubjectFile,
    due: _DueProcess,
    *,
    target: str,
    record_id: str | None = None,
    scopes: frozenset[Scope],
    days: int,
    notice_days: int,
    appeal_days: int,
    suspend_on_appeal: bool,
    lifted_on: date | None,
    reason: str,
    legal_basis: str,
    on: date,
    ends_after: tuple[date, int] | None = None,
    counted_from: date | None = None,
) -> Restriction:
    notice = due.first_notices.get(target)
    appeals = due.appeals.get(target, ())
    noticed = notice.issued_on if notice else None
    starts = noticed + timedelta(days=notice_days) if noticed else None
    first = _earliest(counted_from, starts)
    ends = first + timedelta(days=min(days, MAX_RESTRICTION_DAYS) - 1) if first else None
    if ends_after is not None and starts is not None and ends is not None:
        fulfilled, after = ends_after  # still after the notice period, still within the cap
        ends = min(ends, max(starts, fulfilled) + timedelta(days=after - 1))
    for appeal in appeals:
        if appeal.decided_on is None or appeal.decided_on > on:
            continue
        if appeal.outcome is AppealOutcome.OVERTURNED:
            lifted_on = _earliest(lifted_on, appeal.decided_on)
        elif appeal.outcome is AppealOutcome.MODIFIED and appeal.ends_on and ends:
            ends = max(min(ends, appeal.ends_on), starts or ends)
    suspended = suspend_on_appeal and any(a.pending_on(on) for a in appeals)
    status = _restriction_status(starts, ends, lifted_on, on, suspended=suspended)
    return Restriction(
        restriction_id=target,
        subject=f.subject,
        scopes=scopes,
        reason=reason,
        legal_basis=legal_basis,
        record_id=record_id or (target if target in f.records else None),
        case_id=target if target in f.cases else None,
        noticed_on=noticed,
        starts_on=starts,
        ends_on=ends,
        lifted_on=lifted_on
        if lifted_on is not None and (ends is None or lifted_on <= ends)
        else None,
        status=status,
        appeal_by=noticed + timedelta(days=appeal_days) if noticed else None,
    )


def _earliest(*days: date | None) -> date | None:
    """The earliest of the days that are not None (min over a generator, in a hot loop)."""
    found = None
    for day in days:
        if day is not None and (found is None or day < found):
            found = day
    return found


def _restriction_status(
    starts: date | None, ends: date | None, lifted_on: date | None, on: date, *, suspended: bool
) -> RestrictionStatus:
    if starts is None or ends is None:
        # Overturned or fulfilled before any notice: nothing to announce, and it never starts.
        if lifted_on is not None and lifted_on <= on:
            return RestrictionStatus.LIFTED
        return RestrictionStatus.AWAITING_NOTICE
    if lifted_on is not None and lifted_on <= on and lifted_on <= ends:
        return RestrictionStatus.LIFTED
    if on > ends:
        return RestrictionStatus.EXPIRED
    if on < starts:
        return RestrictionStatus.PENDING
    if suspended:
        return RestrictionStatus.SUSPENDED
    return RestrictionStatus.ACTIVE


def _review_due(
    f: SubjectFile, rulebook: Rulebook, assessments: tuple[Assessment, ...], score: int
) -> bool:
    """A score below the threshold opens a case once per fall: after the latest adverse record arrived."""
    policy = rulebook.review
    if policy is None or score >= policy.below:
        return False
    adverse = [a.recorded_on for a in assessments if a.points < 0]
    latest = max(adverse, default=None)
    return latest is not None and not any(c.opened_on >= latest for c in f.cases.values())


def notices_due(state: SubjectState) -> list[Restriction]:
    """Restrictions that cannot start until a notice is issued; the services issue one at once."""
    return [r for r in state.restrictions if r.status is RestrictionStatus.AWAITING_NOTICE]


def appeal_deadline(restriction: Restriction) -> date | None:
    return restriction.appeal_by
