"""The linter's checks of history terms (`repeat`, `points_within`): what they count, and how."""

from __future__ import annotations

from collections.abc import Iterator

from trustledger.domain.errors import Problem
from trustledger.rulebook.nodes import Draft
from trustledger.rulebook.schema import HISTORY_FORMS

# A window no longer than a record may count (linter.MAX_COUNTS_FOR_DAYS).
MAX_WINDOW_DAYS = 1825
# The least amount each form may ask for: a repeat is a second record at least.
_LEAST = {"repeat": 2, "points_within": 1}


def history_term_problems(rules: list[Draft]) -> Iterator[Problem]:
    codes = {r.get("code") for r in rules if r.get("code")}
    for rule in rules:
        forms = [form for form in HISTORY_FORMS if rule.get(form)]
        if len(forms) > 1:
            yield rule.problem(forms[1], f"a rule has one history term; {forms[0]} is given too")
        for form in forms:
            yield from _term(rule, form, codes)


def _term(rule: Draft, form: str, codes: set[str]) -> Iterator[Problem]:
    amount, window = HISTORY_FORMS[form]
    counted = rule.get(f"{form}.codes")
    if counted is not None:
        for code in sorted(set(counted) - codes):
            yield rule.problem(f"{form}.codes", f"no rule has the code {code!r}")
        if rule.get("code") and rule.get("code") not in counted:
            yield rule.problem(
                f"{form}.codes", f"must include the rule's own code {rule.get('code')!r}"
            )
    least = rule.get(f"{form}.{amount}")
    if least is not None and least < _LEAST[form]:
        yield rule.problem(f"{form}.{amount}", f"must be at least {_LEAST[form]}, not {least}")
    days = rule.get(f"{form}.{window}")
    if days is not None and not 1 <= days <= MAX_WINDOW_DAYS:
        yield rule.problem(f"{form}.{window}", f"must be 1 to {MAX_WINDOW_DAYS} days, not {days}")
    if not rule.get(f"{form}.restriction") and not rule.get("restriction"):
        yield rule.problem(
            form, "has no restriction to give and the rule none to gate: give it a restriction"
        )
