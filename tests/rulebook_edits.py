"""Proposed rulebooks for tests: the default one copied, with rules changed or versions added."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from trustledger.rulebook import default_rulebook_path

# A stricter social insurance rule: a smaller debt counts, costs more and bars every train seat.
STRICTER_UNPAID = {
    "points": -120,
    "condition": "record.amount_cny >= 1000 || record.months_unpaid >= 1",
    "attributes": {"amount_cny": "int", "months_unpaid": "int"},
    "restriction": {
        "scopes": ["air", "rail"],
        "days": 365,
        "cross_context_basis": "A statute that allows it, for this test",
    },
}
# A stricter smoking rule: a year off trains.
STRICTER_SMOKING = {"points": -80, "restriction": {"scopes": ["rail"], "days": 365}}


def _case(name: str, starts: date, expect: dict[str, Any], **record: Any) -> dict[str, Any]:
    """A case a month into the new version: decided five days after the conduct, asked about 40
    days later (past the notice period, within any restriction)."""
    occurred = starts + timedelta(days=30)
    return {
        "name": name,
        "as_of": occurred + timedelta(days=45),
        "records": [{"occurred_on": occurred, "decided_on": occurred + timedelta(days=5)} | record],
        "expect": expect | {"restrictions": {"r1": "active"}},
    }


class Proposal:
    """The default rulebook's files as data, changed, then written to a directory."""

    def __init__(self, version: str = "proposed") -> None:
        self.documents = {
            p.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(default_rulebook_path().glob("*.yaml"))
        }
        self.documents["rulebook.yaml"]["version"] = version

    def _version(self, code: str, on: date | None = None) -> tuple[list[dict[str, Any]], int]:
        """The version of `code` in force on `on` (None: the open one, with no end)."""
        for document in self.documents.values():
            rules = document.get("rules") or []
            for i, rule in enumerate(rules):
                start, end = rule["effective_from"], rule.get("effective_to")
                if rule["code"] != code:
                    continue
                if (on is None and end is None) or (
                    on is not None and start <= on and (end is None or on <= end)
                ):
                    return rules, i
        raise KeyError(code)

    def edit(self, code: str, **changes: Any) -> Proposal:
        """The rule's open version edited in place: what history must never do."""
        rules, i = self._version(code)
        rules[i] = rules[i] | changes
        return self

    def new_version(self, code: str, *, starts: date, cases: list[Any], **changes: Any) -> Proposal:
        """The version in force on `starts` ended the day before, and a new one from then until
        that version's end."""
        rules, i = self._version(code, starts)
        end = rules[i].get("effective_to")
        rules[i]["effective_to"] = starts - timedelta(days=1)
        new = rules[i] | changes | {"effective_from": starts, "effective_to": end}
        rules.append(new | {"cases": cases})
        return self

    def header(self, **changes: Any) -> Proposal:
        self.documents["rulebook.yaml"] |= changes
        return self

    def write(self, to: Path) -> Path:
        to.mkdir(parents=True, exist_ok=True)
        for name, document in self.documents.items():
            text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
            (to / name).write_text(text, encoding="utf-8")
        return to


def stricter(to: Path, *, starts: date) -> Path:
    """Social insurance and smoking rules made stricter for conduct from `starts`."""
    unpaid = _case(
        f"Under the terms of {starts} a debt of 1500 yuan counts and bars flights and trains",
        starts,
        {"score": 880, "band": "B", "restricted": ["air", "rail"]},
        attributes={"amount_cny": 1500, "months_unpaid": 1},
    )
    smoking = _case(
        f"Under the terms of {starts} smoking on a train bars trains for a year",
        starts,
        {"score": 920, "band": "B", "restricted": ["rail"]},
    )
    return (
        Proposal()
        .new_version("social_insurance.unpaid", starts=starts, cases=[unpaid], **STRICTER_UNPAID)
        .new_version("rail.smoking", starts=starts, cases=[smoking], **STRICTER_SMOKING)
        .write(to)
    )
