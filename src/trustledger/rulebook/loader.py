"""Load a rulebook (the shipped default or a path) into the domain model, refusing any problem."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from trustledger.domain.errors import RulebookInvalid
from trustledger.domain.rulebook import RestrictionSpec, ReviewPolicy, Rule, Rulebook
from trustledger.rulebook.cases import Case
from trustledger.rulebook.linter import lint_reading
from trustledger.rulebook.nodes import Draft
from trustledger.rulebook.schema import Reading, default_rulebook_path, read_rulebook

__all__ = ["default_rulebook_path", "load_cases", "load_rulebook"]

# Rule fields copied as read; absent ones keep the model's defaults.
_PLAIN_RULE_FIELDS = (
    "code", "title", "legal_basis", "domain", "points", "effective_from", "effective_to",
    "notice_days", "appeal_days", "suspend_on_appeal", "lift_on_fulfilment", "counts_for_days",
    "condition",
)  # fmt: skip
_REVIEW_FIELDS = ("below", "legal_basis", "notice_days", "appeal_days", "max_days")


def load_rulebook(path: Path | None = None) -> Rulebook:
    """The rulebook at `path` (a directory of *.yaml files or one file; None: the shipped default).

    Raises RulebookInvalid naming every problem, the linter's included: an unsafe rulebook never
    loads.
    """
    if path is None:
        return _default()[0]
    return _build(_checked(path))


def load_cases(path: Path | None = None) -> list[Case]:
    """The example cases of the rulebook at `path` (None: the shipped default)."""
    if path is None:
        return list(_default()[1])
    return list(_checked(path).cases)


@lru_cache(maxsize=1)
def _default() -> tuple[Rulebook, tuple[Case, ...]]:
    reading = _checked(default_rulebook_path())
    return _build(reading), tuple(reading.cases)


def _checked(path: Path) -> Reading:
    reading = read_rulebook(path)
    problems = lint_reading(reading)
    if problems:
        raise RulebookInvalid(problems)
    return reading


def _build(reading: Reading) -> Rulebook:
    header = reading.header
    if header is None:  # read_rulebook reported it, so this only keeps the types honest
        raise RulebookInvalid(lint_reading(reading))
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
    return Rule(**_present(d, _PLAIN_RULE_FIELDS), restriction=restriction, attributes=attributes)
