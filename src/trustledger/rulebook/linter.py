"""The rulebook linter: every safeguard a rule must meet; each breach named with file and line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from pathlib import Path

from trustledger.domain.conditions import ConditionError, condition_variables
from trustledger.domain.errors import Problem
from trustledger.domain.rulebook import (
    MAX_RESTRICTION_DAYS,
    MAX_RETAIN_DAYS,
    SCOPE_DOMAINS,
    Band,
)
from trustledger.domain.texts import LANGUAGES
from trustledger.rulebook.build import build_rulebook
from trustledger.rulebook.cases import case_mismatch, case_problems
from trustledger.rulebook.closed_world import closed_world_problems
from trustledger.rulebook.history_terms import history_term_problems
from trustledger.rulebook.nodes import Draft, join_key
from trustledger.rulebook.schema import (
    HISTORY_FORMS,
    LOCALIZED_RULE_FIELDS,
    Reading,
    default_rulebook_path,
    read_rulebook,
)

# The notice before any restriction takes effect: the 2018 rules' 7 working days at the least, and
# not so long that the finding goes stale; and the longest a record may count (5 years).
NOTICE_DAYS = (7, 60)
MAX_COUNTS_FOR_DAYS = 1825


def lint_rulebook(path: Path | None = None) -> list[Problem]:
    """Every problem of the rulebook at `path` (None: the shipped one), by file and line."""
    reading = read_rulebook(path or default_rulebook_path())
    problems = lint_reading(reading)
    if problems:
        return problems
    # Only a sound rulebook can be evaluated: then each example must come out as it says.
    rulebook = build_rulebook(reading)
    return [p for case in reading.cases if (p := case_mismatch(case, rulebook)) is not None]


def lint_reading(reading: Reading) -> list[Problem]:
    problems = list(reading.problems)
    if reading.header is not None:
        problems += _header_problems(reading.header)
    for draft in reading.rules:
        problems += _rule_problems(draft)
    problems += _history_problems(reading.rules)
    problems += _retention_problems(reading)
    problems += closed_world_problems(reading)
    problems += history_term_problems(reading.rules)
    codes = {r.get("code") for r in reading.rules}
    bands = {b.name for b in reading.header.get("bands") or ()} if reading.header else set()
    problems += case_problems(reading.cases, codes=codes, bands=bands)
    problems += [
        r.problem("cases", "needs at least one example case")
        for r in reading.rules
        if r.get("code") and not r.get("cases")
    ]
    return sorted(set(problems), key=lambda p: (p.file, p.line, p.key, p.message))


def _header_problems(h: Draft) -> Iterator[Problem]:
    bands: tuple[Band, ...] = h.get("bands") or ()
    for i in range(1, len(bands)):
        if bands[i].min_score >= bands[i - 1].min_score:
            yield h.problem(f"bands[{i}]", "bands must be listed by descending min_score")
    if h.get("review"):
        yield from _blank(h, "review.legal_basis")
        yield from _notice(h, "review.notice_days")
        yield from _at_least_one(h, "review.appeal_days")
        yield from _too_long(h, "review.max_days")
        below = h.get("review.below")
        if bands and below is not None and below > bands[0].min_score:
            yield h.problem("review.below", "is above the highest band's min_score")


def _retention_problems(reading: Reading) -> Iterator[Problem]:
    """Records are kept at most 5 years after their last effect, a rule's within the header's
    `max_days`; and at least a day, since on the last day of its effect a record is still needed."""
    ceiling, of = MAX_RETAIN_DAYS, ""
    header = reading.header
    if header is not None and header.get("retention"):
        yield from _days(header, "retention.max_days", MAX_RETAIN_DAYS)
        most = header.get("retention.max_days")
        if most is not None and 1 <= most <= MAX_RETAIN_DAYS:
            ceiling, of = most, " (retention.max_days)"
        yield from _days(header, "retention.default_days", ceiling, of)
    for rule in reading.rules:
        yield from _days(rule, "retain_days", ceiling, of)


def _days(d: Draft, name: str, most: int, of: str = "") -> Iterator[Problem]:
    value = d.get(name)
    if value is not None and not 1 <= value <= most:
        yield d.problem(name, f"must be 1 to {most} days{of}, not {value}")


def _rule_problems(r: Draft) -> Iterator[Problem]:
    yield from _blank(r, "legal_basis")
    for name in LOCALIZED_RULE_FIELDS:
        yield from _untranslated(r, name)
    yield from _notice(r, "notice_days")
    yield from _at_least_one(r, "appeal_days")
    yield from _at_least_one(r, "counts_for_days")
    counts = r.get("counts_for_days")
    if counts is not None and counts > MAX_COUNTS_FOR_DAYS:
        yield r.problem("counts_for_days", f"must be at most {MAX_COUNTS_FOR_DAYS}, not {counts}")
    yield from _code_in_domain(r)
    yield from _dates(r)
    yield from _condition(r)
    prefixes = [
        p for p in ("", *(f"{form}." for form in HISTORY_FORMS)) if r.get(p + "restriction")
    ]
    for prefix in prefixes:
        yield from _restriction(r, prefix + "restriction.")
    points = r.get("points")
    if prefixes and points is not None and points >= 0:
        yield r.problem("points", "must be negative for a rule that restricts")


def _blank(d: Draft, name: str) -> Iterator[Problem]:
    value = d.get(name)
    if value is not None and not value.strip():
        yield d.problem(name, "must not be empty")


def _untranslated(d: Draft, name: str) -> Iterator[Problem]:
    texts: dict[str, str] | None = d.get(name)
    if texts is None:
        return
    for lang in LANGUAGES:
        if not texts.get(lang.value, "").strip():
            both = " and ".join(lang.value for lang in LANGUAGES)
            key = join_key(d.key, name, lang.value)
            yield Problem(d.file, d.at(name), key, f"is missing: a {name} is given in {both}")


def _notice(d: Draft, name: str) -> Iterator[Problem]:
    low, high = NOTICE_DAYS
    value = d.get(name)
    if value is not None and not low <= value <= high:
        yield d.problem(name, f"must be {low} to {high} days, not {value}")


def _at_least_one(d: Draft, name: str) -> Iterator[Problem]:
    value = d.get(name)
    if value is not None and value < 1:
        yield d.problem(name, f"must be at least 1, not {value}")


def _too_long(d: Draft, name: str) -> Iterator[Problem]:
    value = d.get(name)
    if value is not None and not 1 <= value <= MAX_RESTRICTION_DAYS:
        yield d.problem(name, f"must be 1 to {MAX_RESTRICTION_DAYS} days, not {value}")


def _code_in_domain(r: Draft) -> Iterator[Problem]:
    code, domain = r.get("code"), r.get("domain")
    if code and domain and not code.startswith(f"{domain}."):
        yield r.problem("code", f"must start with its domain, {domain!r}, and a dot")


def _dates(r: Draft) -> Iterator[Problem]:
    start, end = r.get("effective_from"), r.get("effective_to")
    if start is not None and end is not None and end < start:
        yield r.problem("effective_to", "is before effective_from")


def _condition(r: Draft) -> Iterator[Problem]:
    expression = r.get("condition")
    if expression is None:
        return
    try:
        variables = condition_variables(expression)
    except ConditionError as exc:
        yield r.problem("condition", f"does not compile: {exc}")
        return
    others = sorted(set(variables) - {"record"})
    if others:
        yield r.problem("condition", f"may read only `record`, not {', '.join(others)}")


def _restriction(r: Draft, at: str) -> Iterator[Problem]:
    """The restriction whose keys start with `at` (`restriction.`, `repeat.restriction.`)."""
    yield from _too_long(r, at + "days")
    yield from _too_long(r, at + "after_fulfilment_days")
    scopes = r.get(at + "scopes")
    if scopes is not None and not scopes:
        yield r.problem(at + "scopes", "must name at least one scope")
    domain = r.get("domain")
    reach = sorted({s.value for s in scopes or () if domain and SCOPE_DOMAINS[s] != domain})
    basis = r.get(at + "cross_context_basis")
    if reach and not (basis and basis.strip()):
        yield r.problem(
            at + "scopes",
            f"restricts {', '.join(reach)} outside the rule's domain {domain!r} "
            "without a cross_context_basis naming the statute that allows it",
        )


def _history_problems(rules: list[Draft]) -> Iterator[Problem]:
    """Versions of one code must not overlap: on any date at most one is in force."""
    by_code: dict[str, list[Draft]] = defaultdict(list)
    for r in rules:
        if r.get("code") and r.get("effective_from"):
            by_code[r.get("code")].append(r)
    for versions in by_code.values():
        versions.sort(key=lambda v: v.get("effective_from"))
        for earlier, later in pairwise(versions):
            end: date | None = earlier.get("effective_to")
            if end is None or end >= later.get("effective_from"):
                yield later.problem(
                    "effective_from",
                    f"overlaps the version from {earlier.get('effective_from')} "
                    f"({earlier.file}:{earlier.line}); end that one the day before",
                )
