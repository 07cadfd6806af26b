"""Which changes of a proposed rulebook would act on conduct that has already happened.

A record is judged by the rule version in force on its occurred_on date (invariant 2), so a change
is prospective only when every date up to the day of adoption keeps the version it had: a new
version starting later, never an edited version or one starting in the past. The header (base
score, bands, review threshold) has no dates: a change there acts at once on every score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from trustledger.domain.rulebook import HistoryTerm, RestrictionSpec, Rule, Rulebook
from trustledger.domain.texts import N_

# The terms that decide what a record leads to; titles and wording do not act on anyone.
_TERMS = (
    "points",
    "restriction",
    "notice_days",
    "appeal_days",
    "suspend_on_appeal",
    "lift_on_fulfilment",
    "counts_for_days",
    "condition",
    "attributes",
    "history",
)


# Changes in words a report translates (the others name the rulebook's keys and values).
JUDGED_WHERE_NONE = N_("judged by a rule where none was in force")
NO_LONGER_JUDGED = N_("no longer judged by any rule")


@dataclass(frozen=True, slots=True)
class RetroactiveChange:
    """Conduct from `first` to `last` (None: the header) would be judged by different terms."""

    code: str  # a rule code, or "rulebook" for the header
    first: date | None
    last: date | None
    changes: tuple[str, ...]

    def __str__(self) -> str:
        if self.first is None or self.last is None:
            return f"{self.code}: {'; '.join(self.changes)} would apply at once to every score"
        return (
            f"{self.code}: conduct from {self.first.isoformat()} to {self.last.isoformat()} "
            f"would be judged anew: {'; '.join(self.changes)}"
        )


def retroactive_changes(current: Rulebook, proposed: Rulebook, on: date) -> list[RetroactiveChange]:
    """Every change of `proposed` that acts on conduct up to `on`, the day it would be adopted."""
    found = _header_changes(current, proposed)
    for code in sorted(current.codes() | proposed.codes()):
        found += _code_changes(code, current, proposed, on)
    return found


def _header_changes(current: Rulebook, proposed: Rulebook) -> list[RetroactiveChange]:
    changes = []
    if current.base_score != proposed.base_score:
        changes.append(f"base score {current.base_score} -> {proposed.base_score}")
    if current.bands != proposed.bands:
        changes.append(f"bands {_bands(current)} -> {_bands(proposed)}")
    below = [r.review.below if r.review else None for r in (current, proposed)]
    if below[0] != below[1]:
        changes.append(f"review below {below[0]} -> {below[1]}")
    return [RetroactiveChange("rulebook", None, None, tuple(changes))] if changes else []


def _bands(rulebook: Rulebook) -> str:
    return ", ".join(f"{b.name} >= {b.min_score}" for b in rulebook.bands)


def _code_changes(
    code: str, current: Rulebook, proposed: Rulebook, on: date
) -> list[RetroactiveChange]:
    versions = [r for r in (*current.rules, *proposed.rules) if r.code == code]
    bounds = sorted(
        {r.effective_from for r in versions}
        | {r.effective_to + timedelta(days=1) for r in versions if r.effective_to is not None}
    )
    found: list[RetroactiveChange] = []
    for start, stop in zip(bounds, [*bounds[1:], None], strict=True):
        if start > on:
            break
        last = min(stop - timedelta(days=1), on) if stop is not None else on
        changes = differences(current.rule_for(code, start), proposed.rule_for(code, start))
        if not changes:
            continue
        if found and found[-1].changes == changes and found[-1].last == start - timedelta(days=1):
            found[-1] = RetroactiveChange(code, found[-1].first, last, changes)
        else:
            found.append(RetroactiveChange(code, start, last, changes))
    return found


def differences(current: Rule | None, proposed: Rule | None) -> tuple[str, ...]:
    """What would change for a record judged by `proposed` instead of `current`, in words."""
    if current is None and proposed is None:
        return ()
    if current is None:
        return (JUDGED_WHERE_NONE,)
    if proposed is None:
        return (NO_LONGER_JUDGED,)
    return tuple(
        f"{name} {_shown(getattr(current, name))} -> {_shown(getattr(proposed, name))}"
        for name in _TERMS
        if getattr(current, name) != getattr(proposed, name)
    )


def _shown(value: object) -> str:
    if isinstance(value, RestrictionSpec):
        scopes = "+".join(sorted(s.value for s in value.scopes))
        after = value.after_fulfilment_days
        return f"{scopes} {value.days} days" + (f", {after} after fulfilment" if after else "")
    if isinstance(value, HistoryTerm):
        amount = f"{value.at_least} {value.measure.value}"
        codes = "+".join(sorted(value.codes))
        then = f" -> {_shown(value.restriction)}" if value.restriction else ""
        return f"{amount} of {codes} within {value.within_days} days{then}"
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value) + "}"
    return repr(value) if isinstance(value, str) else str(value)
