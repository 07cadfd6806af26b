"""Turn a rulebook reading that passed every check into the domain model."""

from __future__ import annotations

from typing import Any

from trustledger.domain.errors import Problem, RulebookInvalid
from trustledger.domain.rulebook import RestrictionSpec, ReviewPolicy, Rule, Rulebook
from trustledger.domain.texts import LocalizedText
from trustledger.rulebook.nodes import Draft
from trustledger.rulebook.schema import LOCALIZED_RULE_FIELDS, Reading

# Rule fields copied as read; absent ones keep the model's defaults.
_PLAIN_RULE_FIELDS = (
    "code", "legal_basis", "domain", "points", "effective_from", "effective_to",
    "notice_days", "appeal_days", "suspend_on_appeal", "lift_on_fulfilment", "counts_for_days",
    "condition",
)  # fmt: skip
_REVIEW_FIELDS = ("below", "legal_basis", "notice_days", "appeal_days", "max_days")


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
    )


def _present(d: Draft, names: tuple[str, ...], prefix: str = "") -> dict[str, Any]:
    return {name: d.values[prefix + name] for name in names if prefix + name in d.values}


def _review(header: Draft) -> ReviewPolicy | None:
    if not header.get("review"):
        return None
    return ReviewPolicy(**_present(header, _REVIEW_FIELDS, "review."))


def _rule(d: Draft) -> Rule:
    restriction = None
    if d.get("restriction"):
        restriction = RestrictionSpec(
            scopes=frozenset(d.get("restriction.scopes")),
            days=d.get("restriction.days"),
            cross_context_basis=d.get("restriction.cross_context_basis"),
        )
    attributes = tuple(d.get("attributes") or ())
    texts: dict[str, Any] = {n: LocalizedText.of(d.get(n)) for n in LOCALIZED_RULE_FIELDS}
    return Rule(
        **_present(d, _PLAIN_RULE_FIELDS), **texts, restriction=restriction, attributes=attributes
    )
