"""A rule's example cases: records, a date and the expected outcome, turned into events and run."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trustledger.domain.errors import Problem
from trustledger.domain.evaluation import SubjectState, evaluate
from trustledger.domain.events import Fulfilled, NoticeIssued, NoticePurpose, Overturned
from trustledger.domain.records import Event, Record, recorded
from trustledger.domain.rulebook import Rulebook, Scope

CASE_SUBJECT = "case-subject"
CASE_SOURCE = "rulebook-case"


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A record in an example; it is recorded, and its restriction noticed, on `decided_on`."""

    record_id: str
    type: str
    occurred_on: date
    decided_on: date
    attributes: Mapping[str, Any] = field(default_factory=dict)
    fulfilled_on: date | None = None
    overturned_on: date | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a case expects on its date, and what evaluation gives; compared as a whole."""

    score: int
    band: str
    restricted: frozenset[Scope]
    restrictions: tuple[tuple[str, str], ...]  # (record_id, restriction status), sorted


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    code: str  # the rule whose `cases:` list holds it
    as_of: date
    records: tuple[CaseRecord, ...]
    expect: Outcome
    file: str = ""
    line: int = 0

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, f"{self.code}.cases", f"case {self.name!r}: {message}")


def case_events(case: Case, *, subject: str = CASE_SUBJECT) -> list[Event]:
    """The events a case stands for: each record recorded, then noticed, on its decision date."""
    events: list[Event] = []
    for r in case.records:
        record = Record(
            record_id=r.record_id,
            subject=subject,
            type=r.type,
            occurred_on=r.occurred_on,
            decided_on=r.decided_on,
            source=CASE_SOURCE,
            case_ref=f"{case.code}/{r.record_id}",
            attributes=dict(r.attributes),
        )
        notice = NoticeIssued(f"notice-{r.record_id}", r.record_id, NoticePurpose.RESTRICTION)
        events.append(recorded(record, on=r.decided_on))
        events.append(notice.as_event(subject, r.decided_on, record_id=r.record_id))
        if r.fulfilled_on is not None:
            fulfilled = Fulfilled(r.record_id, r.fulfilled_on)
            events.append(fulfilled.as_event(subject, r.fulfilled_on, record_id=r.record_id))
        if r.overturned_on is not None:
            overturned = Overturned(r.record_id)
            events.append(overturned.as_event(subject, r.overturned_on, record_id=r.record_id))
    # The log's order: by date, and within a date in the order written above.
    ordered = sorted(enumerate(events), key=lambda pair: (pair[1].on, pair[0]))
    return [
        Event(e.kind, e.subject, e.on, e.data, e.record_id, e.actor, seq)
        for seq, (_, e) in enumerate(ordered, start=1)
    ]


def outcome_of(state: SubjectState) -> Outcome:
    """The parts of a subject's state that a case states."""
    restricted = {s for r in state.restrictions if r.in_effect_on(state.on) for s in r.scopes}
    statuses = sorted((r.restriction_id, r.status.value) for r in state.restrictions)
    return Outcome(state.score, state.band, frozenset(restricted), tuple(statuses))


def run_case(case: Case, rulebook: Rulebook) -> Outcome:
    return outcome_of(evaluate(case_events(case), rulebook, case.as_of, subject=CASE_SUBJECT))


def case_problems(
    cases: Iterable[Case], *, codes: Collection[str], bands: Collection[str]
) -> Iterator[Problem]:
    """Cases that cannot be right whatever the rules say: reused names, unknown codes or bands."""
    seen: dict[str, str] = {}
    for case in cases:
        if case.name in seen:
            yield case.problem(f"the name is already used at {seen[case.name]}")
        seen.setdefault(case.name, f"{case.file}:{case.line}")
        for record in case.records:
            if record.type not in codes:
                yield case.problem(f"no rule has the code {record.type!r}")
        if bands and case.expect.band not in bands:
            yield case.problem(f"no band is named {case.expect.band!r}")
        ids = {r.record_id for r in case.records}
        for record_id, _ in case.expect.restrictions:
            if record_id not in ids:
                yield case.problem(f"no record {record_id!r} to expect a restriction from")


def case_mismatch(case: Case, rulebook: Rulebook) -> Problem | None:
    """A problem when evaluating the case does not give what it expects."""
    got = run_case(case, rulebook)
    diffs = [
        f"expects {name} {_shown(want)}, evaluation gives {_shown(have)}"
        for name, want, have in zip(
            _OUTCOME_FIELDS, _fields(case.expect), _fields(got), strict=True
        )
        if want != have
    ]
    if not diffs:
        return None
    return case.problem("; ".join(diffs))


_OUTCOME_FIELDS = ("score", "band", "restricted", "restrictions")


def _fields(outcome: Outcome) -> tuple[object, ...]:
    return (outcome.score, outcome.band, outcome.restricted, outcome.restrictions)


def _shown(value: object) -> str:
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value) + "}"
    return str(value)
