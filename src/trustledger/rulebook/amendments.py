"""A rulebook against the one it replaces: history is append-only, and nothing already in force
is edited (`rulebook lint --against OLD`).

A version in force on or before `today` stays as it was: only its `effective_to` may be set, to
`today` or later, to close it. A change is a new dated version from after `today`. A version of
a code the old rulebook did not have may start earlier: intake refuses a record of an unknown
type, so no stored record can be judged anew by it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path

from trustledger.domain.errors import Problem
from trustledger.domain.rulebook import Rule, Rulebook
from trustledger.rulebook.build import build_rulebook
from trustledger.rulebook.linter import lint_reading
from trustledger.rulebook.nodes import Draft
from trustledger.rulebook.schema import Reading, read_rulebook

_COMPARED = tuple(f.name for f in fields(Rule) if f.name not in ("effective_to",))


@dataclass(frozen=True, slots=True)
class Amendments:
    changes: list[str]  # what changed, in words, one line each
    problems: list[Problem]  # what history forbids


def amendments(old: Rulebook, new: Rulebook, reading: Reading, today: date) -> Amendments:
    """`new` (read as `reading`) against `old`, on `today`."""
    drafts = {(d.get("code"), d.get("effective_from")): d for d in reading.rules}
    found = Amendments([], [])
    old_versions = {(r.code, r.effective_from): r for r in old.rules}
    new_versions = {(r.code, r.effective_from): r for r in new.rules}
    for key, was in sorted(old_versions.items()):
        _compare(was, new_versions.get(key), drafts.get(key), reading.root, today, found)
    old_codes = old.codes()
    for key, rule in sorted(new_versions.items()):
        if key not in old_versions:
            _added(rule, drafts[key], today, found, new_code=rule.code not in old_codes)
    # Reported, not refused: how long records are kept after their effect judges no conduct, and
    # every version without its own retain_days follows the header.
    for name in ("default_days", "max_days"):
        was, now = getattr(old.retention, name), getattr(new.retention, name)
        if was != now:
            found.changes.append(f"changed retention.{name}: {was} -> {now}")
    return found


def _compare(
    was: Rule, now: Rule | None, d: Draft | None, root: str, today: date, found: Amendments
) -> None:
    label = f"{was.code} from {was.effective_from}"
    in_force = was.effective_from <= today
    if now is None or d is None:
        found.changes.append(f"removed {label}")
        if in_force:
            found.problems.append(
                Problem(root, 1, was.code, f"the version from {was.effective_from} has been in "
                        "force and is gone: history is append-only; close it with effective_to")
            )  # fmt: skip
        return
    edited = [n for n in _COMPARED if getattr(was, n) != getattr(now, n)]
    if edited:
        found.changes.append(f"changed {label}: {', '.join(edited)}")
        if in_force:
            found.problems.append(d.problem(edited[0], _edit(was, edited, today)))
    if was.effective_to != now.effective_to:
        found.changes.append(
            f"closed {label}: effective_to {was.effective_to} -> {now.effective_to}"
        )
        _closing(was, now, d, today, found)


def _edit(was: Rule, edited: list[str], today: date) -> str:
    return (
        f"edits the version in force since {was.effective_from} ({', '.join(edited)}): a change "
        f"is a new dated version starting after {today}, with effective_to closing this one"
    )


def _closing(was: Rule, now: Rule, d: Draft, today: date, found: Amendments) -> None:
    if was.effective_from > today:
        return  # not yet in force: its dates may still move
    if was.effective_to is not None and was.effective_to < today:
        found.problems.append(
            d.problem("effective_to", f"moves an end already past ({was.effective_to})")
        )
    elif now.effective_to is not None and now.effective_to < today:
        found.problems.append(
            d.problem("effective_to", f"ends it in the past ({now.effective_to}); close it on "
                      f"{today} or later")
        )  # fmt: skip


def _added(rule: Rule, d: Draft, today: date, found: Amendments, *, new_code: bool) -> None:
    label = f"{rule.code} from {rule.effective_from}"
    found.changes.append(f"added {label}" + (" (a new code)" if new_code else ""))
    if rule.effective_from <= today and not new_code:
        found.problems.append(
            d.problem("effective_from", f"a new version must start after {today}, not on "
                      f"{rule.effective_from}: conduct already past would be judged anew")
        )  # fmt: skip


def amendments_of(path: Path, old_path: Path, *, today: date) -> Amendments:
    """The rulebook at `path` against the one at `old_path`; [] when either does not lint."""
    reading = read_rulebook(path)
    old_reading = read_rulebook(old_path)
    old_problems = lint_reading(old_reading)
    if old_problems:
        return Amendments([], [_old(p) for p in old_problems])
    if lint_reading(reading):
        return Amendments([], [])  # the lint of `path` names them
    return amendments(build_rulebook(old_reading), build_rulebook(reading), reading, today)


def _old(p: Problem) -> Problem:
    return Problem(p.file, p.line, p.key, f"(the rulebook compared against) {p.message}")
