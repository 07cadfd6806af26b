"""Hostile rulebooks, each refused with its reason: the linter cannot be talked round."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustledger.domain.errors import Problem
from trustledger.rulebook import lint_rulebook
from trustledger.rulebook.vocabulary import fold, prohibited_matter

SOUND = """\
version: "h.1"
base_score: 1000
bands: [{name: A, min_score: 900}, {name: B, min_score: 0}]
domains:
  rail: {legal_basis: "NDRC and others, 发改财金〔2018〕384号"}
rules:
  - code: rail.smoking
    title: {zh-Hans: 在动车组列车上吸烟, en: Smoking on a high-speed train}
    legal_basis: NDRC and others, 发改财金〔2018〕384号 (rail)
    domain: rail
    points: -50
    restriction: {scopes: [rail], days: 180}
    notice_days: 10
    condition: record.carriages >= 1
    attributes: {carriages: int}
    effective_from: 2018-05-01
    cases:
      - name: smoking bars trains
        as_of: 2019-03-20
        records: [{occurred_on: 2019-03-01, decided_on: 2019-03-05, attributes: {carriages: 8}}]
        expect: {score: 950, band: A, restricted: [rail], restrictions: {r1: active}}
"""


def lint_text(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "rulebook.yaml"
    path.write_text(text, encoding="utf-8")
    return lint_rulebook(path)


def test_the_sound_rulebook_the_hostile_ones_start_from_passes(tmp_path: Path) -> None:
    assert lint_text(tmp_path, SOUND) == []


# (what it tries, text replaced, replacement, the key refused, what the reason says)
HOSTILE = [
    ("a synonym in the code", "code: rail.smoking", "code: rail.utterance", "rail.utterance.code",
     "prohibited domain (speech)"),
    ("a plural synonym", "code: rail.smoking", "code: rail.sermons_and_worship",
     "rail.sermons_and_worship.code", "prohibited domain (religion)"),
    ("camelCase in the code", "code: rail.smoking", "code: rail.freeSpeech",
     "rail.freeSpeech.code", "prohibited domain (speech)"),
    ("words run together", "code: rail.smoking", "code: rail.antigovernmentpolitics",
     "rail.antigovernmentpolitics.code", "prohibited domain (political activity)"),
    ("Cyrillic look-alike letters", "code: rail.smoking", "code: rail.rеligion",
     "rail.rеligion.code", "prohibited domain (religion)"),
    ("digits for letters", "code: rail.smoking", "code: rail.sp33ch", "rail.sp33ch.code",
     "prohibited domain (speech)"),
    ("full-width letters", "code: rail.smoking", "code: rail.ｐｒｏｔｅｓｔ",
     "rail.ｐｒｏｔｅｓｔ.code", "prohibited domain (association)"),
    ("an invisible character inside a word", "code: rail.smoking", "code: rail.jour\u200bnalism",
     "rail.jour\u200bnalism.code", "prohibited domain (journalism)"),
    ("Chinese in the title", "zh-Hans: 在动车组列车上吸烟", "zh-Hans: 发表不当言论",
     "rail.smoking.title", "prohibited matter (speech)"),
    ("Chinese religion in the title", "zh-Hans: 在动车组列车上吸烟",
     "zh-Hans: 参加宗教活动", "rail.smoking.title", "prohibited matter (religion)"),
    ("an English synonym in the title", "en: Smoking on a high-speed train",
     "en: Spreading rumours about the railway", "rail.smoking.title",
     "prohibited matter (speech)"),
    ("whom someone talks to", "en: Smoking on a high-speed train",
     "en: Phone calls with foreign contacts", "rail.smoking.title",
     "prohibited matter (whom someone talks to)"),
    ("purchases in Chinese", "zh-Hans: 在动车组列车上吸烟", "zh-Hans: 网购消费记录异常",
     "rail.smoking.title", "prohibited matter (purchases)"),
    ("biometrics in an attribute name", "attributes: {carriages: int}",
     "attributes: {carriages: int, faceMatchScore: float}", "rail.smoking.attributes",
     "prohibited matter (biometrics)"),
    ("a snake_case attribute", "attributes: {carriages: int}",
     "attributes: {carriages: int, attended_protest: bool}", "rail.smoking.attributes",
     "prohibited matter (association)"),
    ("a prohibited word inside a condition string", "condition: record.carriages >= 1",
     "condition: record.carriages >= 1 || 'petition' == 'petition'", "rail.smoking.condition",
     "prohibited matter (association)"),
    ("a prohibited domain declared in the header", "  rail: {legal_basis:",
     "  religion: {legal_basis: 《宗教事务条例》}\n  rail: {legal_basis:", "domains.religion",
     "prohibited domain (religion)"),
    ("a domain not declared", "    domain: rail\n", "    domain: retail_conduct\n",
     "rail.smoking.domain", "not a domain rulebook.yaml permits"),
    ("no declared domains at all", "domains:\n  rail: {legal_basis: \"NDRC and others, "
     "发改财金〔2018〕384号\"}\n", "", "domains", "is required"),
    ("an undeclared attribute by index", "condition: record.carriages >= 1",
     "condition: record[\"religion\"] == 'x'", "rail.smoking.condition",
     "reads record.religion, which `attributes` does not declare"),
    ("a computed attribute key", "condition: record.carriages >= 1",
     "condition: record[\"spe\" + \"ech\"] == 'x'", "rail.smoking.condition",
     "reads `record` other than by a declared attribute's name"),
    ("an escaped attribute key", "condition: record.carriages >= 1",
     "condition: record[\"\\\\x73peech\"] == 'x'", "rail.smoking.condition",
     "reads `record` other than by a declared attribute's name"),
    ("a macro over the record's keys", "condition: record.carriages >= 1",
     "condition: record.exists(k, k == 'opinion_score')", "rail.smoking.condition",
     "reads `record` other than by a declared attribute's name"),
    ("a membership test on the record", "condition: record.carriages >= 1",
     "condition: '\"trade_union\" in record'", "rail.smoking.condition",
     "reads `record` other than by a declared attribute's name"),
    ("an example record with an undeclared attribute", "attributes: {carriages: 8}",
     "attributes: {carriages: 8, party_member: true}", "rail.smoking.cases",
     "attributes.party_member: is not an attribute of rule rail.smoking"),
    ("an example record with a wrongly typed attribute", "attributes: {carriages: 8}",
     "attributes: {carriages: eight}", "rail.smoking.cases",
     "attributes.carriages: must be of type int"),
    ("0-day notice", "notice_days: 10", "notice_days: 0", "rail.smoking.notice_days",
     "must be 7 to 60 days, not 0"),
    ("chained notice periods past 60 days", "notice_days: 10", "notice_days: 180",
     "rail.smoking.notice_days", "must be 7 to 60 days, not 180"),
    ("a record that counts for ever", "notice_days: 10",
     "notice_days: 10\n    counts_for_days: 3650", "rail.smoking.counts_for_days",
     "must be at most 1825, not 3650"),
    ("a restriction from a record worth nothing", "points: -50", "points: 0",
     "rail.smoking.points", "must be negative for a rule that restricts"),
    ("a basis naming no document", "legal_basis: NDRC and others, 发改财金〔2018〕384号 (rail)",
     "legal_basis: The relevant national rules", "rail.smoking.legal_basis",
     "must name a document"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_a_hostile_rulebook_is_refused_with_its_reason(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    assert old in SOUND
    problems = lint_text(tmp_path, SOUND.replace(old, new, 1))
    refused = [p for p in problems if p.key == key and reason in p.message]
    assert refused, problems
    assert all(p.file == str(tmp_path / "rulebook.yaml") and p.line > 0 for p in refused)


def test_a_basis_may_point_to_its_document_with_a_reference(tmp_path: Path) -> None:
    text = SOUND.replace(
        "legal_basis: NDRC and others, 发改财金〔2018〕384号 (rail)",
        "legal_basis: The rail operator's published conditions\n"
        "    legal_basis_ref: https://example.org/conditions/2018",
    )
    assert lint_text(tmp_path, text) == []


@pytest.mark.parametrize(
    "text",
    ["Smoking on a high-speed (EMU) train", "在动车组列车上吸烟", "Carrying prohibited items",
     "倒卖车票", "Refusing to pay social insurance contributions", "冒用优惠身份证件购票",
     "rail.fare_evasion", "court.asset_concealment", "Obstructing crew, security or check-in "
     "staff", "Forcing into the cockpit", "Using a mobile phone or other prohibited electronic "
     "device on board"],
)  # fmt: skip
def test_ordinary_conduct_is_not_mistaken_for_prohibited_matter(text: str) -> None:
    assert prohibited_matter(text) == []


def test_folding_splits_cases_and_reads_look_alikes_as_latin() -> None:
    assert fold("freeSpeech_ΟPINION") == "free speech_opinion"
    assert fold("2018-05-01") == "2018-05-01"  # numbers stay numbers


REPEAT = """\
    repeat:
      codes: [rail.smoking]
      count: 3
      within_days: 365
      restriction: {scopes: [rail], days: 365, after_fulfilment_days: 90}
"""


def test_a_repeat_term_in_the_yaml_form_loads_and_its_cases_hold(tmp_path: Path) -> None:
    text = SOUND.replace(
        "    effective_from: 2018-05-01\n", REPEAT + "    effective_from: 2018-05-01\n"
    )
    assert lint_text(tmp_path, text) == []


@pytest.mark.parametrize(
    ("old", "new", "key", "reason"),
    [
        ("codes: [rail.smoking]", "codes: [rail.noise]", "rail.smoking.repeat.codes",
         "no rule has the code 'rail.noise'"),
        ("count: 3", "count: 1", "rail.smoking.repeat.count", "must be at least 2, not 1"),
        ("within_days: 365", "within_days: 5000", "rail.smoking.repeat.within_days",
         "must be 1 to 1825 days, not 5000"),
        ("days: 365, after", "days: 900, after", "rail.smoking.repeat.restriction.days",
         "must be 1 to 365 days, not 900"),
        ("after_fulfilment_days: 90", "after_fulfilment_days: 400",
         "rail.smoking.repeat.restriction.after_fulfilment_days", "must be 1 to 365 days"),
        ("scopes: [rail], days: 365", "scopes: [air], days: 365",
         "rail.smoking.repeat.restriction.scopes", "without a cross_context_basis"),
        ("      count: 3\n", "      count: 3\n      at_least: 12\n", "rail.smoking.repeat.at_least",
         "unknown field"),
    ],
)  # fmt: skip
def test_a_bad_history_term_is_refused_with_its_reason(
    tmp_path: Path, old: str, new: str, key: str, reason: str
) -> None:
    text = SOUND.replace(
        "    effective_from: 2018-05-01\n", REPEAT + "    effective_from: 2018-05-01\n"
    )
    problems = lint_text(tmp_path, text.replace(old, new, 1))
    assert any(p.key == key and reason in p.message for p in problems), problems


def test_a_gating_term_on_a_rule_that_restricts_nothing_is_refused(tmp_path: Path) -> None:
    text = SOUND.replace("    restriction: {scopes: [rail], days: 180}\n", "").replace(
        "    effective_from: 2018-05-01\n",
        "    points_within: {codes: [rail.smoking], days: 1095, at_least: 12}\n"
        "    effective_from: 2018-05-01\n",
    )
    problems = lint_text(tmp_path, text)
    assert any(
        p.key == "rail.smoking.points_within" and "no restriction to give" in p.message
        for p in problems
    ), problems
