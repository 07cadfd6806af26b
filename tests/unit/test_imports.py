"""Bulk import over the in-memory store: JSONL and CSV, rejects with reasons, reruns add nothing."""

from __future__ import annotations

import csv
import gc
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.factories import SettableClock, body, evaluator, judgment, unpaid
from tests.fakes import FakeStore
from trustledger.domain.errors import InvalidInput
from trustledger.domain.submissions import Source
from trustledger.services.intake.imports import Importer, rejects_path_for
from trustledger.services.intake.lines import read_lines
from trustledger.services.intake.records import Intake

SOURCE = Source("agency", ("rail.*", "court.*", "social_insurance.*"))


def importer(store: FakeStore) -> Importer:
    clock = SettableClock()
    intake = Intake(store, evaluator=evaluator(), clock=clock)
    return Importer(store, intake=intake, clock=clock)


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.write_bytes(
        b"".join((x if isinstance(x, bytes) else orjson.dumps(x)) + b"\n" for x in lines)
    )
    return path


def test_good_lines_go_in_and_bad_lines_go_to_the_rejects_file(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [body(case_ref="J-1"), b"{not json", body(case_ref="J-2", subject="123"), [1], judgment()],
    )
    store = FakeStore()
    advanced: list[int] = []
    report = importer(store).run(path, source=SOURCE, chunk=2, advance=advanced.append)
    assert (report.lines, report.imported, report.rejected, report.notices) == (5, 2, 3, 2)
    assert sum(advanced) == path.stat().st_size
    rejects = [orjson.loads(x) for x in rejects_path_for(path).read_bytes().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [(2, "line"), (3, "subject"), (4, "line")]
    assert rejects[1]["input"].startswith('{"subject":"123"')
    assert report.rejects_path == rejects_path_for(path)


def test_a_rerun_imports_nothing_twice_and_rewrites_the_rejects(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl", [body(case_ref="K-1"), body(case_ref="K-1", evidence_ref="z")]
    )
    store = FakeStore()
    first = importer(store).run(path, source=SOURCE)
    events = len(store.memory.events)
    second = importer(store).run(path, source=SOURCE)
    assert (first.imported, first.rejected) == (1, 1)
    assert (second.imported, second.already, second.rejected) == (0, 1, 1)
    assert len(store.memory.events) == events
    (reject,) = [orjson.loads(x) for x in rejects_path_for(path).read_bytes().splitlines()]
    assert (reject["line"], reject["field"]) == (2, "case_ref")


def test_a_clean_import_leaves_no_rejects_file(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [body(), b"", body()])
    rejects_path_for(path).write_text("stale\n")
    report = importer(FakeStore()).run(path, source=SOURCE)
    assert (report.lines, report.imported, report.rejects_path) == (2, 2, None)
    assert not rejects_path_for(path).exists()


def test_a_chunk_is_worked_with_the_cyclic_collector_paused_and_it_runs_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [body(case_ref="G-1"), body(case_ref="G-2")])
    store = FakeStore()
    during: list[bool] = []
    write = Intake.write

    def watched(self: Intake, *args: Any, **kwargs: Any) -> Any:
        during.append(gc.isenabled())
        return write(self, *args, **kwargs)

    monkeypatch.setattr(Intake, "write", watched)
    report = importer(store).run(path, source=SOURCE, chunk=1)
    assert report.imported == 2
    assert during == [False, False]
    assert gc.isenabled()


def test_the_collector_runs_again_after_a_chunk_that_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [body(case_ref="G-3")])

    def broken(self: Intake, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Intake, "write", broken)
    with pytest.raises(RuntimeError, match="went away"):
        importer(FakeStore()).run(path, source=SOURCE)
    assert gc.isenabled()


def test_a_caller_that_paused_the_collector_finds_it_paused_after(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [body(case_ref="G-4")])
    gc.disable()
    try:
        importer(FakeStore()).run(path, source=SOURCE)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_type_the_source_may_not_submit_is_rejected_naming_type(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [judgment()])
    report = importer(FakeStore()).run(path, source=Source("rail", ("rail.*",)), chunk=10)
    (reject,) = [orjson.loads(x) for x in rejects_path_for(path).read_bytes().splitlines()]
    assert report.rejected == 1
    assert reject["field"] == "type"
    assert "may not submit" in reject["reason"]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_csv_takes_attributes_as_attr_columns_or_a_json_column(tmp_path: Path) -> None:
    head = ["subject", "type", "occurred_on", "decided_on", "case_ref", "evidence_ref"]
    path = write_csv(
        tmp_path / "in.csv",
        [*head, "attr_amount_cny", "attr_months_unpaid", "attributes"],
        [
            [*_cells(unpaid(case_ref="C-1")), "7000", "2", ""],
            [*_cells(unpaid(case_ref="C-2")), "", "", '{"amount_cny": 1, "months_unpaid": 4}'],
            [*_cells(unpaid(case_ref="C-3")), "lots", "2", ""],
            [*_cells(body(case_ref="C-4")), "", "", ""],
            ["too", "few"],
            [*_cells(unpaid(case_ref="C-5")), "", "", "{bad"],
        ],
    )
    store = FakeStore()
    report = importer(store).run(path, source=SOURCE)
    assert (report.imported, report.rejected) == (3, 3)
    attributes = {r.case_ref: r for r in store.memory.records.values()}
    assert set(attributes) == {"C-1", "C-2", "C-4"}
    recorded = {
        e.data["case_ref"]: e.data["attributes"]
        for e in store.memory.events
        if "case_ref" in e.data
    }
    assert recorded["C-1"] == {"amount_cny": 7000, "months_unpaid": 2}
    assert recorded["C-2"] == {"amount_cny": 1, "months_unpaid": 4}
    rejects = [orjson.loads(x) for x in rejects_path_for(path).read_bytes().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [
        (4, "attributes.amount_cny"),
        (6, "line"),
        (7, "attributes"),
    ]


def _cells(data: dict[str, Any]) -> list[str]:
    return [
        str(data.get(k) or "")
        for k in ("subject", "type", "occurred_on", "decided_on", "case_ref", "evidence_ref")
    ]


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("in.txt", "", "FILE: in.txt: expected"),
        ("in.csv", "subject,type\n", "FILE: CSV header lacks column 'occurred_on'"),
        (
            "in.csv",
            "subject,type,occurred_on,decided_on,case_ref,colour\n",
            "unknown column 'colour'",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_bad_usage(
    tmp_path: Path, name: str, content: str, match: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InvalidInput, match=match):
        importer(FakeStore()).run(path, source=SOURCE)


def test_a_missing_file_is_bad_usage(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"^FILE: .* does not exist"):
        importer(FakeStore()).run(tmp_path / "none.jsonl", source=SOURCE)


def test_an_empty_csv_has_no_lines(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert list(read_lines(path)) == []


def test_a_file_of_the_wrong_shape_leaves_no_rejects_file(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("subject,type\n")
    with pytest.raises(InvalidInput):
        importer(FakeStore()).run(path, source=SOURCE)
    assert not rejects_path_for(path).exists()
