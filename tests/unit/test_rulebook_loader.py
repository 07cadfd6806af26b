"""Loading rulebooks: the shipped default, and strict errors that name file, line and key."""

from __future__ import annotations

import re
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from trustledger.domain.errors import Problem, RulebookInvalid
from trustledger.domain.rulebook import Scope
from trustledger.domain.texts import Language
from trustledger.rulebook import default_rulebook_path, load_cases, load_rulebook

CODES = {
    "rail.smoking", "rail.disorder", "rail.forged_ticket", "rail.ticket_resale",
    "rail.fare_evasion", "air.false_threat", "air.disorder", "air.forged_identity",
    "court.judgment_default", "social_insurance.unpaid", "tax.serious_evasion",
    # The rest of the 2018 rules (issue 13)
    "air.prohibited_items", "air.cockpit_intrusion", "air.obstructing_staff",
    "air.smoking_fire_devices", "air.theft_on_board", "air.altered_documents",
    "rail.ticket_forgery", "rail.fraudulent_discount_id", "rail.smoking_other_trains",
    "court.obstructing_enforcement", "court.asset_concealment", "court.false_property_report",
    "court.restriction_order_breach", "court.settlement_default", "tax.major_violation",
}  # fmt: skip
# Rules whose 2018 versions departed from the sources: ended, with a new version from 2027.
CORRECTED = {
    "rail.disorder", "rail.forged_ticket", "rail.fare_evasion", "social_insurance.unpaid",
    "tax.serious_evasion",
}  # fmt: skip
NEW = date(2027, 1, 1)
CROSS_CONTEXT = {"court.judgment_default", "social_insurance.unpaid", "tax.serious_evasion"}
START = date(2018, 5, 1)

HEADER = """\
version: "t.1"
base_score: 1000
bands: [{name: A, min_score: 900}, {name: B, min_score: 0}]
# The closed world: the one domain these rules may have.
domains: {rail: {legal_basis: "Railway Law, art. 1"}}
"""
RULE = """\
rules:
  - code: rail.smoking
    title: {zh-Hans: 在列车上吸烟, en: Smoking on a train}
    legal_basis: Railway Law, art. 1
    domain: rail
    points: -50
    restriction: {scopes: [rail], days: 180}
    effective_from: 2018-05-01
    cases:
      - name: smoking bars trains
        as_of: 2019-03-20
        records: [{occurred_on: 2019-03-01, decided_on: 2019-03-05}]
        expect: {score: 950, band: A, restricted: [rail], restrictions: {r1: active}}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(RulebookInvalid) as caught:
        load_rulebook(path)
    return list(caught.value.problems)


def test_default_rulebook_has_exactly_the_agreed_codes() -> None:
    assert load_rulebook().codes() == CODES


def test_default_rulebook_header_sets_base_bands_and_review() -> None:
    rulebook = load_rulebook()
    assert rulebook.base_score == 1000
    assert [(b.name, b.min_score) for b in rulebook.bands] == [
        ("A", 960), ("B", 850), ("C", 600), ("D", 0)
    ]  # fmt: skip
    assert rulebook.review is not None
    assert (rulebook.review.below, rulebook.review.notice_days) == (850, 10)
    assert (rulebook.review.appeal_days, rulebook.review.max_days) == (15, 365)
    assert [rulebook.band_for(s) for s in (960, 959, 850, 849, 600, 599, -20)] == list("ABBCCDD")


def test_default_rules_are_in_force_from_1_may_2018_with_the_default_safeguards() -> None:
    for rule in load_rulebook().rules:
        if rule.code in CORRECTED and rule.effective_from == START:
            assert rule.effective_to == NEW - timedelta(days=1), rule.code
        elif rule.code in CORRECTED or rule.code == "tax.major_violation":
            assert (rule.effective_from, rule.effective_to) == (NEW, None), rule.code
        else:
            assert (rule.effective_from, rule.effective_to) == (START, None), rule.code
        assert (rule.notice_days, rule.appeal_days, rule.counts_for_days) == (10, 15, 730)
        assert rule.points < 0, rule.code
        assert rule.restriction is not None
        assert rule.restriction.days <= 365


def test_default_rules_cite_the_2018_instruments_and_the_spc_provisions() -> None:
    rulebook = load_rulebook()
    for rule in rulebook.rules:
        if rule.domain == "rail":
            assert "发改财金〔2018〕384号" in rule.legal_basis
            assert rule.restriction is not None
            assert rule.restriction.scopes == {Scope.RAIL}
        if rule.domain == "air":
            assert "发改财金〔2018〕385号" in rule.legal_basis
            assert rule.restriction is not None
            assert (rule.restriction.scopes, rule.restriction.days) == ({Scope.AIR}, 365)
    court = rulebook.rule_for("court.judgment_default", START)
    assert court is not None
    assert "Fa Shi 2017 No. 7" in court.legal_basis


def test_rail_offences_bar_trains_for_180_days_and_fare_evasion_until_paid() -> None:
    rulebook = load_rulebook()
    for code in ("rail.smoking", "rail.disorder", "rail.forged_ticket", "rail.ticket_resale"):
        rule = rulebook.rule_for(code, START)
        assert rule is not None
        assert rule.restriction is not None
        assert (rule.restriction.days, rule.lift_on_fulfilment) == (180, False)
    fare = rulebook.rule_for("rail.fare_evasion", START)
    assert fare is not None
    assert fare.restriction is not None
    assert (fare.restriction.days, fare.lift_on_fulfilment) == (365, True)


def test_other_agencies_lists_reach_air_and_premium_rail_with_a_stated_basis() -> None:
    rulebook = load_rulebook()
    for code in CROSS_CONTEXT:
        rule = rulebook.rule_for(code, START)
        assert rule is not None
        assert rule.restriction is not None
        assert rule.restriction.scopes == {Scope.AIR, Scope.RAIL_PREMIUM}
        assert rule.restriction.cross_context_basis
        assert rule.lift_on_fulfilment
        assert ("amount_cny", "int") in rule.attributes
    unpaid = rulebook.rule_for("social_insurance.unpaid", START)
    assert unpaid is not None
    assert unpaid.condition == "record.amount_cny >= 5000 || record.months_unpaid >= 3"
    assert unpaid.attributes == (("amount_cny", "int"), ("months_unpaid", "int"))


def test_three_of_the_lightest_restricting_findings_push_a_person_below_850() -> None:
    rulebook = load_rulebook()
    # Not the rail findings restricted "until the fare is paid".
    serious = sorted(
        r.points for r in rulebook.rules if not (r.domain == "rail" and r.lift_on_fulfilment)
    )
    assert rulebook.base_score + sum(serious[-3:]) < 850
    assert rulebook.base_score + sum(serious[:2]) < 850


def test_the_default_is_loaded_once_and_matches_a_load_by_path() -> None:
    assert load_rulebook() is load_rulebook()
    assert load_rulebook(default_rulebook_path()) == load_rulebook()
    assert len(load_cases(default_rulebook_path())) == len(load_cases())


def test_default_rulebook_files_are_package_data_inside_the_package() -> None:
    names = {p.name for p in default_rulebook_path().glob("*.yaml")}
    assert {"rulebook.yaml", "rail.yaml", "air.yaml", "court.yaml", "tax.yaml"} <= names
    assert default_rulebook_path().parent.name == "rulebook"


def test_a_single_file_may_hold_the_header_and_the_rules(tmp_path: Path) -> None:
    path = write(tmp_path, "one.yaml", HEADER + RULE)
    rulebook = load_rulebook(path)
    assert (rulebook.version, rulebook.codes()) == ("t.1", {"rail.smoking"})
    assert [c.name for c in load_cases(path)] == ["smoking bars trains"]


def test_every_default_rule_has_its_title_in_chinese_and_english() -> None:
    for rule in load_rulebook().rules:
        zh, en = rule.title.in_language(Language.ZH_HANS), rule.title.en
        assert re.search("[\u4e00-\u9fff]", zh), rule.code
        assert not re.search("[A-Za-z]{2,}", zh), rule.code
        assert en.isascii(), rule.code
    smoking = load_rulebook().rule_for("rail.smoking", START)
    assert smoking is not None
    assert smoking.title.as_dict() == {
        "zh-Hans": "在动车组列车上吸烟",
        "en": "Smoking on a high-speed (EMU) train",
    }


def test_a_title_given_as_plain_text_is_refused_with_the_shape_it_needs(tmp_path: Path) -> None:
    text = RULE.replace("{zh-Hans: 在列车上吸烟, en: Smoking on a train}", "Smoking on a train")
    [problem] = problems_of(write(tmp_path, "one.yaml", HEADER + text))
    assert (problem.line, problem.key) == (8, "rail.smoking.title")
    assert problem.message == "must give the text in each language: {zh-Hans: …, en: …}"


def test_an_unknown_field_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "one.yaml", HEADER + RULE.replace("    domain: rail\n", "    domian: rail\n")
    )
    missing, unknown = problems_of(path)
    assert str(missing) == f"{path}:7: rail.smoking.domain: is required"
    assert (unknown.file, unknown.line, unknown.key) == (str(path), 10, "rail.smoking.domian")
    assert unknown.message == "unknown field (did you mean domain?)"


def test_a_wrong_type_is_named_at_the_value_line(tmp_path: Path) -> None:
    path = write(tmp_path, "one.yaml", HEADER + RULE.replace("points: -50", "points: '-50'"))
    [problem] = problems_of(path)
    assert (problem.line, problem.key) == (11, "rail.smoking.points")
    assert problem.message == "must be a whole number, not '-50'"


def test_a_missing_restriction_field_is_named_at_the_restriction_line(tmp_path: Path) -> None:
    path = write(tmp_path, "one.yaml", HEADER + RULE.replace("scopes: [rail], ", ""))
    [problem] = problems_of(path)
    assert str(problem) == f"{path}:12: rail.smoking.restriction.scopes: is required"


def test_a_date_with_a_time_or_in_words_is_refused(tmp_path: Path) -> None:
    text = HEADER + RULE.replace("2018-05-01", "2018-05-01 10:00:00").replace(
        "as_of: 2019-03-20", "as_of: 20 March 2019"
    )
    problems = problems_of(write(tmp_path, "one.yaml", text))
    assert [(p.line, p.key) for p in problems] == [
        (13, "rail.smoking.effective_from"),
        (16, "rail.smoking.cases[0].as_of"),
    ]


def test_problems_in_several_files_are_all_reported(tmp_path: Path) -> None:
    write(tmp_path, "rulebook.yaml", HEADER + "review: {below: 850}\n")
    write(tmp_path, "rail.yaml", RULE.replace("days: 180", "days: lots"))
    write(tmp_path, "air.yaml", "version: '2'\n")
    write(tmp_path, "empty.yaml", "")
    write(tmp_path, "list.yaml", "- just a list\n")
    found = {(Path(p.file).name, p.line, p.key, p.message) for p in problems_of(tmp_path)}
    assert found == {
        ("air.yaml", 1, "version", f"the header is already given in {tmp_path / 'rulebook.yaml'}"),
        ("empty.yaml", 1, "-", "the file is empty"),
        ("list.yaml", 1, "-", "must be a mapping of keys to values"),
        ("rail.yaml", 7, "rail.smoking.restriction.days", "must be a whole number, not 'lots'"),
        ("rulebook.yaml", 6, "review.legal_basis", "is required"),
    }


def test_a_missing_path_or_an_empty_directory_is_a_problem(tmp_path: Path) -> None:
    [missing] = problems_of(tmp_path / "nowhere")
    assert missing.message == "no such file or directory"
    [empty] = problems_of(tmp_path)
    assert empty.message == "the directory holds no *.yaml file"


def test_a_rulebook_the_linter_refuses_does_not_load(tmp_path: Path) -> None:
    path = write(tmp_path, "one.yaml", HEADER + RULE.replace("days: 180", "days: 366"))
    [problem] = problems_of(path)
    assert (problem.line, problem.key) == (12, "rail.smoking.restriction.days")


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "message"),
    [
        (RULE, "rules: 5\n", 6, "rules", "must be a list of rules"),
        (RULE, "rules: [just text]\n", 6, "rules[0]", "must be a mapping of keys to values"),
        (
            "{scopes: [rail], days: 180}",
            "forever",
            12,
            "rail.smoking.restriction",
            "must be a mapping of keys to values",
        ),
        ("    cases:", "    attributes: {a: int, a: str}\n    cases:", 14,
         "rail.smoking.attributes", "'a' appears twice"),
        ("    cases:", "    attributes: [a]\n    cases:", 14, "rail.smoking.attributes",
         "must be a mapping"),
        ("        expect: {score: 950, band: A, restricted: [rail], restrictions: {r1: active}}\n",
         "", 15, "rail.smoking.cases[0].expect", "is required"),
        ("{r1: active}", "{r1: banned}", 18, "rail.smoking.cases[0].expect.restrictions",
         "'banned' is not a restriction status (expected: awaiting_notice, pending, active,"),
    ],
)  # fmt: skip
def test_structural_problems_name_their_line_and_key(
    tmp_path: Path, old: str, new: str, line: int, key: str, message: str
) -> None:
    path = write(tmp_path, "one.yaml", HEADER + RULE.replace(old, new))
    problems = [p for p in problems_of(path) if p.key != "rail.smoking.cases"]
    assert [(p.line, p.key) for p in problems] == [(line, key)], problems
    assert problems[0].message.startswith(message)


def test_optional_values_may_be_null_quoted_or_of_any_declared_type(tmp_path: Path) -> None:
    text = HEADER + RULE.replace("effective_from: 2018-05-01", "effective_from: '2018-05-01'")
    declared = "    attributes: {flag: bool, rate: float, note: str, n: int}\n"
    text = text.replace("    cases:", "    effective_to: null\n" + declared + "    cases:")
    text = text.replace(
        "records: [{occurred_on: 2019-03-01,",
        "records: [{attributes: {flag: true, rate: 1.5, note: x, n: 2}, occurred_on: 2019-03-01,",
    )
    rule = load_rulebook(write(tmp_path, "one.yaml", text)).rules[0]
    assert (rule.effective_from, rule.effective_to) == (START, None)
    [case] = load_cases(tmp_path / "one.yaml")
    assert case.records[0].attributes == {"flag": True, "rate": 1.5, "note": "x", "n": 2}


def test_a_yaml_entry_that_cannot_be_read_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "rulebook.yaml", HEADER)
    (tmp_path / "odd.yaml").mkdir()
    [problem] = problems_of(tmp_path)
    assert (Path(problem.file).name, problem.line) == ("odd.yaml", 1)
    assert problem.message.startswith("cannot read the file")


def test_the_2018_rules_are_encoded_in_full_with_their_terms() -> None:
    rulebook = load_rulebook()
    later = date(2027, 6, 1)
    days = {
        c: r.restriction.days for c in CODES if (r := rulebook.rule_for(c, START)) and r.restriction
    }
    for code in (
        "air.prohibited_items",
        "air.cockpit_intrusion",
        "air.obstructing_staff",
        "air.smoking_fire_devices",
        "air.theft_on_board",
        "air.altered_documents",
    ):
        assert days[code] == 365, code
    assert days["rail.ticket_forgery"] == days["rail.smoking_other_trains"] == 180
    discount = rulebook.rule_for("rail.fraudulent_discount_id", START)
    assert discount is not None
    assert discount.lift_on_fulfilment  # until paid
    forged = rulebook.rule_for("rail.forged_ticket", later)
    assert forged is not None
    assert forged.lift_on_fulfilment  # travelling on a forged ticket: until paid, from 2027
    disorder = rulebook.rule_for("rail.disorder", later)
    assert disorder is not None
    assert disorder.condition == "record.endangers_rail_safety && record.serious_social_impact"
    fare = rulebook.rule_for("rail.fare_evasion", later)
    assert fare is not None
    assert fare.history is not None
    assert (fare.history.at_least, fare.history.within_days) == (3, 365)
    assert fare.history.restriction is not None
    assert fare.history.restriction.after_fulfilment_days == 90
    for code in (
        "court.obstructing_enforcement",
        "court.asset_concealment",
        "court.false_property_report",
        "court.restriction_order_breach",
        "court.settlement_default",
    ):
        court = rulebook.rule_for(code, START)
        assert court is not None
        assert "Fa Shi 2017 No. 7), Art. 1(" in court.legal_basis, code
        assert court.lift_on_fulfilment, code
    for code in ("tax.major_violation", "social_insurance.unpaid"):
        rule = rulebook.rule_for(code, later)
        assert rule is not None
        assert (rule.condition, rule.attributes) == (
            "record.able_to_pay",
            (("able_to_pay", "bool"),),
        )
    assert rulebook.rule_for("tax.serious_evasion", later) is None
