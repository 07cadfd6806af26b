"""Import lines that correct or withdraw records, beside new records: rejects and reruns."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.due_factories import threat_rulebook
from tests.factories import SettableClock, body, ric_number
from tests.fakes import FakeStore
from tests.unit.test_imports import write_jsonl
from trustledger.domain.evaluation import RecordStatus
from trustledger.domain.identity import scheme_named
from trustledger.domain.records import EventKind
from trustledger.domain.submissions import Source, record_id_for
from trustledger.services.due_process.state import Evaluator
from trustledger.services.intake.corrections import Corrections
from trustledger.services.intake.imports import Importer, rejects_path_for
from trustledger.services.intake.records import Intake

RAIL = Source("rail_bureau", ("rail.*",))
OTHER = Source("metro", ("rail.*",))


def importer(store: FakeStore) -> Importer:
    clock, book, scheme = SettableClock(), threat_rulebook(), scheme_named("cn-ric")
    intake = Intake(store, evaluator=Evaluator(book, scheme), clock=clock)
    corrections = Corrections(store, evaluator=Evaluator(book, scheme), clock=clock)
    return Importer(store, intake=intake, clock=clock, corrections=corrections)


def test_correct_and_withdraw_lines_apply_beside_new_records_and_rerun_writes_nothing(
    tmp_path: Path,
) -> None:
    store = FakeStore()
    a, b = ric_number(), ric_number()
    elsewhere = importer(store).run(
        write_jsonl(tmp_path / "first.jsonl", [body(subject=a, case_ref="OLD-1")]), source=OTHER
    )
    assert elsewhere.imported == 1
    lines = [
        body(subject=a, case_ref="R-1"),
        body(subject=b, case_ref="R-2"),
        {"action": "correct", "case_ref": "R-1", "changes": {"type": "rail.threat"}, "reason": "x"},
        {"action": "withdraw", "record_id": record_id_for("rail_bureau", "R-2"), "reason": "y"},
        {"action": "withdraw", "record_id": record_id_for("metro", "OLD-1"), "reason": "z"},
        {"action": "correct", "case_ref": "R-2", "changes": {"evidence_ref": "e"}, "reason": "w"},
        {"action": "erase", "case_ref": "R-1"},
        {"action": "correct", "case_ref": "R-1", "changes": {"subject": a}, "reason": "v"},
        {"action": "withdraw", "case_ref": "R-9", "reason": "u"},
        {"action": "withdraw", "case_ref": "R-1"},
    ]
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    report = importer(store).run(path, source=RAIL, chunk=4)
    assert (report.lines, report.imported, report.already, report.rejected) == (10, 4, 0, 6)
    rejects = [orjson.loads(x) for x in rejects_path_for(path).read_bytes().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [
        (5, "record_id"),  # another source's record: forbidden
        (6, "record_id"),  # withdrawn before: no correction
        (7, "action"),
        (8, "changes.subject"),
        (9, "record_id"),  # no such record
        (10, "reason"),
    ]
    assert "only the source that submitted" in rejects[0]["reason"]
    assert "can no longer be corrected" in rejects[1]["reason"]
    assert "does not exist" in rejects[4]["reason"]
    events = list(store.memory.events)
    assert [e.kind for e in events].count(EventKind.CORRECTED) == 1
    assert [e.kind for e in events].count(EventKind.WITHDRAWN) == 1
    (withdrawn,) = store.memory.derived[b].state.assessments
    assert withdrawn.status is RecordStatus.WITHDRAWN
    again = importer(store).run(path, source=RAIL, chunk=4)
    assert (again.imported, again.already, again.rejected) == (0, 4, 6)
    assert list(store.memory.events) == events
