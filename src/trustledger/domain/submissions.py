"""A record body checked against the identity scheme, the rulebook and the source's grant."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

import orjson

from trustledger.domain.attributes import typed_attributes
from trustledger.domain.errors import Forbidden, InvalidInput
from trustledger.domain.identity import IdentityScheme
from trustledger.domain.notice_letters import Contact
from trustledger.domain.records import Record
from trustledger.domain.rulebook import Rule, Rulebook
from trustledger.domain.texts import Language, parse_language

FIELDS = frozenset(
    {
        "subject",
        "type",
        "occurred_on",
        "decided_on",
        "case_ref",
        "evidence_ref",
        "attributes",
        "contact",
        "contact_language",
    }
)
REQUIRED = ("subject", "type", "occurred_on", "decided_on", "case_ref")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CASE_REF = re.compile(r"[^\x00-\x1f\x7f]{1,128}")
MAX_EVIDENCE_REF = 256
# A plausible address, and nothing that could break out of an email header (no spaces, commas,
# angle brackets or line breaks): whether it exists, only a delivery attempt can tell.
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
MAX_EMAIL = 254


@dataclass(frozen=True, slots=True)
class Source:
    """An authorized body and the record types (fnmatch patterns such as `rail.*`) it may submit."""

    name: str
    types: tuple[str, ...]

    def may_submit(self, code: str) -> bool:
        return _matches(code, self.types)


@lru_cache(maxsize=1024)  # asked once per line of an import, about a handful of codes
def _matches(code: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatchcase(code, pattern) for pattern in patterns)


def record_id_for(source: str, case_ref: str) -> str:
    """The same (source, case_ref) always names the same record: idempotency by construction."""
    digest = hashlib.sha256(f"{source}\x1f{case_ref}".encode()).hexdigest()
    return f"rec_{digest[:32]}"


def payload_hash(record: Record) -> str:
    return hashlib.sha256(orjson.dumps(record.payload(), option=orjson.OPT_SORT_KEYS)).hexdigest()


def validate_submission(
    body: Mapping[str, Any],
    *,
    source: Source,
    rulebook: Rulebook,
    scheme: IdentityScheme,
    today: date,
    text_attributes: bool = False,
) -> Record:
    """The record the body describes, or InvalidInput / Forbidden naming the field at fault.

    `text_attributes` reads attribute values written as text (CSV) as the rule's declared types.
    """
    if not isinstance(body, Mapping):
        raise InvalidInput("body", "must be a JSON object")
    unknown = sorted(str(name) for name in set(body) - FIELDS)
    if unknown:
        raise InvalidInput(unknown[0], "unknown field")
    for name in REQUIRED:
        if body.get(name) in (None, ""):
            raise InvalidInput(name, "is required")
    subject = scheme.normalize(body["subject"], field="subject")
    rule = _rule(body["type"], body, rulebook, source)
    occurred_on, decided_on = _dates(body, today)
    case_ref = body["case_ref"]
    if not isinstance(case_ref, str) or not CASE_REF.fullmatch(case_ref):
        raise InvalidInput("case_ref", "must be 1 to 128 printable characters")
    contact_of(body)
    return Record(
        record_id=record_id_for(source.name, case_ref),
        subject=subject,
        type=rule.code,
        occurred_on=occurred_on,
        decided_on=decided_on,
        source=source.name,
        case_ref=case_ref,
        evidence_ref=_evidence_ref(body.get("evidence_ref")),
        attributes=typed_attributes(
            body.get("attributes"), rule.attributes, code=rule.code, text=text_attributes
        ),
    )


def _rule(code: Any, body: Mapping[str, Any], rulebook: Rulebook, source: Source) -> Rule:
    if not isinstance(code, str) or code not in rulebook.codes():
        raise InvalidInput("type", f"{code!r} is not a record type in rulebook {rulebook.version}")
    if not source.may_submit(code):
        raise Forbidden(f"type: source {source.name!r} may not submit records of type {code!r}")
    occurred = _date(body, "occurred_on")
    rule = rulebook.rule_for(code, occurred)
    if rule is None:
        # Non-retroactivity: conduct is judged by the rule in force when it occurred.
        raise InvalidInput("occurred_on", f"no version of rule {code} was in force on {occurred}")
    return rule


def contact_of(body: Mapping[str, Any]) -> Contact | None:
    """The subject's email address a body supplies and the language to write to them in
    (`contact_language`, a BCP 47 tag: zh-Hans, zh-CN, en); both optional, not part of the record."""
    value = body.get("contact")
    language = _contact_language(body.get("contact_language"))
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > MAX_EMAIL or not EMAIL.fullmatch(value):
        raise InvalidInput("contact", "must be an email address such as name@example.org")
    local, _, domain = value.rpartition("@")
    return Contact(f"{local}@{domain.lower()}", language)


def _contact_language(value: Any) -> Language | None:
    if value in (None, ""):
        return None
    found = parse_language(value) if isinstance(value, str) else None
    if found is None:
        raise InvalidInput("contact_language", "must be zh-Hans or en")
    return found


def _date(body: Mapping[str, Any], name: str) -> date:
    value = body[name]
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise InvalidInput(name, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(name, f"{value} is not a real date") from exc


def _dates(body: Mapping[str, Any], today: date) -> tuple[date, date]:
    occurred_on, decided_on = _date(body, "occurred_on"), _date(body, "decided_on")
    if decided_on < occurred_on:
        raise InvalidInput("decided_on", f"{decided_on} is before occurred_on {occurred_on}")
    if decided_on > today:
        raise InvalidInput("decided_on", f"{decided_on} is in the future (today is {today})")
    return occurred_on, decided_on


def _evidence_ref(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > MAX_EVIDENCE_REF:
        raise InvalidInput(
            "evidence_ref", f"must be a string of at most {MAX_EVIDENCE_REF} characters"
        )
    return value
