"""`trustledger generate` writes the requested file and refuses bad options with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from trustledger.batch.population import SCHEMA
from trustledger.cli import batch
from trustledger.domain.errors import InvalidInput


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    batch.register(app)
    return app


def test_generate_writes_jsonl_by_extension(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "p.jsonl"
    result = CliRunner().invoke(
        app, ["generate", "--people", "20000", "--out", str(out), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert f"wrote {len(lines)} records of 20000 people" in result.output
    assert json.loads(lines[0])["subject"]


def test_generate_takes_format_as_of_and_rates(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "p.data"
    args = [
        "generate",
        "--people",
        "10000",
        "--out",
        str(out),
        "--format",
        "parquet",
        "--as-of",
        "2025-01-01",
        "--rate",
        "air.false_threat=500",
        "--rate",
        "court.judgment_default=0",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.schema == SCHEMA
    types = table.column("type").to_pylist()
    assert types.count("air.false_threat") > 4000
    assert "court.judgment_default" not in types
    assert max(table.column("recorded_on").to_pylist()).isoformat() <= "2025-01-01"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--rate", "rail.smoking"], "--rate: 'rail.smoking' is not TYPE=RECORDS_PER_1000"),
        (["--rate", "rail.smoking=x"], "--rate: 'rail.smoking=x' is not TYPE=RECORDS_PER_1000"),
        (["--as-of", "2025-13-01"], "--as-of: '2025-13-01' is not a date (YYYY-MM-DD)"),
    ],
)
def test_generate_refuses_bad_options(
    app: typer.Typer, tmp_path: Path, extra: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--people", "10", "--out", str(tmp_path / "p.csv"), *extra]
    )
    assert isinstance(result.exception, InvalidInput)
    assert str(result.exception) == message
