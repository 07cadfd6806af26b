"""The rulebook model: versioned rules, bands and review thresholds. Data, not code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from trustledger.domain.texts import LocalizedText

MAX_RESTRICTION_DAYS = 365
# The longest a record's personal data may be kept after its last effect: 5 years, as long as a
# record may count (PIPL art. 19: no longer than the purpose needs).
MAX_RETAIN_DAYS = 1825
DEFAULT_RETAIN_DAYS = 365


class Scope(StrEnum):
    AIR = "air"
    RAIL = "rail"
    RAIL_PREMIUM = "rail_premium"


class Mode(StrEnum):
    AIR = "air"
    RAIL = "rail"


class SeatClass(StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"


def scopes_for(mode: Mode, seat_class: SeatClass = SeatClass.STANDARD) -> frozenset[Scope]:
    """The restriction scopes that bar a journey: a `rail_premium` restriction bars premium seats only."""
    if mode is Mode.AIR:
        return frozenset({Scope.AIR})
    if seat_class is SeatClass.PREMIUM:
        return frozenset({Scope.RAIL, Scope.RAIL_PREMIUM})
    return frozenset({Scope.RAIL})


# The domain a restriction scope belongs to, for the cross-context rule.
SCOPE_DOMAINS = {Scope.AIR: "air", Scope.RAIL: "rail", Scope.RAIL_PREMIUM: "rail"}


@dataclass(frozen=True, slots=True)
class RestrictionSpec:
    scopes: frozenset[Scope]
    days: int
    cross_context_basis: str | None = None
    # "90 days after payment": once the source reports fulfilment, the restriction ends this many
    # days after it (or after the start, if it is paid before), never later than `days` allow.
    after_fulfilment_days: int | None = None


class Measure(StrEnum):
    RECORDS = "records"  # `repeat`: how many records
    POINTS = "points"  # `points_within`: how many demerit points (the negative of their points)


@dataclass(frozen=True, slots=True)
class HistoryTerm:
    """A term over a subject's history: it holds for a record when the records of `codes` whose
    occurred_on lies within `within_days` before its own (itself included, ties by record id)
    reach `at_least` records or demerit points. Only records in force (or lapsed) count, each
    judged by its own rule version.

    With a `restriction`, that one replaces the rule's when the term holds; without, the term
    gates the rule's restriction: it restricts only when the term holds.
    """

    measure: Measure
    codes: frozenset[str]
    within_days: int
    at_least: int
    restriction: RestrictionSpec | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One dated version of a rule; a code may have several versions with disjoint effective periods."""

    code: str
    title: LocalizedText
    legal_basis: str
    domain: str
    points: int
    effective_from: date
    effective_to: date | None = None
    restriction: RestrictionSpec | None = None
    notice_days: int = 10
    appeal_days: int = 15
    suspend_on_appeal: bool = False
    lift_on_fulfilment: bool = False
    counts_for_days: int = 730
    condition: str | None = None
    # Attribute name -> type ("int", "float", "str", "bool"); intake checks records against it.
    attributes: tuple[tuple[str, str], ...] = ()
    history: HistoryTerm | None = None
    # Days the record's personal data is kept after its last effect; None: the header's default.
    retain_days: int | None = None

    def restriction_for(self, *, term_holds: bool) -> RestrictionSpec | None:
        """What a record restricts, given whether the rule's history term holds for it."""
        term = self.history
        if term is None:
            return self.restriction
        if term.restriction is None:
            return self.restriction if term_holds else None
        return term.restriction if term_holds else self.restriction

    def spans(self) -> tuple[RestrictionSpec, ...]:
        """Every restriction the rule can lead to."""
        found = (self.restriction, self.history.restriction if self.history else None)
        return tuple(s for s in found if s is not None)

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    min_score: int


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    """A score below `below` opens a review case; an officer's restriction from it follows these terms."""

    below: int
    legal_basis: str
    notice_days: int = 10
    appeal_days: int = 15
    max_days: int = MAX_RESTRICTION_DAYS


@dataclass(frozen=True, slots=True)
class Retention:
    """How long records are kept after their last effect when their rule says nothing, and at most."""

    default_days: int = DEFAULT_RETAIN_DAYS
    max_days: int = MAX_RETAIN_DAYS


@dataclass(frozen=True, slots=True)
class Rulebook:
    version: str
    base_score: int
    bands: tuple[Band, ...]
    review: ReviewPolicy | None
    rules: tuple[Rule, ...]
    retention: Retention = Retention()
    # Each code's versions in the rules' order, and the bands highest first: looked up for every
    # record and every evaluation, so gathered once (derived from the fields above).
    _by_code: Mapping[str, tuple[Rule, ...]] = field(init=False, repr=False, compare=False)
    _bands_down: tuple[Band, ...] = field(init=False, repr=False, compare=False)
    # The rules whose history term counts each code (retention asks for every record).
    _counting: Mapping[str, tuple[Rule, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_code: dict[str, tuple[Rule, ...]] = {}
        counting: dict[str, tuple[Rule, ...]] = {}
        for rule in self.rules:
            by_code[rule.code] = (*by_code.get(rule.code, ()), rule)
            for code in rule.history.codes if rule.history is not None else ():
                counting[code] = (*counting.get(code, ()), rule)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_counting", counting)
        bands = tuple(sorted(self.bands, key=lambda b: b.min_score, reverse=True))
        object.__setattr__(self, "_bands_down", bands)

    def retain_days(self, rule: Rule | None) -> int:
        """Days a record judged under `rule` is kept after its last effect (None: no rule)."""
        if rule is None or rule.retain_days is None:
            return self.retention.default_days
        return rule.retain_days

    def rule_for(self, code: str, on: date) -> Rule | None:
        """The version of `code` in force on `on` (non-retroactivity: pass the record's occurred_on)."""
        for rule in self._by_code.get(code, ()):
            if rule.in_force_on(on):
                return rule
        return None

    def rules_counting(self, code: str) -> tuple[Rule, ...]:
        """The rules (every version, in the rules' order) whose history term counts `code`."""
        return self._counting.get(code, ())

    def codes(self) -> frozenset[str]:
        return frozenset(self._by_code)

    def band_for(self, score: int) -> str:
        for band in self._bands_down:
            if score >= band.min_score:
                return band.name
        return self.bands[-1].name if self.bands else "-"
