"""A subject's history for reading: the score over time and a timeline of records and events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from trustledger.domain.corrections import correction_text
from trustledger.domain.evaluation import Restriction, SubjectState, evaluate
from trustledger.domain.records import Event, EventKind, known_by
from trustledger.domain.rulebook import Rule, Rulebook

# A chart of a long history needs no more points than this; the dates a score changes come first.
MAX_POINTS = 400


@dataclass(frozen=True, slots=True)
class ScorePoint:
    on: date
    score: int
    band: str


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a file's history; `derived` marks what the dates imply rather than an event."""

    on: date
    kind: str
    title: str
    detail: str = ""
    target: str | None = None  # the record or review case it concerns
    derived: bool = False


def score_history(
    events: Sequence[Event], rulebook: Rulebook, dates: Iterable[date], *, subject: str = ""
) -> tuple[ScorePoint, ...]:
    """The score on each date from what was known by then (the same evaluation as every answer)."""
    points = []
    for day in sorted(set(dates)):
        state = evaluate(known_by(list(events), day), rulebook, day, subject=subject)
        points.append(ScorePoint(day, state.score, state.band))
    return tuple(points)


def score_dates(events: Sequence[Event], state: SubjectState) -> list[date]:
    """The dates up to `state.on` on which the score may change, with the day before each.

    A score moves when a record becomes known, is decided, lapses or is overturned; the day
    before each change shows the level it left, so a chart draws steps, not slopes.
    """
    changes: set[date] = {e.on for e in events}
    for a in state.assessments:
        changes.update(d for d in (a.record.decided_on, a.counts_until, a.overturned_on) if d)
    first = min(changes, default=state.on) - timedelta(days=1)  # the base score before it all
    days = {d for c in changes for d in (c - timedelta(days=1), c) if first <= d <= state.on}
    days.add(state.on)
    ordered = sorted(days)
    if len(ordered) > MAX_POINTS:  # keep the latest changes: the recent past matters most
        ordered = ordered[-MAX_POINTS:]
    return ordered


def timeline(events: Sequence[Event], state: SubjectState) -> tuple[TimelineEntry, ...]:
    """The events known by `state.on`, oldest first, with the restriction milestones their dates
    imply where no event reports them yet."""
    known = known_by(list(events), state.on)
    titles = {a.record.record_id: _record_name(a.record.type, a.rule) for a in state.assessments}
    entries = [_entry(e, titles) for e in known]
    reported = {
        (e.kind, str(e.data.get("restriction_id", "")))
        for e in known
        if e.kind in _TRANSITIONS.values()
    }
    for r in state.restrictions:
        entries.extend(_milestones(r, state.on, reported))
    return tuple(sorted(entries, key=lambda x: x.on))


_TRANSITIONS = {
    "started": EventKind.RESTRICTION_STARTED,
    "lifted": EventKind.RESTRICTION_LIFTED,
    "expired": EventKind.RESTRICTION_EXPIRED,
}


def _record_name(code: str, rule: Rule | None) -> str:
    return f"{rule.title.en} ({code})" if rule is not None else code


def _entry(e: Event, titles: dict[str, str]) -> TimelineEntry:
    d = e.data
    target = e.record_id or _text(d.get("target")) or _text(d.get("restriction_id")) or None
    about = titles.get(e.record_id or "", "")
    title, detail = _describe(e.kind, d, about)
    return TimelineEntry(_happened_on(e), e.kind.value, title, detail, target)


def _happened_on(e: Event) -> date:
    """A transition is reported when noticed; it happened on the day its data names."""
    named = {
        EventKind.RESTRICTION_STARTED: e.data.get("starts_on"),
        EventKind.RESTRICTION_LIFTED: e.data.get("lifted_on"),
    }.get(e.kind)
    if e.kind is EventKind.RESTRICTION_EXPIRED and e.data.get("ends_on"):
        return date.fromisoformat(str(e.data["ends_on"])) + timedelta(days=1)
    return date.fromisoformat(str(named)) if named else e.on


def _describe(kind: EventKind, d: Any, about: str) -> tuple[str, str]:
    match kind:
        case EventKind.RECORDED:
            name = about or _text(d.get("type"))
            when = f"occurred {d.get('occurred_on')}, decided {d.get('decided_on')}"
            case_ref = f"case {d.get('case_ref')} from {d.get('source')}"
            return f"Record received: {name}", f"{when}; {case_ref}"
        case EventKind.CORRECTED:
            return f"Record corrected by its source: {about}", correction_text(d)
        case EventKind.WITHDRAWN:
            reason = _text(d.get("reason"))
            return f"Record withdrawn by its source: {about}", f"it no longer counts; {reason}"
        case EventKind.OVERTURNED:
            return f"Record overturned: {about}", "it no longer counts"
        case EventKind.FULFILLED:
            return f"Obligation fulfilled: {about}", "reported by the source"
        case EventKind.NOTICE_ISSUED:
            return f"Notice issued ({d.get('purpose')})", f"notice {d.get('notice_id')}"
        case EventKind.APPEAL_FILED:
            return "Appeal filed", f"{d.get('grounds', '')} (decision due {d.get('deadline')})"
        case EventKind.APPEAL_DECIDED:
            return f"Appeal decided: {d.get('outcome')}", str(d.get("reasons", ""))
        case EventKind.REVIEW_OPENED:
            return "Review case opened", f"score {d.get('score')} fell below {d.get('below')}"
        case EventKind.REVIEW_DECIDED:
            return f"Review decided: {d.get('outcome')}", str(d.get("reasons", ""))
        case _:
            scopes = ", ".join(d.get("scopes") or [])
            verb = kind.value.removeprefix("restriction_")
            barred = f"no travel by {scopes}" if kind is EventKind.RESTRICTION_STARTED else ""
            detail = barred or (f"travel by {scopes} allowed again" if scopes else "")
            return f"Restriction {verb} ({d.get('reason')})", detail


def _milestones(
    r: Restriction, on: date, reported: set[tuple[EventKind, str]]
) -> list[TimelineEntry]:
    if r.starts_on is None or r.ends_on is None:
        return []
    scopes = ", ".join(sorted(s.value for s in r.scopes))
    found: list[TimelineEntry] = []

    def add(kind: str, day: date, title: str, detail: str) -> None:
        if day <= on and (_TRANSITIONS[kind], r.restriction_id) not in reported:
            entry = TimelineEntry(day, f"restriction_{kind}", title, detail, r.restriction_id, True)
            found.append(entry)

    lifted_first = r.lifted_on is not None and r.lifted_on <= r.starts_on
    if not lifted_first:
        add("started", r.starts_on, f"Restriction in effect ({r.reason})", f"no travel by {scopes}")
    if r.lifted_on is not None:
        lifted = f"Restriction lifted ({r.reason})"
        add("lifted", r.lifted_on, lifted, f"before its last day {r.ends_on}")
    else:
        day_after = r.ends_on + timedelta(days=1)
        ended = f"Restriction ended ({r.reason})"
        add("expired", day_after, ended, f"its last day was {r.ends_on}")
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)
