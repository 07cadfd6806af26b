"""A subject's restrictions in plain words: what it bars, why, from when, until when, what ends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from trustledger.domain.evaluation import (
    Appeal,
    Assessment,
    Restriction,
    RestrictionStatus,
    ReviewCase,
    SubjectState,
)
from trustledger.web.rendering import SCOPE_TEXT

ENDED = frozenset({RestrictionStatus.LIFTED, RestrictionStatus.EXPIRED})
OUTCOME_TEXT = {
    "upheld": "Your appeal was not successful: the restriction stands.",
    "overturned": "Your appeal was successful: the restriction was lifted and the record no "
    "longer counts.",
    "modified": "Your appeal was partly successful: the restriction ends earlier.",
}


@dataclass(frozen=True, slots=True)
class PlainRestriction:
    restriction_id: str
    bars: str
    why: str
    legal_basis: str
    now: str
    until: str
    lifts_early: tuple[str, ...]
    ended: bool
    appealable: bool
    appeal_by: date | None


def bars_text(r: Restriction) -> str:
    return " and ".join(SCOPE_TEXT.get(s.value, s.value) for s in sorted(r.scopes))


def describe(state: SubjectState) -> list[PlainRestriction]:
    records = {a.record.record_id: a for a in state.assessments}
    cases = {c.case_id: c for c in state.review_cases}
    described = [
        _describe(r, state, records.get(r.record_id or ""), cases.get(r.case_id or ""))
        for r in state.restrictions
    ]
    return sorted(described, key=lambda p: p.ended)  # those that still bar first


def _describe(
    r: Restriction, state: SubjectState, record: Assessment | None, case: ReviewCase | None
) -> PlainRestriction:
    pending = any(a.target == r.restriction_id and a.decided_on is None for a in state.appeals)
    open_window = r.appeal_by is not None and state.on <= r.appeal_by
    appealable = r.status not in ENDED and open_window and not pending
    ended = r.status in ENDED
    return PlainRestriction(
        restriction_id=r.restriction_id,
        bars=f"Ended: it barred {bars_text(r)}."
        if ended
        else f"You may not buy tickets for {bars_text(r)}.",
        why=_why(record, case),
        legal_basis=r.legal_basis,
        now=_now(r),
        until=_until(r),
        lifts_early=_lifts(r, record, pending=pending, open_window=open_window),
        ended=ended,
        appealable=appealable,
        appeal_by=r.appeal_by,
    )


def _why(record: Assessment | None, case: ReviewCase | None) -> str:
    if record is not None:
        r = record.record
        title = record.rule.title.en if record.rule else r.type
        return f"{title}: case {r.case_ref}, decided by {r.source} on {r.decided_on.isoformat()}."
    if case is not None:
        decided = case.decided_on.isoformat() if case.decided_on else "—"
        return f"An officer decided on {decided}, after reviewing your file: {case.reasons or ''}"
    return "An officer's recorded decision."


def _now(r: Restriction) -> str:
    match r.status:
        case RestrictionStatus.AWAITING_NOTICE:
            return "Not in effect: it cannot start until you have been sent a notice."
        case RestrictionStatus.PENDING:
            return f"Not in effect yet: it takes effect on {_d(r.starts_on)}."
        case RestrictionStatus.ACTIVE:
            return f"In effect since {_d(r.starts_on)}."
        case RestrictionStatus.SUSPENDED:
            return "Suspended while your appeal is decided: you may travel meanwhile."
        case RestrictionStatus.LIFTED:
            return f"Lifted on {_d(r.lifted_on)}: you may travel."
        case _:
            return f"Ended: its last day was {_d(r.ends_on)}."


def _until(r: Restriction) -> str:
    if r.ends_on is None:
        return "It will last at most 365 days from the day it takes effect."
    if r.status in ENDED:
        return f"It was to last until {_d(r.ends_on)}."
    again = r.ends_on + timedelta(days=1)
    return (
        f"Its last day is {_d(r.ends_on)}. From {again.isoformat()} you may travel again: "
        "it ends by itself, you need not ask anyone."
    )


def _lifts(
    r: Restriction, record: Assessment | None, *, pending: bool, open_window: bool
) -> tuple[str, ...]:
    if r.status in ENDED:
        return ()
    ways = []
    if pending:
        ways.append("Your appeal, which an officer is deciding, if it succeeds.")
    elif open_window:
        ways.append(f"An appeal that succeeds. You can appeal until {_d(r.appeal_by)} below.")
    else:
        ways.append(f"The time to appeal ended on {_d(r.appeal_by)}.")
    if record is not None and record.rule is not None and record.rule.lift_on_fulfilment:
        source = record.record.source
        ways.append(
            "Doing what the decision requires of you (for example paying what you owe): when "
            f"{source} reports it, the restriction is lifted the same day."
        )
    if record is not None:
        ways.append(f"The record being overturned by {record.record.source} or by a court.")
    return tuple(ways)


def appeal_text(a: Appeal) -> str:
    if a.decided_on is None or a.outcome is None:
        return f"An officer will decide it by {a.deadline.isoformat()}."
    text = OUTCOME_TEXT[a.outcome.value]
    if a.ends_on is not None:
        text += f" Its new last day is {a.ends_on.isoformat()}."
    return text


def _d(day: date | None) -> str:
    return day.isoformat() if day else "—"
