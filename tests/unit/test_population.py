"""The synthetic population: repeatable, at the configured rates, plausible, in three formats."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from trustledger.batch.population import (
    KINDS,
    SCHEMA,
    TYPE_CODES,
    PopulationSpec,
    people_for_records,
    record_tables,
)
from trustledger.batch.population_files import FileFormat, write_population
from trustledger.batch.record_kinds import versions_of
from trustledger.domain.errors import InvalidInput
from trustledger.domain.identity import CnRic
from trustledger.rulebook.loader import load_rulebook

BODY_KEYS = [
    "subject",
    "type",
    "occurred_on",
    "decided_on",
    "case_ref",
    "evidence_ref",
    "attributes",
    "source",
]


def generate(spec: PopulationSpec) -> pa.Table:
    return pa.concat_tables(t for _people, t in record_tables(spec))


@pytest.fixture(scope="module")
def big() -> pa.Table:
    return generate(PopulationSpec(2_500_000, seed=1))


def test_the_same_seed_gives_the_same_records_and_another_seed_others() -> None:
    spec = PopulationSpec(1_300_000, seed=42)
    first = generate(spec)
    assert first.equals(generate(spec))
    assert not first.column("subject").equals(
        generate(PopulationSpec(1_300_000, seed=43)).column("subject")
    )


def test_rates_per_type_are_roughly_honoured(big: pa.Table) -> None:
    counts = dict(zip(*pc.value_counts(big.column("type")).flatten(), strict=True))
    for kind in KINDS:
        expected = kind.per_1000 * 2_500
        assert abs(counts[pa.scalar(kind.code)].as_py() - expected) < 5 * expected**0.5 + 5, (
            kind.code
        )
    court, fare = (
        counts[pa.scalar(c)].as_py() for c in ("court.judgment_default", "rail.fare_evasion")
    )
    assert (
        court
        > fare
        > max(
            c.as_py()
            for k, c in counts.items()
            if k.as_py() not in {"court.judgment_default", "rail.fare_evasion"}
        )
    )


def test_a_custom_rate_replaces_the_default() -> None:
    table = generate(
        PopulationSpec(200_000, seed=3, rates={"air.false_threat": 100.0, "rail.smoking": 0})
    )
    types = table.column("type").to_pylist()
    assert 19_000 < types.count("air.false_threat") < 21_000
    assert "rail.smoking" not in types


def test_dates_follow_each_other_and_spread_over_three_years(big: pa.Table) -> None:
    rows = big.select(
        ["occurred_on", "decided_on", "recorded_on", "noticed_on", "fulfilled_on", "overturned_on"]
    )
    as_of = date(2026, 11, 1)
    for r in rows.slice(0, 50_000).to_pylist():
        assert r["occurred_on"] <= r["decided_on"] <= r["recorded_on"] <= as_of
        for later in ("noticed_on", "fulfilled_on", "overturned_on"):
            assert r[later] is None or r["recorded_on"] <= r[later] <= as_of
    recorded = big.column("recorded_on")
    assert pc.min(recorded).as_py() == as_of - timedelta(days=3 * 365 - 1)
    assert pc.max(recorded).as_py() == as_of
    late = pc.sum(pc.greater(pc.days_between(big.column("decided_on"), recorded), 730)).as_py()
    assert 0.003 < late / big.num_rows < 0.008


def test_outcomes_and_attributes_fit_the_record_type(big: pa.Table) -> None:
    for r in big.slice(0, 20_000).to_pylist():
        kind = next(k for k in KINDS if k.code == r["type"])
        assert (r["attributes"]["amount_cny"] is not None) == (kind.amount is not None)
        assert (r["attributes"]["months_unpaid"] is not None) == kind.months_unpaid
        assert kind.fulfillable or r["fulfilled_on"] is None
        expected_source = f"court-{r['subject'][:2]}" if kind.source == "court" else kind.source
        assert r["source"] == expected_source
    assert 0.01 < pc.mean(pc.is_valid(big.column("overturned_on"))).as_py() < 0.03


def test_case_refs_are_unique_per_source_and_subjects_valid(big: pa.Table) -> None:
    pairs = big.select(["source", "case_ref"]).group_by(["source", "case_ref"]).aggregate([])
    assert pairs.num_rows == big.num_rows
    assert pc.count_distinct(big.column("record_id")).as_py() == big.num_rows
    scheme = CnRic()
    for subject in big.column("subject").slice(0, 3000).to_pylist():
        scheme.normalize(subject)
    repeated = big.num_rows - pc.count_distinct(big.column("subject")).as_py()
    assert repeated > 0.2 * big.num_rows  # repeat offenders


def test_people_for_records_inverts_the_expected_count() -> None:
    people = people_for_records(1_000_000)
    assert PopulationSpec(people).expected_records() == pytest.approx(1_000_000, rel=1e-4)


def test_bad_specs_are_refused() -> None:
    with pytest.raises(InvalidInput, match="people"):
        PopulationSpec(0)
    with pytest.raises(InvalidInput, match=r"unknown record types rail\.speeding"):
        PopulationSpec(10, rates={"rail.speeding": 1.0})
    with pytest.raises(InvalidInput, match="negative"):
        PopulationSpec(10, rates={"rail.smoking": -1.0})


def test_jsonl_holds_record_bodies_with_only_the_type_attributes(tmp_path: Path) -> None:
    spec = PopulationSpec(100_000, seed=5)
    out = tmp_path / "people.jsonl"
    reported: list[int] = []
    written = write_population(spec, out, progress=reported.append)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == written == generate(spec).num_rows
    assert sum(reported) == 100_000
    assert all(list(body) == BODY_KEYS for body in lines)
    social = next(b for b in lines if b["type"] == "social_insurance.unpaid")
    assert set(social["attributes"]) == {"amount_cny", "months_unpaid"}
    assert next(b for b in lines if b["type"] == "rail.smoking")["attributes"] == {}
    date.fromisoformat(lines[0]["occurred_on"])


def test_csv_holds_the_same_bodies_with_attributes_as_json(tmp_path: Path) -> None:
    spec = PopulationSpec(50_000, seed=5)
    write_population(spec, tmp_path / "p.jsonl")
    write_population(spec, tmp_path / "p.csv")
    from_json = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    with (tmp_path / "p.csv").open(newline="") as f:
        from_csv = [r | {"attributes": json.loads(r["attributes"])} for r in csv.DictReader(f)]
    assert from_csv == from_json


def test_parquet_holds_the_flattened_records(tmp_path: Path) -> None:
    spec = PopulationSpec(1_500_000, seed=8)
    out = tmp_path / "p.parquet"
    write_population(spec, out)
    table = pq.read_table(out)
    assert table.schema == SCHEMA
    assert table.equals(generate(spec))


def test_an_unknown_extension_needs_a_format(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        write_population(PopulationSpec(10), tmp_path / "p.txt")
    write_population(PopulationSpec(10), tmp_path / "p.txt", FileFormat.PARQUET)
    assert pq.read_table(tmp_path / "p.txt").schema == SCHEMA


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_the_same_seed_writes_the_same_bytes(tmp_path: Path, suffix: str) -> None:
    spec = PopulationSpec(200_000, seed=9)
    first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    write_population(spec, first)
    write_population(spec, second)
    assert first.read_bytes() == second.read_bytes()


def test_every_record_type_of_the_default_rulebook_is_generated_with_its_versions_attributes() -> (
    None
):
    rulebook = load_rulebook()
    table = generate(PopulationSpec(400_000, seed=11, as_of=date(2028, 6, 1)))
    assert set(table.column("type").to_pylist()) == rulebook.codes() == set(TYPE_CODES)
    for r in table.to_pylist():
        rule = rulebook.rule_for(r["type"], r["occurred_on"])
        assert rule is not None, r
        present = {name for name, value in r["attributes"].items() if value is not None}
        assert present == {name for name, _type in rule.attributes}, r
        assert rule.lift_on_fulfilment or r["fulfilled_on"] is None, r


def test_the_replaced_tax_rule_gives_way_to_its_successor_on_its_first_day() -> None:
    table = generate(
        PopulationSpec(300_000, seed=12, as_of=date(2028, 6, 1), rates={"tax.major_violation": 20})
    )
    tax = [r for r in table.to_pylist() if r["type"].startswith("tax.")]
    assert {r["type"] for r in tax if r["occurred_on"] < date(2027, 1, 1)} == {
        "tax.serious_evasion"
    }
    assert {r["type"] for r in tax if r["occurred_on"] >= date(2027, 1, 1)} == {
        "tax.major_violation"
    }
    assert 5_000 < len(tax) < 7_000  # the successor's rate is the kind's
    with pytest.raises(InvalidInput, match="share one rate"):
        PopulationSpec(10, rates={"tax.major_violation": 1.0, "tax.serious_evasion": 1.0})


def test_conduct_before_any_version_of_its_rule_is_no_record() -> None:
    table = generate(PopulationSpec(200_000, seed=13, as_of=date(2019, 6, 1)))
    assert table.num_rows > 0
    assert pc.min(table.column("occurred_on")).as_py() >= date(2018, 5, 1)


def test_the_generator_refuses_a_rulebook_out_of_step_with_it() -> None:
    rulebook = load_rulebook()
    fewer = replace(rulebook, rules=tuple(r for r in rulebook.rules if r.code != "rail.smoking"))
    with pytest.raises(ValueError, match=r"rail\.smoking"):
        versions_of(fewer)
    odd = replace(rulebook.rules[0], attributes=(("speed_kmh", "int"),))
    with pytest.raises(ValueError, match=r"speed_kmh"):
        versions_of(replace(rulebook, rules=(odd, *rulebook.rules[1:])))


def test_a_file_for_import_has_no_source_member(tmp_path: Path) -> None:
    spec = PopulationSpec(20_000, seed=5)
    write_population(spec, tmp_path / "p.jsonl", for_import=True)
    lines = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert lines
    assert all(list(body) == BODY_KEYS[:-1] for body in lines)
    write_population(spec, tmp_path / "p.csv", for_import=True)
    with (tmp_path / "p.csv").open(newline="") as f:
        assert next(csv.reader(f)) == BODY_KEYS[:-1]
