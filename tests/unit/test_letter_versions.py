"""Each version of the letter templates writes the same bytes forever: a kept letter is written
again from its facts when read, so a change to a letter's words is a new version beside the old."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from trustledger.delivery.letters import TEMPLATE_VERSIONS, JinjaLetters
from trustledger.domain.texts import Language
from trustledger.services.due_process.letters import facts_context

COMMON: dict[str, Any] = {
    "subject": "11010519491231002X",
    "notice_id": "ntc_pinned",
    "issued_on": "2026-11-25",
    "appeal_url": "https://portal.example.org/portal",
    "access_code": "ABCD-EFGH-JKLM-NPQR",
}
RECORD: dict[str, Any] = {
    "title": "Refusing to perform a judgment",
    "record_id": "rec_pinned",
    "case_ref": "(2026) Jing 0105 Zhi 1234",
    "source": "beijing-court",
    "decided_on": "2026-10-20",
}
FACTS: dict[str, dict[str, Any]] = {
    "restriction": RECORD
    | {
        "reason": "court.judgment_default",
        "legal_basis": "法释〔2017〕7号",
        "scopes": ["air", "rail_premium"],
        "starts_on": "2026-12-05",
        "ends_on": "2027-12-04",
        "appeal_by": "2026-12-25",
        "lift_on_fulfilment": True,
        "suspend_on_appeal": True,
    },
    "review": {"review_case_id": "rev_pinned", "score": 540, "below": 600},
    "lifted": RECORD | {"lifted_on": "2027-01-10"},
    "expired": RECORD | {"ends_on": "2027-12-04"},
    "decision": RECORD
    | {
        "appeal_id": "apl_pinned",
        "outcome": "modified",
        "ends_on": "2027-06-01",
        "reasons": "Partly paid.",
    },
    "correction": RECORD
    | {
        "changes": [
            ["occurred_on", "2026-09-01", "2026-09-02"],
            ["evidence_ref", "(none)", "ev/9"],
        ],
        "reasons": "A typing error.",
        "adverse": False,
    },
    "withdrawal": RECORD | {"reasons": "Wrong person.", "lifted_on": "2026-11-25"},
    "erasure": RECORD
    | {
        "erasure_case_id": "era_pinned",
        "requested_on": "2026-11-20",
        "outcome": "refused",
        "reasons": "A claim is pending.",
        "decided_on": "2026-11-25",
    },
}

# SHA-256 of subject line, text and HTML (each followed by NUL) of each pinned letter.
PINNED: dict[tuple[str, str, str], str] = {
    (
        "1",
        "restriction",
        "zh-Hans",
    ): "6420bb1941ebd4956b7fcd5730e1d1ad0142e99a0f21876507388c48ffa0a6fc",
    ("1", "restriction", "en"): "fda51b781a75b5b1a5de1d5915cace0f83800b7e337ef11b85f04623f72147ca",
    ("1", "review", "zh-Hans"): "21f4ea8650fe5749ddeff4933f090379999846215f992dbf43a54a1b8daca7c5",
    ("1", "review", "en"): "2086b94dabf1f5eb630647337e62ef5f84970ce55fa7acf93e79d329bee2aca5",
    ("1", "lifted", "zh-Hans"): "c88d757fbe946baad4363170413246c5b7cf3364d09dd018fa3303a79a7a7888",
    ("1", "lifted", "en"): "4fb39c25ee002ce4793a365bdc155455d9c31fd1835dfba8934e095e01f92c44",
    ("1", "expired", "zh-Hans"): "0261b59453170ce019e96ba17f3cba61547cffcca77086c91727f996dd0d5470",
    ("1", "expired", "en"): "9857b787572e3b29e421f1dea915345db3b268bc243c53388d759a1b31751293",
    (
        "1",
        "decision",
        "zh-Hans",
    ): "8f094a54da94e62671b270a0f5e8b7f250a07483210b270d5345d5a256ea3d9e",
    ("1", "decision", "en"): "49ccd26a9aeca67387743b0518a9f45b084ee9a5694b31da2181af83218b1879",
    (
        "1",
        "correction",
        "zh-Hans",
    ): "50a9daab24f7c1ed4dd70c699669587da60088cdefd157c2f32ea449bccd2a50",
    ("1", "correction", "en"): "e2e11efb98134cbdcca40e3c671fcbb78c8416c37ed990a6edf0dab5c0d32e49",
    (
        "1",
        "withdrawal",
        "zh-Hans",
    ): "8882250bbd68d8ecb16d333f106ec344f0e5aeffae5d41344f5afc2f4926928a",
    ("1", "withdrawal", "en"): "bbd63fe22d2772d559d9017a1b2946e4f4b2e3c47e1eca6f5a22c6e29aea53e7",
    # Added to version 1 with the erasure purpose: no letter of the others changed a byte.
    ("1", "erasure", "zh-Hans"): "60af5f625fbb9d5f49ad94a8a75fa74a636327b0d0f30fca01f389b4dc397b9f",
    ("1", "erasure", "en"): "06e8b22c1e6476f9ee5f3da7d38cc5f3ee3f80339d93bd3cf182dcbdbbc1f618",
}


def written(version: str, purpose: str, language: Language) -> str:
    context = facts_context(COMMON | {"purpose": purpose} | FACTS[purpose])
    letter = JinjaLetters().render(purpose, context, language=language, version=version)
    digest = hashlib.sha256()
    for part in (letter.subject_line, letter.text, letter.html):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


CASES = [
    (version, purpose, language)
    for version in TEMPLATE_VERSIONS
    for purpose in FACTS
    for language in Language
]


@pytest.mark.parametrize(("version", "purpose", "language"), CASES)
def test_a_letter_version_writes_the_bytes_pinned_for_it(
    version: str, purpose: str, language: Language
) -> None:
    assert written(version, purpose, language) == PINNED[(version, purpose, language.value)]


def test_an_unknown_template_version_is_refused() -> None:
    with pytest.raises(ValueError, match="no letter templates of version '0'"):
        JinjaLetters().render("review", facts_context(COMMON), language=Language.EN, version="0")
