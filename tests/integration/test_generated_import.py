"""A generated population imports cleanly: every record type, each with its rule version's attributes."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import sql
from trustledger.batch.population import KIND_CODES, TYPE_CODES
from trustledger.bootstrap import open_registry
from trustledger.cli.app import main

AS_OF = date(2028, 6, 1)  # records over 2025-06..2028-06: both sides of the 2027 rule versions


def run(db_url: str, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sys, "argv", ["trustledger", "--db", db_url, *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
def test_a_generated_file_imports_with_no_reject(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    monkeypatch.setattr("trustledger.bootstrap.SystemClock.today", lambda self: AS_OF)
    monkeypatch.setattr(
        "trustledger.bootstrap.SystemClock.now", lambda self: datetime(2028, 6, 1, 12)
    )
    out = tmp_path / f"people.{suffix}"
    rates = [arg for code in KIND_CODES for arg in ("--rate", f"{code}=3")]
    assert run(db_url, "init", monkeypatch=monkeypatch) == 0
    assert run(db_url, "keys", "create", "--role", "source", "--name", "bench", "--types", "*",
               monkeypatch=monkeypatch) == 0  # fmt: skip
    generate = ["generate", "--people", "20000", "--out", str(out), "--seed", "4"]
    generate += ["--as-of", AS_OF.isoformat(), "--for-import", *rates]
    assert run(db_url, *generate, monkeypatch=monkeypatch) == 0
    assert run(db_url, "import", str(out), "--source", "bench", monkeypatch=monkeypatch) == 0
    assert not (tmp_path / f"people.{suffix}.rejects.jsonl").exists()
    registry = open_registry(db_url)
    try:
        stored = dict(sql(registry, "SELECT type, count(*) FROM records GROUP BY type"))
    finally:
        registry.close()
    bodies = read_bodies(out)
    assert sum(stored.values()) == len(bodies)
    assert set(stored) == set(TYPE_CODES)
    assert all("source" not in body for body in bodies)
    later = {(b["type"], *sorted(b["attributes"])) for b in bodies if b["occurred_on"] >= "2027"}
    assert {
        ("rail.disorder", "endangers_rail_safety", "serious_social_impact"),
        ("social_insurance.unpaid", "able_to_pay"),
        ("tax.major_violation", "able_to_pay"),
    } <= later


def read_bodies(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="") as f:
            return [r | {"attributes": json.loads(r["attributes"])} for r in csv.DictReader(f)]
    return [json.loads(line) for line in path.read_text().splitlines()]
