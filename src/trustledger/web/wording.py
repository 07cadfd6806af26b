"""The words pages use for the registry's coded values (statuses, outcomes, scopes), for the catalog."""

from __future__ import annotations

from trustledger.domain.texts import N_

SCOPE_TEXT = {
    "air": N_("flights"),
    "rail": N_("trains (every seat)"),
    "rail_premium": N_("premium train seats (soft sleepers, G-train seats, first class)"),
}
ROLE_TEXT = {
    "officer": N_("officer"),
    "auditor": N_("auditor"),
    "source": N_("source"),
    "checker": N_("checker"),
    "subject": N_("subject"),
}
RESTRICTION_STATUS_TEXT = {
    "awaiting_notice": N_("awaiting notice"),
    "pending": N_("pending"),
    "active": N_("active"),
    "suspended": N_("suspended"),
    "lifted": N_("lifted"),
    "expired": N_("expired"),
}
DELIVERY_TEXT = {
    "pending": N_("pending"),
    "delivered": N_("delivered"),
    "undelivered": N_("undelivered"),
}
PURPOSE_TEXT = {
    "restriction": N_("restriction"),
    "review": N_("review"),
    "lifted": N_("lifted"),
    "expired": N_("expired"),
    "decision": N_("decision"),
    "correction": N_("correction"),
    "withdrawal": N_("withdrawal"),
    "erasure": N_("erasure request"),
}
OUTCOME_TEXT = {
    "upheld": N_("upheld"),
    "overturned": N_("overturned"),
    "modified": N_("modified"),
    "no_action": N_("no action"),
    "restrict": N_("restrict"),
    "granted": N_("granted"),
    "refused": N_("refused"),
}
# The form fields' names as their labels say them, for error pages.
FIELD_LABELS = {
    "key": N_("Key"),
    "number": N_("Identity number"),
    "subject": N_("Identity number"),
    "purpose": N_("Purpose"),
    "access_code": N_("Access code"),
    "grounds": N_("Grounds"),
    "reasons": N_("Reasons"),
    "reason": N_("Reason"),
    "outcome": N_("Decision"),
    "ends_on": N_("New last day"),
    "record_id": N_("Restriction"),
    "days": N_("Days"),
}
# Where a form names a field otherwise: the erasure forms' record_id is a record, not the
# restriction the appeal form's is. Keyed by the path's first segment after /portal.
FORM_FIELD_LABELS = {"erasure-requests": FIELD_LABELS | {"record_id": N_("Record")}}
CHANNEL_TEXT = {"email": N_("email"), "post": N_("post")}
# Each value's words by filter name: `{{ r.status.value | status }}`.
WORDINGS = {
    "scope": SCOPE_TEXT,
    "role": ROLE_TEXT,
    "status": RESTRICTION_STATUS_TEXT,
    "delivery": DELIVERY_TEXT,
    "purpose": PURPOSE_TEXT,
    "outcome": OUTCOME_TEXT,
    "channel": CHANNEL_TEXT,
}
