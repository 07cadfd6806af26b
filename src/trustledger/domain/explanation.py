"""An explanation of a subject's state in plain, JSON-able terms: what counts, why, from when, until when."""

from __future__ import annotations

from datetime import date
from typing import Any

from trustledger.domain.evaluation import Assessment, Restriction, SubjectState
from trustledger.domain.texts import N_

RECORD_STATUS_TEXT = {
    "in_force": N_("counts towards the score"),
    "not_yet": N_("decided after this date"),
    "lapsed": N_("no longer counts (counts_for_days passed)"),
    "overturned": N_("overturned: does not count"),
    "withdrawn": N_("withdrawn by its source: does not count"),
    "time_barred": N_("arrived after the limitation period: never counts"),
    "not_applicable": N_("the rule's condition does not hold: does not count"),
    "no_rule": N_("no rule was in force when the conduct occurred: does not count"),
}


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


def explain_assessment(a: Assessment) -> dict[str, Any]:
    rule = a.rule
    return {
        "record_id": a.record.record_id,
        "type": a.record.type,
        "case_ref": a.record.case_ref,
        "source": a.record.source,
        "occurred_on": _day(a.record.occurred_on),
        "decided_on": _day(a.record.decided_on),
        "recorded_on": _day(a.recorded_on),
        "rule": None
        if rule is None
        else {
            "code": rule.code,
            "title": rule.title.en,
            "titles": rule.title.as_dict(),
            "legal_basis": rule.legal_basis,
            "version_from": _day(rule.effective_from),
        },
        "status": a.status.value,
        "status_text": RECORD_STATUS_TEXT[a.status.value],
        "points": a.points,
        "counts_until": _day(a.counts_until),
        "overturned_on": _day(a.overturned_on),
        "fulfilled_on": _day(a.fulfilled_on),
        "history": _history(a),
        "changes": [{"on": _day(c.on), "what": c.what, "text": c.text} for c in a.history],
    }


def _history(a: Assessment) -> dict[str, Any] | None:
    """Which records made the count of the rule's history term (repeat, points_within)."""
    term = a.rule.history if a.rule else None
    if term is None or a.tally is None:
        return None
    return {
        "measure": term.measure.value,
        "within_days": term.within_days,
        "at_least": term.at_least,
        "total": a.tally.total,
        "holds": a.tally.holds,
        "counted": list(a.tally.counted),
    }


def explain_restriction(r: Restriction) -> dict[str, Any]:
    return {
        "restriction_id": r.restriction_id,
        "scopes": sorted(s.value for s in r.scopes),
        "reason": r.reason,
        "legal_basis": r.legal_basis,
        "cause": {"record_id": r.record_id} if r.record_id else {"review_case_id": r.case_id},
        "status": r.status.value,
        "noticed_on": _day(r.noticed_on),
        "starts_on": _day(r.starts_on),
        "ends_on": _day(r.ends_on),
        "lifted_on": _day(r.lifted_on),
        "appeal_by": _day(r.appeal_by),
    }


def explain(state: SubjectState) -> dict[str, Any]:
    """The whole explanation; the same shape for the CLI's --json and the HTTP explain endpoint."""
    return {
        "subject": state.subject,
        "as_of": _day(state.on),
        "score": state.score,
        "band": state.band,
        "records": [explain_assessment(a) for a in state.assessments],
        "restrictions": [explain_restriction(r) for r in state.restrictions],
        "appeals": [
            {
                "appeal_id": a.appeal_id,
                "target": a.target,
                "filed_on": _day(a.filed_on),
                "deadline": _day(a.deadline),
                "decided_on": _day(a.decided_on),
                "outcome": a.outcome.value if a.outcome else None,
                "reasons": a.reasons,
            }
            for a in state.appeals
        ],
        "review_cases": [
            {
                "case_id": c.case_id,
                "opened_on": _day(c.opened_on),
                "score": c.score,
                "below": c.below,
                "decided_on": _day(c.decided_on),
                "outcome": c.outcome.value if c.outcome else None,
            }
            for c in state.review_cases
        ],
        "review_due": state.review_due,
        **explain_erasures(state),
    }


def explain_erasures(state: SubjectState) -> dict[str, Any]:
    """The subject's erasure requests (pending, refused, granted) and the erasures done. A
    granted request goes with its record's key: the erasure whose basis is its case id is
    what is left of it."""
    return {
        "erasure_requests": [
            {
                "case_id": c.case_id,
                "record_id": c.record_id,
                "filed_on": _day(c.filed_on),
                "reason": c.reason,
                "deadline": _day(c.deadline),
                "decided_on": _day(c.decided_on),
                "outcome": c.outcome.value if c.outcome else None,
                "reasons": c.reasons,
            }
            for c in state.erasure_cases
        ],
        "erasures": [
            {
                "on": _day(e.on),
                "basis": e.basis,
                "ended_on": _day(e.ended_on),
                "records": e.records,
                # Undelivered letters about it: the rest of the file waits on them.
                "awaits_letters": list(e.awaits),
            }
            for e in state.erasures
        ],
    }
