"""What in an event is personal data, sealed under the subject's keys, and what is not.

Not personal, kept in the clear so that SQL can aggregate and the log's followers can read it
with no key: rule codes, dates, outcomes, scores, ids the registry made, the submitting source.
Everything else (the identity number, case and evidence references, attributes, free text such
as grounds, reasons and corrections) is sealed. A field not listed is sealed: a new field is
personal until someone decides otherwise here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustledger.domain.records import EventKind

_TRANSITION = frozenset({"restriction_id", "scopes", "reason", "starts_on", "ends_on", "lifted_on"})

PLAIN_FIELDS: Mapping[EventKind, frozenset[str]] = {
    EventKind.RECORDED: frozenset({"record_id", "type", "occurred_on", "decided_on", "source"}),
    EventKind.CORRECTED: frozenset({"correction_id", "adverse"}),
    EventKind.WITHDRAWN: frozenset(),
    EventKind.OVERTURNED: frozenset({"record_id", "appeal_id"}),
    EventKind.FULFILLED: frozenset({"record_id", "met_on"}),
    # The access code's hash is of a random code, not of anything about the person.
    EventKind.NOTICE_ISSUED: frozenset({"notice_id", "target", "purpose", "access_code_hash"}),
    EventKind.APPEAL_FILED: frozenset({"appeal_id", "target", "deadline"}),
    EventKind.APPEAL_DECIDED: frozenset({"appeal_id", "outcome", "ends_on"}),
    EventKind.REVIEW_OPENED: frozenset({"case_id", "score", "below"}),
    EventKind.REVIEW_DECIDED: frozenset({"case_id", "outcome", "scopes", "days"}),
    EventKind.RESTRICTION_STARTED: _TRANSITION,
    EventKind.RESTRICTION_LIFTED: _TRANSITION,
    EventKind.RESTRICTION_EXPIRED: _TRANSITION,
    # The log's own entry that records were erased: ids, rule codes and days, no one's data
    # (`awaits`: the ids of the letters the rest of the subject's data waits on).
    EventKind.ERASED: frozenset({"record_ids", "all", "rules", "ended_on", "basis", "awaits"}),
    # The subject's reason and the officer's are sealed; which record and when are not.
    EventKind.ERASURE_REQUESTED: frozenset({"case_id", "record_id", "deadline"}),
    EventKind.ERASURE_DECIDED: frozenset({"case_id", "outcome"}),
}

# The subject's own scope: data about the person rather than one of their records.
SUBJECT_SCOPE = ""


def split(kind: EventKind, data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain, personal): the fields kept in the clear and those sealed."""
    plain_names = PLAIN_FIELDS.get(kind, frozenset())
    plain = {k: v for k, v in data.items() if k in plain_names}
    personal = {k: v for k, v in data.items() if k not in plain_names}
    return plain, personal


def joined(plain: Mapping[str, Any], personal: Mapping[str, Any]) -> dict[str, Any]:
    return {**plain, **personal}


def scope_of(record_id: str | None) -> str:
    """The key an event's personal data is sealed under: its record's, else the subject's."""
    return record_id or SUBJECT_SCOPE
