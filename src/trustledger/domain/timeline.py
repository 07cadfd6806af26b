"""A subject's history for reading: the score over time and a timeline of records and events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from trustledger.domain.corrections import correction_text
from trustledger.domain.evaluation import Restriction, SubjectState, evaluate
from trustledger.domain.events import (
    AppealDecided,
    AppealFiled,
    Corrected,
    Erased,
    ErasureDecided,
    ErasureOutcome,
    ErasureRequested,
    Fulfilled,
    NoticeIssued,
    Overturned,
    Payload,
    Recorded,
    RestrictionExpired,
    RestrictionLifted,
    RestrictionStarted,
    ReviewDecided,
    ReviewOpened,
    ReviewOutcome,
    Transition,
    Withdrawn,
    payload_of,
)
from trustledger.domain.records import Event, EventKind, known_by
from trustledger.domain.rulebook import Rule, Rulebook
from trustledger.domain.texts import N_, NO_MESSAGE, Message, Quoted

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
    title: Message
    detail: Message = NO_MESSAGE
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
        (e.kind, Transition.of(e).restriction_id) for e in known if e.kind in _TRANSITIONS.values()
    }
    for r in state.restrictions:
        entries.extend(_milestones(r, state.on, reported))
    return tuple(sorted(entries, key=lambda x: x.on))


_SCOPE_WORDS = {"air": N_("air"), "rail": N_("rail"), "rail_premium": N_("rail_premium")}
_OUTCOME_WORDS = {
    ReviewOutcome.RESTRICT: N_("restrict"),
    ReviewOutcome.NO_ACTION: N_("no_action"),
}
_ERASURE_WORDS = {ErasureOutcome.GRANTED: N_("granted"), ErasureOutcome.REFUSED: N_("refused")}
_TRANSITION_TITLES = {
    EventKind.RESTRICTION_STARTED: N_("Restriction started (%(reason)s)"),
    EventKind.RESTRICTION_LIFTED: N_("Restriction lifted (%(reason)s)"),
    EventKind.RESTRICTION_EXPIRED: N_("Restriction expired (%(reason)s)"),
}
_TRANSITIONS = {
    "started": EventKind.RESTRICTION_STARTED,
    "lifted": EventKind.RESTRICTION_LIFTED,
    "expired": EventKind.RESTRICTION_EXPIRED,
}


def _record_name(code: str, rule: Rule | None) -> Message:
    if rule is None:
        return Message(code)
    return Message.of(N_("%(title)s (%(code)s)"), title=rule.title, code=code)


def _entry(e: Event, titles: dict[str, Message]) -> TimelineEntry:
    payload = payload_of(e)
    target = e.record_id or _target(payload) or None
    about = titles.get(e.record_id or "", NO_MESSAGE)
    title, detail = _describe(payload, about)
    return TimelineEntry(_happened_on(e, payload), e.kind.value, title, detail, target)


def _target(payload: Payload) -> str:
    match payload:
        case NoticeIssued(target=target) | AppealFiled(target=target):
            return target
        case Transition(restriction_id=restriction_id):
            return restriction_id
        case _:
            return ""


def _happened_on(e: Event, payload: Payload) -> date:
    """A transition is reported when noticed; it happened on the day its data names."""
    match payload:
        case RestrictionStarted(starts_on=day) | RestrictionLifted(lifted_on=day) if day:
            return day
        case RestrictionExpired(ends_on=day) if day:
            return day + timedelta(days=1)
        case _:
            return e.on


def _describe(payload: Payload, about: Message) -> tuple[Message, Message]:
    match payload:
        case Recorded(record=r):
            name = about if about.text else Message(r.type)
            detail = Message.of(
                N_("occurred %(occurred)s, decided %(decided)s; case %(case)s from %(source)s"),
                occurred=r.occurred_on,
                decided=r.decided_on,
                case=r.case_ref,
                source=r.source,
            )
            return Message.of(N_("Record received: %(name)s"), name=name), detail
        case Corrected():
            title = Message.of(N_("Record corrected by its source: %(name)s"), name=about)
            return title, _quoted(correction_text(payload))
        case Withdrawn(reason=reason):
            title = Message.of(N_("Record withdrawn by its source: %(name)s"), name=about)
            detail = Message.of(N_("it no longer counts; %(reason)s"), reason=Quoted(reason))
            return title, detail
        case Overturned():
            title = Message.of(N_("Record overturned: %(name)s"), name=about)
            return title, Message(N_("it no longer counts"))
        case Fulfilled():
            title = Message.of(N_("Obligation fulfilled: %(name)s"), name=about)
            return title, Message(N_("reported by the source"))
        case NoticeIssued(notice_id=notice_id, purpose=purpose):
            title = Message.of(N_("Notice issued (%(purpose)s)"), purpose=Message(purpose.value))
            return title, Message.of(N_("notice %(id)s"), id=notice_id)
        case AppealFiled(grounds=grounds, deadline=deadline):
            detail = Message.of(
                N_("%(grounds)s (decision due %(day)s)"), grounds=Quoted(grounds), day=deadline
            )
            return Message(N_("Appeal filed")), detail
        case AppealDecided(outcome=outcome, reasons=reasons):
            title = Message.of(N_("Appeal decided: %(outcome)s"), outcome=Message(outcome.value))
            return title, _quoted(reasons)
        case ReviewOpened(score=score, below=below):
            detail = Message.of(
                N_("score %(score)s fell below %(below)s"), score=score, below=below
            )
            return Message(N_("Review case opened")), detail
        case ReviewDecided(outcome=outcome, reasons=reasons):
            words = Message(_OUTCOME_WORDS[outcome])
            title = Message.of(N_("Review decided: %(outcome)s"), outcome=words)
            return title, _quoted(reasons)
        case ErasureRequested(reason=reason, deadline=deadline):
            title = Message.of(N_("Erasure requested: %(name)s"), name=about)
            detail = Message.of(
                N_("%(reason)s (decision due %(day)s)"), reason=Quoted(reason), day=deadline
            )
            return title, detail
        case ErasureDecided(outcome=outcome, reasons=reasons):
            words = Message(_ERASURE_WORDS[outcome])
            title = Message.of(N_("Erasure request decided: %(outcome)s"), outcome=words)
            return title, _quoted(reasons)
        case Transition():
            return _transition(payload)
        case Erased(ended_on=ended_on, basis=basis, awaits=awaits):
            # What was erased is not named: the entry says only that the registry forgot.
            if awaits:
                detail = Message.of(
                    N_(
                        "by an officer's decision %(id)s; the rest of this file is erased once "
                        "the letter telling you so has reached you"
                    ),
                    id=basis,
                )
            elif ended_on is not None:
                detail = Message.of(N_("their retention ended on %(day)s"), day=ended_on)
            else:
                detail = Message.of(N_("by an officer's decision %(id)s"), id=basis)
            return Message(N_("Records erased")), detail
    raise ValueError(f"no timeline entry for a {payload.kind.value} event")


def _transition(t: Transition) -> tuple[Message, Message]:
    scopes = _scopes(sorted(s.value for s in t.scopes))
    title = Message.of(_TRANSITION_TITLES[t.kind], reason=t.reason)
    if isinstance(t, RestrictionStarted):
        return title, Message.of(N_("no travel by %(scopes)s"), scopes=scopes)
    if not t.scopes:
        return title, NO_MESSAGE
    return title, Message.of(N_("travel by %(scopes)s allowed again"), scopes=scopes)


def _milestones(
    r: Restriction, on: date, reported: set[tuple[EventKind, str]]
) -> list[TimelineEntry]:
    if r.starts_on is None or r.ends_on is None:
        return []
    scopes = _scopes(sorted(s.value for s in r.scopes))
    found: list[TimelineEntry] = []

    def add(kind: str, day: date, title: Message, detail: Message) -> None:
        if day <= on and (_TRANSITIONS[kind], r.restriction_id) not in reported:
            entry = TimelineEntry(day, f"restriction_{kind}", title, detail, r.restriction_id, True)
            found.append(entry)

    lifted_first = r.lifted_on is not None and r.lifted_on <= r.starts_on
    if not lifted_first:
        in_effect = Message.of(N_("Restriction in effect (%(reason)s)"), reason=r.reason)
        add(
            "started",
            r.starts_on,
            in_effect,
            Message.of(N_("no travel by %(scopes)s"), scopes=scopes),
        )
    if r.lifted_on is not None:
        lifted = Message.of(N_("Restriction lifted (%(reason)s)"), reason=r.reason)
        before = Message.of(N_("before its last day %(day)s"), day=r.ends_on)
        add("lifted", r.lifted_on, lifted, before)
    else:
        day_after = r.ends_on + timedelta(days=1)
        ended = Message.of(N_("Restriction ended (%(reason)s)"), reason=r.reason)
        add("expired", day_after, ended, Message.of(N_("its last day was %(day)s"), day=r.ends_on))
    return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _day(value: Any) -> date | str:
    """A day from event data (ISO text), kept as a date so that a page writes it its own way."""
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return _text(value)


def _quoted(value: Any) -> Message:
    return Message.of("%(text)s", text=Quoted(_text(value))) if value else NO_MESSAGE


def _scopes(values: Iterable[str]) -> tuple[Message, ...]:
    """Scope codes as words pages translate, listed ("air, rail")."""
    return tuple(Message(_SCOPE_WORDS.get(v, v)) for v in values)
