"""DuckDB recompute on hand-made records: each rule of evaluation, and the inputs it accepts."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batch_factories import AIR, RAIL, batch_rulebook, events_of, restriction, rule
from trustledger.batch.population import SCHEMA
from trustledger.batch.recompute import Recomputation, recompute
from trustledger.domain.errors import InvalidInput
from trustledger.domain.evaluation import evaluate
from trustledger.domain.records import known_by
from trustledger.domain.rulebook import Rulebook

SUBJECT = "S1"
_ids = iter(range(10**6))


def row(type_: str, occurred_on: date, **kw: Any) -> dict[str, Any]:
    decided = kw.pop("decided_on", occurred_on + timedelta(days=5))
    recorded = kw.pop("recorded_on", decided)
    n = next(_ids)
    fields: dict[str, Any] = {
        "record_id": f"r{n:05d}",
        "subject": kw.pop("subject", SUBJECT),
        "type": type_,
        "occurred_on": occurred_on,
        "decided_on": decided,
        "recorded_on": recorded,
        "source": "src",
        "case_ref": f"c{n}",
        "evidence_ref": None,
        "attributes": {"amount_cny": None, "months_unpaid": None},
        "noticed_on": kw.pop("noticed_on", recorded),
        "fulfilled_on": None,
        "overturned_on": None,
    }
    fields["attributes"] |= kw.pop("attributes", {})
    return fields | kw


def run(rows: list[dict[str, Any]], on: date, rulebook: Rulebook | None = None) -> Recomputation:
    return recompute(
        duckdb.connect(),
        pa.Table.from_pylist(rows, schema=SCHEMA),
        rulebook or batch_rulebook(),
        on,
    )


def only(relation: duckdb.DuckDBPyRelation) -> dict[str, Any]:
    rows = relation.to_arrow_table().to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def assert_matches_domain(
    rows: list[dict[str, Any]], on: date, rulebook: Rulebook | None = None
) -> None:
    rulebook = rulebook or batch_rulebook()
    state = evaluate(
        known_by([e for r in rows for e in events_of(r)], on), rulebook, on, subject=SUBJECT
    )
    result = run(rows, on, rulebook)
    scores = result.scores.to_arrow_table().to_pylist()
    assert [(s["score"], s["band"]) for s in scores] == (
        [(state.score, state.band)] if scores else []
    )
    batch = sorted(
        (r["record_id"], r["status"], r["ends_on"])
        for r in result.restrictions.to_arrow_table().to_pylist()
    )
    assert batch == sorted(
        (r.restriction_id, r.status.value, r.ends_on) for r in state.restrictions
    )


def test_a_record_is_judged_by_the_rule_version_in_force_when_the_conduct_occurred() -> None:
    old = row("rail.smoking", date(2024, 12, 20), decided_on=date(2025, 1, 10))
    new = row("rail.smoking", date(2025, 1, 5), decided_on=date(2025, 1, 10))
    result = run([old, new], date(2025, 2, 1))
    assert only(result.scores)["score"] == 1000 - 20 - 40
    ends = {r["record_id"]: r["ends_on"] for r in result.restrictions.to_arrow_table().to_pylist()}
    assert ends == {
        old["record_id"]: date(2025, 1, 20) + timedelta(days=179),
        new["record_id"]: date(2025, 1, 17) + timedelta(days=89),
    }
    assert_matches_domain([old, new], date(2025, 2, 1))


def test_a_record_arriving_after_its_counting_period_neither_scores_nor_restricts() -> None:
    late = row(
        "rail.disorder",
        date(2021, 12, 20),
        decided_on=date(2022, 1, 1),
        recorded_on=date(2024, 1, 1),
    )
    result = run([late], date(2024, 2, 1))
    assert only(result.assessments)["status"] == "time_barred"
    assert only(result.scores)["score"] == 1000
    assert result.restrictions.to_arrow_table().num_rows == 0


def test_a_record_whose_condition_fails_is_not_applicable() -> None:
    small = row("court.judgment_default", date(2025, 3, 1), attributes={"amount_cny": 9999})
    big = row("court.judgment_default", date(2025, 3, 1), attributes={"amount_cny": 10000})
    result = run([small, big], date(2025, 6, 1))
    statuses = {
        r["record_id"]: r["status"] for r in result.assessments.to_arrow_table().to_pylist()
    }
    assert statuses == {small["record_id"]: "not_applicable", big["record_id"]: "in_force"}
    assert only(result.restrictions)["record_id"] == big["record_id"]


def test_attributes_as_json_text_give_the_same_answer_as_a_struct() -> None:
    rows = [
        row(
            "social_insurance.unpaid",
            date(2025, 3, 1),
            attributes={"amount_cny": 60000, "months_unpaid": 2},
        ),
        row(
            "social_insurance.unpaid",
            date(2025, 3, 1),
            attributes={"amount_cny": 60000, "months_unpaid": 1},
        ),
        row("tax.serious_evasion", date(2025, 7, 1), attributes={"amount_cny": 200001}),
    ]
    as_json = pa.Table.from_pylist(
        [
            r
            | {
                "attributes": json.dumps(
                    {k: v for k, v in r["attributes"].items() if v is not None}
                )
            }
            for r in rows
        ]
    )
    on = date(2025, 9, 1)
    struct_result = run(rows, on).assessments.to_arrow_table().sort_by("record_id")
    json_result = (
        recompute(duckdb.connect(), as_json, batch_rulebook(), on)
        .assessments.to_arrow_table()
        .sort_by("record_id")
    )
    assert struct_result.equals(json_result)
    assert struct_result.column("status").to_pylist() == ["in_force", "not_applicable", "in_force"]


def test_fulfilment_lifts_only_where_the_rule_says_so() -> None:
    fare = row("rail.fare_evasion", date(2025, 3, 1), fulfilled_on=date(2025, 4, 1))
    smoke = row("rail.smoking", date(2025, 3, 1), fulfilled_on=date(2025, 4, 1))
    result = run([fare, smoke], date(2025, 5, 1))
    lifted = {
        r["record_id"]: (r["status"], r["lifted_on"])
        for r in result.restrictions.to_arrow_table().to_pylist()
    }
    assert lifted == {
        fare["record_id"]: ("lifted", date(2025, 4, 1)),
        smoke["record_id"]: ("active", None),
    }
    assert_matches_domain([fare, smoke], date(2025, 5, 1))


def test_an_overturned_record_lifts_its_restriction_and_stops_counting() -> None:
    rec = row("air.disorder", date(2025, 3, 1), overturned_on=date(2025, 4, 2))
    before, after = run([rec], date(2025, 4, 1)), run([rec], date(2025, 4, 2))
    assert (only(before.scores)["score"], only(before.restrictions)["status"]) == (940, "active")
    assert (only(after.scores)["score"], only(after.restrictions)["status"]) == (1000, "lifted")
    assert only(after.assessments)["status"] == "overturned"


def test_a_record_lifted_before_any_notice_is_lifted_and_not_current() -> None:
    paid = row(
        "rail.fare_evasion",
        date(2025, 3, 1),
        noticed_on=None,
        fulfilled_on=date(2025, 3, 20),
    )
    waiting = run([paid], date(2025, 3, 19))
    assert only(waiting.current_restrictions)["status"] == "awaiting_notice"
    result = run([paid], date(2025, 3, 20))
    assert only(result.restrictions)["status"] == "lifted"
    assert only(result.restrictions)["lifted_on"] == date(2025, 3, 20)
    assert result.current_restrictions.to_arrow_table().num_rows == 0
    assert_matches_domain([paid], date(2025, 3, 20))


def test_what_happens_after_the_date_is_not_yet_known() -> None:
    rec = row(
        "air.forged_identity",
        date(2025, 3, 1),
        recorded_on=date(2025, 3, 10),
        noticed_on=date(2025, 3, 12),
    )
    assert run([rec], date(2025, 3, 9)).scores.to_arrow_table().num_rows == 0
    assert only(run([rec], date(2025, 3, 11)).restrictions)["status"] == "awaiting_notice"
    assert only(run([rec], date(2025, 3, 13)).restrictions)["status"] == "pending"
    assert only(run([rec], date(2025, 3, 22)).restrictions)["status"] == "active"
    assert only(run([rec], date(2026, 3, 22)).restrictions)["status"] == "expired"


def test_a_record_recorded_before_its_decision_date_does_not_count_yet() -> None:
    rec = row(
        "rail.disorder",
        date(2025, 3, 1),
        decided_on=date(2025, 3, 20),
        recorded_on=date(2025, 3, 10),
    )
    result = run([rec], date(2025, 3, 15))
    assert (only(result.assessments)["status"], only(result.scores)["score"]) == ("not_yet", 1000)
    assert_matches_domain([rec], date(2025, 3, 15))


def test_points_lapse_after_the_counting_period() -> None:
    rec = row(
        "rail.ticket_resale", date(2024, 1, 1), decided_on=date(2024, 1, 10)
    )  # counts 365 days
    assert only(run([rec], date(2025, 1, 8)).assessments)["status"] == "in_force"
    assert only(run([rec], date(2025, 1, 9)).assessments)["status"] == "lapsed"


def test_a_type_with_no_rule_in_force_scores_nothing() -> None:
    rows = [row("air.false_threat", date(2025, 2, 28)), row("rail.unknown", date(2025, 3, 1))]
    result = run(rows, date(2025, 6, 1))
    assert set(result.assessments.to_arrow_table().column("status").to_pylist()) == {"no_rule"}
    assert only(result.scores) == {"subject": SUBJECT, "score": 1000, "band": "A"}


def test_the_first_listed_version_wins_where_versions_overlap() -> None:
    rulebook = batch_rulebook(
        rule(
            "rail.disorder",
            points=-30,
            effective_to=date(2025, 6, 30),
            restriction=restriction(RAIL, 10),
        ),
        rule(
            "rail.disorder",
            points=-70,
            effective_from=date(2025, 1, 1),
            restriction=restriction(AIR, 20),
        ),
    )
    rows = [row("rail.disorder", date(2025, 3, 1)), row("rail.disorder", date(2025, 8, 1))]
    result = run(rows, date(2025, 9, 1), rulebook)
    assert only(result.scores)["score"] == 1000 - 30 - 70
    assert_matches_domain(rows, date(2025, 9, 1), rulebook)


def test_scores_fall_into_the_rulebook_bands_per_subject() -> None:
    rows = [
        row("court.judgment_default", date(2025, 3, 1), attributes={"amount_cny": 50000}),
        row("tax.serious_evasion", date(2025, 7, 1), attributes={"amount_cny": 300000}),
        row("air.disorder", date(2025, 3, 1), subject="S2"),
    ]
    scores = run(rows, date(2025, 9, 1)).scores.to_arrow_table().sort_by("subject").to_pylist()
    assert scores == [
        {"subject": "S1", "score": 600, "band": "C"},
        {"subject": "S2", "score": 940, "band": "B"},
    ]


def test_a_parquet_directory_and_a_relation_are_accepted(tmp_path: Path) -> None:
    rows = [row("rail.disorder", date(2025, 3, 1)), row("rail.smoking", date(2025, 3, 1))]
    for i, r in enumerate(rows):
        (tmp_path / "part").mkdir(exist_ok=True)
        pq.write_table(pa.Table.from_pylist([r], schema=SCHEMA), tmp_path / "part" / f"{i}.parquet")
    con = duckdb.connect()
    from_dir = recompute(con, tmp_path, batch_rulebook(), date(2025, 6, 1))
    relation = con.sql(f"SELECT * FROM read_parquet('{tmp_path}/part/*.parquet')")
    from_relation = recompute(con, relation, batch_rulebook(), date(2025, 6, 1))
    assert only(from_dir.scores)["score"] == only(from_relation.scores)["score"] == 1000 - 30 - 40


def test_records_without_the_optional_columns_are_accepted() -> None:
    table = pa.Table.from_pylist([row("rail.disorder", date(2025, 3, 1))]).drop_columns(
        ["attributes", "noticed_on", "fulfilled_on", "overturned_on"]
    )
    result = recompute(duckdb.connect(), table, batch_rulebook(), date(2025, 6, 1))
    assert only(result.restrictions)["status"] == "awaiting_notice"


def test_missing_columns_and_paths_are_named() -> None:
    table = pa.table({"record_id": ["r1"], "subject": ["S1"]})
    with pytest.raises(InvalidInput, match="missing columns type, occurred_on"):
        recompute(duckdb.connect(), table, batch_rulebook(), date(2025, 6, 1))
    with pytest.raises(InvalidInput, match="no such file"):
        recompute(
            duckdb.connect(), Path("/nonexistent/x.parquet"), batch_rulebook(), date(2025, 6, 1)
        )


def test_a_condition_on_an_undeclared_attribute_names_the_rule() -> None:
    rulebook = batch_rulebook(rule("tax.serious_evasion", condition="record.amount > 1"))
    with pytest.raises(
        InvalidInput, match=r"rules\.tax\.serious_evasion\.condition: record\.amount"
    ):
        run([row("tax.serious_evasion", date(2025, 3, 1))], date(2025, 6, 1), rulebook)


def test_an_empty_rulebook_leaves_every_record_without_a_rule() -> None:
    empty = Rulebook(version="empty", base_score=1000, bands=(), review=None, rules=())
    result = run([row("rail.disorder", date(2025, 3, 1))], date(2025, 6, 1), empty)
    assert only(result.assessments)["status"] == "no_rule"
    assert only(result.scores)["band"] == "-"
