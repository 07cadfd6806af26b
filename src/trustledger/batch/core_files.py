"""The subjects a batch recompute hands to the domain core: those whose history holds an appeal, a
review case, a correction or a withdrawal (CORE_ONLY_KINDS).

Those rules (suspension while an appeal is pending, `modified` decisions, officers' restrictions
on review, a correction's own decision and notice period, withdrawals) are written once, in
trustledger.domain; restating them in SQL would be a second implementation to keep in step. Such
subjects are few (an appeal, a review or a correction is a person's or an officer's act), so the
flattened records carry their whole history (the `events` column) and this module evaluates each
with `evaluate(known_by(events, on))`, as every other answer of the registry is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from trustledger.domain.evaluation import SubjectState, evaluate
from trustledger.domain.records import EventKind, history_from_text, known_by
from trustledger.domain.rulebook import Rulebook

ASSESSMENTS = pa.schema(
    [
        ("record_id", pa.string()),
        ("subject", pa.string()),
        ("type", pa.string()),
        ("rule", pa.string()),
        ("status", pa.string()),
        ("points", pa.int64()),
    ]
)
SCORES = pa.schema([("subject", pa.string()), ("score", pa.int64()), ("band", pa.string())])
RESTRICTIONS = pa.schema(
    [
        ("subject", pa.string()),
        ("record_id", pa.string()),
        ("reason", pa.string()),
        ("scopes", pa.string()),
        ("noticed_on", pa.date32()),
        ("starts_on", pa.date32()),
        ("ends_on", pa.date32()),
        ("lifted_on", pa.date32()),
        ("status", pa.string()),
        ("appeal_by", pa.date32()),
    ]
)


@dataclass(frozen=True, slots=True)
class CoreAnswers:
    """The domain core's answers for the handed-over subjects, as Arrow tables."""

    subjects: int
    assessments: pa.Table
    scores: pa.Table
    restrictions: pa.Table


def core_answers(
    con: duckdb.DuckDBPyConnection, source: str, rulebook: Rulebook, on: date
) -> CoreAnswers:
    """Evaluate every subject whose rows carry a history (`events` not null) on `on`."""
    histories = con.sql(
        f"SELECT subject, any_value(events) FROM {source} WHERE events IS NOT NULL GROUP BY subject"
    ).fetchall()
    assessments: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    restrictions: list[dict[str, Any]] = []
    for subject, text in histories:
        events = known_by(history_from_text(text), on)
        if not any(e.kind is EventKind.RECORDED for e in events):
            continue  # nothing recorded by `on`: absent, as the SQL leaves such a subject
        state = evaluate(events, rulebook, on, subject=subject)
        assessments.extend(_assessments(state))
        scores.append({"subject": subject, "score": state.score, "band": state.band})
        restrictions.extend(_restrictions(state))
    return CoreAnswers(
        len(histories),
        pa.Table.from_pylist(assessments, schema=ASSESSMENTS),
        pa.Table.from_pylist(scores, schema=SCORES),
        pa.Table.from_pylist(restrictions, schema=RESTRICTIONS),
    )


def _assessments(state: SubjectState) -> list[dict[str, Any]]:
    return [
        {
            "record_id": a.record.record_id,
            "subject": state.subject,
            "type": a.record.type,
            "rule": a.rule.code if a.rule is not None else None,
            "status": a.status.value,
            "points": a.points,
        }
        for a in state.assessments
    ]


def _restrictions(state: SubjectState) -> list[dict[str, Any]]:
    return [
        {
            "subject": state.subject,
            "record_id": r.restriction_id,
            "reason": r.reason,
            "scopes": ",".join(sorted(r.scopes)),
            "noticed_on": r.noticed_on,
            "starts_on": r.starts_on,
            "ends_on": r.ends_on,
            "lifted_on": r.lifted_on,
            "status": r.status.value,
            "appeal_by": r.appeal_by,
        }
        for r in state.restrictions
    ]
