"""Turn a rulebook reading that passed every check into the domain model."""

from __future__ import annotations

from typing import Any

from trustledger.domain.errors import Problem, RulebookInvalid
from trustledger.domain.rulebook import (
    HistoryTerm,
    Measure,
    RestrictionSpec,
    Retention,
    ReviewPolicy,
    Rule,
    Rulebook,
)
from trustledger.domain.texts import LocalizedText
from trustledger.rulebook.nodes import Draft
from trustledger.rulebook.schema import HISTORY_FORMS, LOCALIZED_RULE_FIELDS, Reading

# Rule fields copied as read; absent ones keep the model's defaults.
_PLAIN_RULE_FIELDS = (
    "code", "legal_basis", "domain", "points", "effective_from", "effective_to",
    "notice_days", "appeal_days", "suspend_on_appeal", "lift_on_fulfilment", "counts_for_days",
    "condition", "retain_days",
)  # fmt: skip
_REVIEW_FIELDS = ("below", "legal_basis", "notice_days", "appeal_days", "max_days")
_RETENTION_FIELDS = ("default_days", "max_days")


def build_rulebook(reading: Reading) -> Rulebook:
    """The model of a reading without problems (the caller lints first)."""
    header = reading.header
    if header is None:  # read_rulebook reports this; raising here keeps the types honest
        raise RulebookInvalid([Problem(reading.root, 1, "version", "no rulebook header")])
    rules = sorted((_rule(d) for d in reading.rules), key=lambda r: (r.code, r.effective_from))
    return Rulebook(
        version=header.get("version"),
        base_score=header.get("base_score"),
        bands=header.get("bands"),
        review=_review(header),
        rules=tuple(rules),
        retention=Retention(**_present(header, _RETENTION_FIELDS, "retention.")),
    )


def _present(d: Draft, names: tuple[str, ...], prefix: str = "") -> dict[str, Any]:
    return {name: d.values[prefix + name] for name in names if prefix + name in d.values}


def _review(header: Draft) -> ReviewPolicy | None:
    if not header.get("review"):
        return None
    return ReviewPolicy(**_present(header, _REVIEW_FIELDS, "review."))


_MEASURES = {"repeat": Measure.RECORDS, "points_within": Measure.POINTS}


def _restriction(d: Draft, prefix: str) -> RestrictionSpec | None:
    if not d.get(prefix + "restriction"):
        return None
    return RestrictionSpec(
        scopes=frozenset(d.get(prefix + "restriction.scopes")),
        days=d.get(prefix + "restriction.days"),
        cross_context_basis=d.get(prefix + "restriction.cross_context_basis"),
        after_fulfilment_days=d.get(prefix + "restriction.after_fulfilment_days"),
    )


def _history(d: Draft) -> HistoryTerm | None:
    for form, (amount, window) in HISTORY_FORMS.items():
        if d.get(form):
            return HistoryTerm(
                measure=_MEASURES[form],
                codes=frozenset(d.get(f"{form}.codes")),
                within_days=d.get(f"{form}.{window}"),
                at_least=d.get(f"{form}.{amount}"),
                restriction=_restriction(d, f"{form}."),
            )
    return None


def _rule(d: Draft) -> Rule:
    restriction = _restriction(d, "")
    attributes = tuple(d.get("attributes") or ())
    texts: dict[str, Any] = {n: LocalizedText.of(d.get(n)) for n in LOCALIZED_RULE_FIELDS}
    return Rule(
        **_present(d, _PLAIN_RULE_FIELDS),
        **texts,
        restriction=restriction,
        attributes=attributes,
        history=_history(d),
    )
