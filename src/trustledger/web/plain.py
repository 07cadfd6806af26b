"""A subject's restrictions in plain words: what it bars, why, from when, until when, what ends it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from trustledger.domain.evaluation import (
    Appeal,
    Assessment,
    ErasureCase,
    Restriction,
    RestrictionStatus,
    ReviewCase,
    SubjectState,
)
from trustledger.domain.texts import N_
from trustledger.i18n.catalogs import Translator
from trustledger.web.rendering import scopes_text

ENDED = frozenset({RestrictionStatus.LIFTED, RestrictionStatus.EXPIRED})


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


def describe(state: SubjectState, tr: Translator) -> list[PlainRestriction]:
    records = {a.record.record_id: a for a in state.assessments}
    cases = {c.case_id: c for c in state.review_cases}
    described = [
        _describe(r, state, records.get(r.record_id or ""), cases.get(r.case_id or ""), tr)
        for r in state.restrictions
    ]
    return sorted(described, key=lambda p: p.ended)  # those that still bar first


def _describe(
    r: Restriction,
    state: SubjectState,
    record: Assessment | None,
    case: ReviewCase | None,
    tr: Translator,
) -> PlainRestriction:
    pending = any(a.target == r.restriction_id and a.decided_on is None for a in state.appeals)
    open_window = r.appeal_by is not None and state.on <= r.appeal_by
    appealable = r.status not in ENDED and open_window and not pending
    ended = r.status in ENDED
    bars = scopes_text(r.scopes, tr)
    return PlainRestriction(
        restriction_id=r.restriction_id,
        bars=tr.gettext("Ended: it barred %(bars)s.") % {"bars": bars}
        if ended
        else tr.gettext("You may not buy tickets for %(bars)s.") % {"bars": bars},
        why=_why(record, case, tr),
        legal_basis=r.legal_basis,
        now=_now(r, tr),
        until=_until(r, tr),
        lifts_early=_lifts(r, record, tr, pending=pending, open_window=open_window),
        ended=ended,
        appealable=appealable,
        appeal_by=r.appeal_by,
    )


def _why(record: Assessment | None, case: ReviewCase | None, tr: Translator) -> str:
    if record is not None:
        r = record.record
        title = tr.text(record.rule.title) if record.rule else r.type
        return tr.gettext("%(title)s: case %(case)s, decided by %(source)s on %(day)s.") % {
            "title": title,
            "case": r.case_ref,
            "source": r.source,
            "day": tr.day(r.decided_on),
        }
    if case is not None:
        return tr.gettext(
            "An officer decided on %(day)s, after reviewing your file: %(reasons)s"
        ) % {"day": tr.day(case.decided_on), "reasons": case.reasons or ""}
    return tr.gettext("An officer's recorded decision.")


def _now(r: Restriction, tr: Translator) -> str:
    match r.status:
        case RestrictionStatus.AWAITING_NOTICE:
            return tr.gettext("Not in effect: it cannot start until you have been sent a notice.")
        case RestrictionStatus.PENDING:
            text = tr.gettext("Not in effect yet: it takes effect on %(day)s.")
            return text % {"day": tr.day(r.starts_on)}
        case RestrictionStatus.ACTIVE:
            return tr.gettext("In effect since %(day)s.") % {"day": tr.day(r.starts_on)}
        case RestrictionStatus.SUSPENDED:
            return tr.gettext("Suspended while your appeal is decided: you may travel meanwhile.")
        case RestrictionStatus.LIFTED:
            return tr.gettext("Lifted on %(day)s: you may travel.") % {"day": tr.day(r.lifted_on)}
        case _:
            return tr.gettext("Ended: its last day was %(day)s.") % {"day": tr.day(r.ends_on)}


def _until(r: Restriction, tr: Translator) -> str:
    if r.ends_on is None:
        return tr.gettext("It will last at most 365 days from the day it takes effect.")
    if r.status in ENDED:
        return tr.gettext("It was to last until %(day)s.") % {"day": tr.day(r.ends_on)}
    again = r.ends_on + timedelta(days=1)
    return tr.gettext(
        "Its last day is %(last)s. From %(again)s you may travel again: "
        "it ends by itself, you need not ask anyone."
    ) % {"last": tr.day(r.ends_on), "again": tr.day(again)}


def _lifts(
    r: Restriction,
    record: Assessment | None,
    tr: Translator,
    *,
    pending: bool,
    open_window: bool,
) -> tuple[str, ...]:
    if r.status in ENDED:
        return ()
    ways = []
    if pending:
        ways.append(tr.gettext("Your appeal, which an officer is deciding, if it succeeds."))
    elif open_window:
        text = tr.gettext("An appeal that succeeds. You can appeal until %(day)s below.")
        ways.append(text % {"day": tr.day(r.appeal_by)})
    else:
        text = tr.gettext("The time to appeal ended on %(day)s.")
        ways.append(text % {"day": tr.day(r.appeal_by)})
    if record is not None and record.rule is not None and record.rule.lift_on_fulfilment:
        ways.append(
            tr.gettext(
                "Doing what the decision requires of you (for example paying what you owe): "
                "when %(source)s reports it, the restriction is lifted the same day."
            )
            % {"source": record.record.source}
        )
    if record is not None:
        text = tr.gettext("The record being overturned by %(source)s or by a court.")
        ways.append(text % {"source": record.record.source})
    return tuple(ways)


def appeal_text(a: Appeal, tr: Translator) -> str:
    if a.decided_on is None or a.outcome is None:
        text = tr.gettext("An officer will decide it by %(day)s.")
        return text % {"day": tr.day(a.deadline)}
    text = tr.gettext(OUTCOME_TEXT[a.outcome.value])
    if a.ends_on is not None:
        text += tr.gettext(" Its new last day is %(day)s.") % {"day": tr.day(a.ends_on)}
    return text


def erasure_text(c: ErasureCase, tr: Translator) -> str:
    if c.decided_on is None or c.outcome is None:
        text = tr.gettext("An officer will decide it by %(day)s.")
        return text % {"day": tr.day(c.deadline)}
    return tr.gettext(ERASURE_TEXT[c.outcome.value])


ERASURE_TEXT = {
    "granted": N_("Your request was granted: the record is erased."),
    "refused": N_("Your request was refused: the record is kept until its retention ends."),
}

OUTCOME_TEXT = {
    "upheld": N_("Your appeal was not successful: the restriction stands."),
    "overturned": N_(
        "Your appeal was successful: the restriction was lifted and the record no longer counts."
    ),
    "modified": N_("Your appeal was partly successful: the restriction ends earlier."),
}
