"""The linter passes the shipped rulebook and names every problem of a bad one, with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from trustledger.domain.errors import Problem
from trustledger.domain.rulebook import Retention
from trustledger.rulebook import lint_rulebook, load_rulebook

BAD = Path(__file__).parents[1] / "data" / "bad_rulebook"

# (file, line, key, how the message starts): each problem planted in tests/data/bad_rulebook.
EXPECTED = [
    ("broken.yaml", 4, "-", "not valid YAML: expected ',' or ']'"),
    ("rulebook.yaml", 6, "bands[1]", "bands must be listed by descending min_score"),
    ("rulebook.yaml", 10, "review.legal_basis", "must not be empty"),
    ("rulebook.yaml", 11, "review.notice_days", "must be 7 to 60 days, not -1"),
    ("rulebook.yaml", 12, "review.max_days", "must be 1 to 365 days, not 400"),
    ("rulebook.yaml", 14, "retention.max_days", "must be 1 to 1825 days, not 2000"),
    ("rulebook.yaml", 15, "retention.default_days", "must be 1 to 1825 days, not 0"),
    ("rules.yaml", 2, "rail.no_basis.legal_basis", "is required"),
    ("rules.yaml", 11, "rail.too_long.legal_basis", "must not be empty"),
    ("rules.yaml", 13, "rail.too_long.points", "must be negative for a rule that restricts"),
    ("rules.yaml", 16, "rail.too_long.restriction.days", "must be 1 to 365 days, not 400"),
    ("rules.yaml", 17, "rail.too_long.notice_days", "must be 7 to 60 days, not -3"),
    ("rules.yaml", 23, "rail.endless.legal_basis", "must name a document"),
    ("rules.yaml", 26, "rail.endless.restriction.days", "is required"),
    ("rules.yaml", 30, "rail.endless.cases", "case 'too long': no band is named 'Z'"),
    ("rules.yaml", 30, "rail.endless.cases", "case 'too long': no record 'r9'"),
    (
        "rules.yaml",
        30,
        "rail.endless.cases",
        "case 'too long': no rule has the code 'rail.unknown'",
    ),
    ("rules.yaml", 30, "rail.endless.cases", "case 'too long': the name is already used at"),
    ("rules.yaml", 35, "speech.online_rumours.code", "is a prohibited domain (speech)"),
    ("rules.yaml", 38, "speech.online_rumours.domain", "'speech' is not a domain rulebook.yaml"),
    ("rules.yaml", 38, "speech.online_rumours.domain", "is a prohibited domain (speech)"),
    (
        "rules.yaml",
        43,
        "rail.religious_gathering.code",
        "is a prohibited domain (association, religion)",
    ),
    ("rules.yaml", 57, "tax.late_filing.restriction.scopes", "restricts air, rail outside"),
    ("rules.yaml", 75, "rail.smoking.effective_from", "overlaps the version from 2018-05-01"),
    ("rules.yaml", 79, "rail.conditions.title", "'fr' is not a language (expected: zh-Hans, en)"),
    ("rules.yaml", 83, "rail.conditions.condition", "does not compile"),
    ("rules.yaml", 92, "rail.other_variable.condition", "may read only `record`, not subject"),
    ("rules.yaml", 92, "rail.other_variable.condition", "reads record.months, which"),
    (
        "rules.yaml",
        99,
        "rail.typos.title.zh-Hans",
        "is missing: a title is given in zh-Hans and en",
    ),
    ("rules.yaml", 102, "rail.typos.points", "must be a whole number, not 'ten'"),
    ("rules.yaml", 103, "rail.typos.penalty", "unknown field"),
    ("rules.yaml", 104, "rail.typos.effective_from", "must be a date (YYYY-MM-DD), not 'May 2018'"),
    ("rules.yaml", 105, "rail.typos.effective_from", "appears twice"),
    ("rules.yaml", 107, "rail.typos.attributes", "must be one of int, float, str, bool"),
    ("rules.yaml", 112, "rail.typos.cases[0].expect.restricted", "'bus' is not a scope"),
    ("rules.yaml", 114, "air.wrong_domain.cases", "needs at least one example case"),
    ("rules.yaml", 114, "air.wrong_domain.code", "must start with its domain, 'rail'"),
    ("rules.yaml", 115, "air.wrong_domain.title", "must give the text in each language: {zh-Hans:"),
    ("rules.yaml", 120, "air.wrong_domain.effective_to", "is before effective_from"),
    ("rules.yaml", 127, "rail.kept_long.retain_days", "must be 1 to 1825 days, not 2000"),
    ("rules.yaml", 136, "rail.kept_negative.retain_days", "must be 1 to 1825 days, not -30"),
    ("rules.yaml", 145, "rail.kept_fraction.retain_days", "must be a whole number, not '90.5'"),
]

HEADER = """\
version: "t.1"
base_score: 1000
bands: [{name: A, min_score: 900}, {name: B, min_score: 0}]
domains: {rail: {legal_basis: "Railway Law, art. 1"}, tax: {legal_basis: "Tax Law, art. 1"}}
rules:
"""
CASE = """\
    cases:
      - name: NAME
        as_of: 2019-01-01
        records: []
        expect: {score: 1000, band: A, restricted: [], restrictions: {}}
"""


def rule(code: str, *, domain: str | None = None, extra: str = "") -> str:
    """One rule entry in the format, with a trivial case named after its code."""
    lines = [
        f"  - code: {code}",
        "    title: {zh-Hans: 一条规则, en: A rule}",
        "    legal_basis: Railway Law, art. 1",
        f"    domain: {domain or code.split('.')[0]}",
        "    points: -10",
        "    effective_from: 2018-05-01",
    ]
    return "\n".join(lines) + "\n" + textwrap.indent(extra, "    ") + CASE.replace("NAME", code)


def lint_text(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return lint_rulebook(path)


def test_the_shipped_rulebook_has_no_problem() -> None:
    assert lint_rulebook() == []


def test_every_planted_problem_is_reported_at_its_line() -> None:
    problems = lint_rulebook(BAD)
    found = [(Path(p.file).name, p.line, p.key, p.message) for p in problems]
    assert [f[:3] for f in found] == [e[:3] for e in EXPECTED]
    for (file, line, key, message), expected in zip(found, EXPECTED, strict=True):
        assert message.startswith(expected[3]), (file, line, key, message)


def test_problems_name_the_file_as_given() -> None:
    assert {p.file for p in lint_rulebook(BAD)} == {
        str(BAD / name) for name in ("broken.yaml", "rulebook.yaml", "rules.yaml")
    }


@pytest.mark.parametrize(
    "code",
    [
        "rail.online_speech",
        "social.opinion_expression",
        "civic.protest_assembly",
        "civic.worship_attendance",
        "retail.purchases",
        "retail.shopping_habits",
        "media.press_reports",
        "civic.political_activism",
        "identity.facial_match",
        "identity.biometrics",
    ],
)
def test_prohibited_domains_and_synonyms_are_refused(tmp_path: Path, code: str) -> None:
    problems = lint_text(tmp_path, HEADER + rule(code))
    assert any(p.key == f"{code}.code" and "prohibited domain" in p.message for p in problems)


def test_a_cross_context_restriction_with_its_basis_passes(tmp_path: Path) -> None:
    restriction = 'restriction: {scopes: [air], days: 90, cross_context_basis: "Tax Law, art. 2"}\n'
    assert lint_text(tmp_path, HEADER + rule("tax.evasion", extra=restriction)) == []


def test_a_new_version_starting_the_day_after_the_old_one_ends_does_not_overlap(
    tmp_path: Path,
) -> None:
    old = rule("rail.smoking", extra="effective_to: 2019-12-31\n")
    new = rule("rail.smoking", extra="").replace("2018-05-01", "2020-01-01")
    new = new.replace("name: rail.smoking", "name: rail.smoking from 2020")
    assert lint_text(tmp_path, HEADER + old + new) == []


def test_record_names_inside_condition_strings_are_not_attribute_reads(tmp_path: Path) -> None:
    extra = "condition: record.kind == 'record.other'\nattributes: {kind: str}\n"
    assert lint_text(tmp_path, HEADER + rule("rail.noise", extra=extra)) == []


def test_an_example_that_evaluation_contradicts_is_a_problem(tmp_path: Path) -> None:
    text = HEADER + rule("rail.noise").replace("score: 1000, band: A", "score: 990, band: A")
    [problem] = lint_text(tmp_path, text)
    assert (problem.line, problem.key) == (13, "rail.noise.cases")
    assert problem.message == "case 'rail.noise': expects score 990, evaluation gives 1000"


def test_review_and_rule_terms_out_of_range_are_reported(tmp_path: Path) -> None:
    header = HEADER.replace(
        "rules:\n", "review: {below: 950, legal_basis: x, appeal_days: 0}\nrules:\n"
    )
    extra = "appeal_days: 0\ncounts_for_days: 0\nrestriction: {scopes: [], days: 30}\n"
    problems = lint_text(tmp_path, header + rule("rail.noise", extra=extra))
    assert {(p.key, p.message) for p in problems} == {
        ("review.below", "is above the highest band's min_score"),
        ("review.appeal_days", "must be at least 1, not 0"),
        ("rail.noise.appeal_days", "must be at least 1, not 0"),
        ("rail.noise.counts_for_days", "must be at least 1, not 0"),
        ("rail.noise.restriction.scopes", "must name at least one scope"),
    }


def test_a_contradicted_restriction_is_shown_as_scopes_and_statuses(tmp_path: Path) -> None:
    text = HEADER + rule("rail.noise").replace(
        "score: 1000, band: A, restricted: [], restrictions: {}",
        "score: 990, band: A, restricted: [rail], restrictions: {r1: active}",
    )
    text = text.replace(
        "records: []", "records: [{occurred_on: 2018-12-01, decided_on: 2018-12-02}]"
    )
    [problem] = lint_text(tmp_path, text)
    assert problem.message == (
        "case 'rail.noise': expects restricted [rail], evaluation gives []; "
        "expects restrictions {r1: active}, evaluation gives {}"
    )


@pytest.mark.parametrize(
    ("title", "missing"),
    [
        ("{en: A rule}", "zh-Hans"),
        ("{zh-Hans: 一条规则}", "en"),
        ('{zh-Hans: "  ", en: A rule}', "zh-Hans"),
    ],
)
def test_a_rule_whose_title_lacks_a_language_is_refused(
    tmp_path: Path, title: str, missing: str
) -> None:
    text = HEADER + rule("rail.smoking").replace("{zh-Hans: 一条规则, en: A rule}", title)
    problems = lint_text(tmp_path, text)
    assert [(p.line, p.key) for p in problems] == [(7, f"rail.smoking.title.{missing}")]
    assert problems[0].message == "is missing: a title is given in zh-Hans and en"


def test_retention_within_the_headers_maximum_loads_and_a_rule_without_one_takes_the_default(
    tmp_path: Path,
) -> None:
    header = HEADER.replace("rules:\n", "retention: {default_days: 200, max_days: 400}\nrules:\n")
    text = header + rule("rail.noise", extra="retain_days: 400\n") + rule("rail.smoking")
    assert lint_text(tmp_path, text) == []
    book = load_rulebook(tmp_path / "rules.yaml")
    assert book.retention == Retention(default_days=200, max_days=400)
    kept = {r.code: book.retain_days(r) for r in book.rules}
    assert kept == {"rail.noise": 400, "rail.smoking": 200}


def test_retention_past_the_headers_maximum_is_refused_naming_the_bound(tmp_path: Path) -> None:
    header = HEADER.replace("rules:\n", "retention: {default_days: 500, max_days: 400}\nrules:\n")
    problems = lint_text(tmp_path, header + rule("rail.noise", extra="retain_days: 401\n"))
    assert {(p.line, p.key, p.message) for p in problems} == {
        (5, "retention.default_days", "must be 1 to 400 days (retention.max_days), not 500"),
        (13, "rail.noise.retain_days", "must be 1 to 400 days (retention.max_days), not 401"),
    }


def test_a_retention_block_needs_both_bounds_as_whole_numbers(tmp_path: Path) -> None:
    header = HEADER.replace("rules:\n", "retention: {default_days: a year}\nrules:\n")
    problems = lint_text(tmp_path, header + rule("rail.noise"))
    assert {(p.key, p.message) for p in problems} == {
        ("retention.default_days", "must be a whole number, not 'a year'"),
        ("retention.max_days", "is required"),
    }
