"""Corrections of a record: which make its decision more adverse, and what each notice may bar.

A record's versions (as submitted, then after each correction) each restrict on some terms, or
not at all. A correction whose terms bar more than the version before (another scope, more days,
a shorter notice period, or a restriction where there was none) is a new adverse decision: it is
announced by a notice of its own and bars nothing extra until that notice's period has run. One
that bars less takes effect at once. So the decision announced by version `a` bars, from its own
start, only what every later version bars too (their meet): a later narrowing applies to it at
once, a later widening waits for its own notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from trustledger.domain.conditions import condition_holds
from trustledger.domain.events import Corrected, Withdrawn
from trustledger.domain.records import CORRECTABLE_FIELDS, Record
from trustledger.domain.rulebook import Rulebook, Scope
from trustledger.domain.texts import N_, NO_MESSAGE, Message

# How a letter or a page names each field a correction may change.
FIELD_NAMES = {
    "type": N_("record type"),
    "occurred_on": N_("date of the conduct"),
    "decided_on": N_("date of the decision"),
    "evidence_ref": N_("evidence reference"),
    "attributes": N_("details"),
}
# A field that had, or now has, no value.
NONE_SHOWN = N_("(none)")


@dataclass(frozen=True, slots=True)
class Terms:
    """What one version of a record's decision bars: scopes, for how long, after what notice."""

    scopes: frozenset[Scope]
    days: int
    notice_days: int


def version_terms(
    record: Record, recorded_on: date, rulebook: Rulebook, *, term_holds: bool = False
) -> Terms | None:
    """What one version of a record restricts, whatever the date: None if it never does.

    `term_holds`: whether the rule's history term holds for the record (a repeat, a points
    window), which picks or gates its restriction as it does for an uncorrected record."""
    rule = rulebook.rule_for(record.type, record.occurred_on)
    spec = rule.restriction_for(term_holds=term_holds) if rule is not None else None
    if rule is None or spec is None:
        return None
    until = record.decided_on + timedelta(days=rule.counts_for_days)
    if recorded_on >= until or not condition_holds(rule.condition, record.attributes):
        return None
    return Terms(spec.scopes, spec.days, rule.notice_days)


def more_adverse(new: Terms | None, old: Terms | None) -> bool:
    """Whether `new` bars anything `old` did not: a scope, a day, or an earlier start."""
    if new is None:
        return False
    if old is None:
        return True
    return not new.scopes <= old.scopes or new.days > old.days or new.notice_days < old.notice_days


def meet(terms: Sequence[Terms | None]) -> Terms | None:
    """What every one of `terms` bars: the shared scopes, the fewest days, the longest notice."""
    if not terms or any(t is None for t in terms):
        return None
    present = [t for t in terms if t is not None]
    scopes = frozenset.intersection(*(t.scopes for t in present))
    if not scopes:
        return None
    return Terms(scopes, min(t.days for t in present), max(t.notice_days for t in present))


@dataclass(frozen=True, slots=True)
class Decision:
    """A decision a record's versions announced: by which version, what it bars, and the
    version whose correction ended it (it bars nothing that one bars), if any."""

    version: int
    terms: Terms
    ended_by: int | None = None


def announced(versions: Sequence[Terms | None]) -> list[Decision]:
    """Each decision that needs its own notice, oldest first.

    Version 0 (as submitted) announces the first; every more adverse correction announces
    another. A decision bars what it and every later version bar, until a correction leaves
    nothing in common: then that correction lifts it.
    """
    found = []
    for i, terms in enumerate(versions):
        if i != 0 and not more_adverse(terms, versions[i - 1]):
            continue
        barred, ended_by = None, None
        for j in range(i, len(versions)):
            common = meet(versions[i : j + 1])
            if common is None:
                ended_by = j
                break
            barred = common
        if barred is not None:
            found.append(Decision(i, barred, ended_by))
    return found


def decision_id(record_id: str, version: int) -> str:
    """The restriction id of the decision version `version` announced: the record's own for 0."""
    return record_id if version == 0 else f"{record_id}.c{version}"


def record_of(restriction_id: str) -> str:
    """The record a decision id belongs to (inverse of `decision_id`)."""
    head, dot, tail = restriction_id.rpartition(".c")
    return head if dot and tail.isdigit() else restriction_id


def _shown(value: Any) -> str:
    if value in (None, "", {}):
        return NONE_SHOWN
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {v}" for k, v in sorted(value.items()))
    return str(value)


def change_items(correction: Corrected) -> list[tuple[str, str, str]]:
    """A correction's changes, one per field: the field's words (a catalog message), the value
    before and after; a letter writes them in its language."""
    before, after = correction.previous, correction.changes
    return [
        (FIELD_NAMES[name], _shown(before.get(name)), _shown(after[name]))
        for name in sorted(CORRECTABLE_FIELDS)
        if name in after
    ]


def change_lines(correction: Corrected) -> list[str]:
    """A correction's changes in plain English, one per field: "record type: a -> b"."""
    return [f"{name}: {was} -> {now}" for name, was, now in change_items(correction)]


def correction_text(correction: Corrected) -> str:
    """The changes and the source's reason, in one line for a history."""
    changes = "; ".join(change_lines(correction))
    return f"{changes}; reason: {correction.reason or '(none given)'}"


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One line of a record's history in plain words: submitted, corrected, withdrawn.

    `text` is the English (the API and the CLI give it); `message` is the same line for a page
    to write in its reader's language.
    """

    on: date
    what: str  # "submitted", "corrected" or "withdrawn"
    text: str
    message: Message = NO_MESSAGE


def submitted_change(record: Record, on: date) -> RecordChange:
    message = Message.of(
        N_("submitted by %(source)s (case %(case)s)"), source=record.source, case=record.case_ref
    )
    return RecordChange(on, "submitted", str(message), message)


def corrected_change(correction: Corrected, on: date) -> RecordChange:
    message = Message.of(
        N_("corrected by its source: %(changes)s; reason: %(reason)s"),
        changes=_joined([_change_message(item) for item in change_items(correction)]),
        reason=_reason(correction.reason),
    )
    text = correction_text(correction)
    return RecordChange(on, "corrected", f"corrected by its source: {text}", message)


def withdrawn_change(withdrawal: Withdrawn, on: date) -> RecordChange:
    reason = withdrawal.reason or "(none given)"
    message = Message.of(
        N_("withdrawn by its source, no longer counts: %(reason)s"),
        reason=_reason(withdrawal.reason),
    )
    return RecordChange(
        on, "withdrawn", f"withdrawn by its source, no longer counts: {reason}", message
    )


def _reason(reason: str) -> object:
    # What the source wrote, as written; its absence in the reader's words.
    return reason or Message(N_("(none given)"))


def _change_message(item: tuple[str, str, str]) -> Message:
    field, before, after = item
    return Message.of(
        N_("%(field)s: %(before)s -> %(after)s"),
        field=Message(field),
        before=Message(before) if before == NONE_SHOWN else before,
        after=Message(after) if after == NONE_SHOWN else after,
    )


def _joined(items: Sequence[Message]) -> Message:
    """Items one after another, as a history line lists them ("a; b")."""
    if len(items) <= 1:
        return items[0] if items else NO_MESSAGE
    return Message.of(N_("%(first)s; %(rest)s"), first=items[0], rest=_joined(items[1:]))
