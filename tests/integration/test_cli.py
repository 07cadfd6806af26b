"""The store's CLI commands end to end, in process: output, files and exit codes."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import orjson
import pytest

from tests.factories import body, judgment
from tests.integration.conftest import sql, sql_write
from trustledger.bootstrap import open_registry
from trustledger.cli.app import main
from trustledger.store.schema import head_revision


def test_init_reports_the_schema_revision(cli) -> None:
    code, out, _ = cli("init")
    assert code == 0
    assert f"schema revision {head_revision()}" in out


def test_keys_create_prints_the_key_once_and_stores_its_hash(cli, db_url: str) -> None:
    code, out, err = cli(
        "keys", "create", "--role", "source", "--name", "rail", "--types", "rail.*"
    )
    secret = out.strip()
    assert code == 0
    assert secret.startswith("tl_")
    assert "shown once" in err
    registry = open_registry(db_url)
    try:
        (row,) = sql(registry, "SELECT key_hash, name, role FROM api_keys")
        stored = repr(sql(registry, "SELECT * FROM api_keys"))
    finally:
        registry.close()
    assert tuple(row) == (hashlib.sha256(secret.encode()).hexdigest(), "rail", "source")
    assert secret not in stored


def test_a_bad_key_request_is_one_line_and_exit_2(cli) -> None:
    code, _, err = cli("keys", "create", "--role", "pilot", "--name", "x")
    assert code == 2
    assert (
        err.strip()
        == "error: role: 'pilot' is not one of source, checker, officer, auditor, subject"
    )


def write(path: Path, *bodies: object) -> Path:
    path.write_bytes(b"".join(orjson.dumps(b) + b"\n" for b in bodies))
    return path


def test_import_exits_0_when_every_line_went_in(cli, tmp_path: Path) -> None:
    cli("keys", "create", "--role", "source", "--name", "rail", "--types", "rail.*")
    path = write(tmp_path / "ok.jsonl", body(), body())
    code, out, _ = cli("import", str(path), "--source", "rail")
    assert code == 0
    assert "2 imported" in out
    code, out, _ = cli("import", str(path), "--source", "rail")
    assert (code, "0 imported, 2 already present" in out) == (0, True)


def test_import_exits_1_and_writes_reasons_when_a_line_is_rejected(cli, tmp_path: Path) -> None:
    cli("keys", "create", "--role", "source", "--name", "rail", "--types", "rail.*")
    path = write(tmp_path / "mixed.jsonl", body(), judgment(), body(decided_on="2099-01-01"))
    code, out, err = cli("import", str(path), "--source", "rail")
    assert code == 1
    assert "1 imported" in out
    assert "2 rejected" in out
    rejects = [orjson.loads(x) for x in Path(f"{path}.rejects.jsonl").read_bytes().splitlines()]
    assert [(r["line"], r["field"]) for r in rejects] == [(2, "type"), (3, "decided_on")]
    assert "mixed.jsonl.rejects.jsonl" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "{file}", "--source", "nobody"], "error: source: no source key named 'nobody'"),
        (["import", "{dir}/missing.jsonl", "--source", "rail"], "does not exist"),
        (["import", "{dir}/f.xml", "--source", "rail"], "expected a .jsonl"),
    ],
)
def test_import_bad_usage_exits_2(cli, tmp_path: Path, args: list[str], message: str) -> None:
    cli("keys", "create", "--role", "source", "--name", "rail", "--types", "rail.*")
    file = write(tmp_path / "f.jsonl", body())
    (tmp_path / "f.xml").write_text("<x/>")
    filled = [a.format(file=file, dir=tmp_path) for a in args]
    code, _, err = cli(*filled)
    assert code == 2
    assert message in err


def test_import_without_source_is_a_usage_error(cli, tmp_path: Path) -> None:
    code, _, _ = cli("import", str(write(tmp_path / "f.jsonl", body())))
    assert code == 2


def test_audit_verify_exits_0_intact_and_1_broken(cli, db_url: str) -> None:
    cli("keys", "create", "--role", "auditor", "--name", "nao")
    cli("keys", "create", "--role", "checker", "--name", "12306")
    code, out, _ = cli("audit", "verify", "--json")
    assert (code, orjson.loads(out)) == (
        0,
        {"intact": True, "entries": 2, "first_broken": None, "reason": None},
    )
    registry = open_registry(db_url)
    try:
        if registry.engine.dialect.name == "postgresql":
            sql_write(registry, "ALTER TABLE audit_log DISABLE TRIGGER USER")
        else:
            sql_write(registry, "DROP TRIGGER audit_log_no_update")
        sql_write(registry, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 2")
    finally:
        registry.close()
    code, out, _ = cli("audit", "verify", "--json")
    assert code == 1
    assert orjson.loads(out)["first_broken"] == 2
    code, out, _ = cli("audit", "verify")
    assert code == 1
    assert out.startswith("audit chain broken at entry 2:")


def test_recompute_rebuilds_derived_state(cli, db_url: str, tmp_path: Path) -> None:
    cli("keys", "create", "--role", "source", "--name", "court", "--types", "court.*")
    cli("import", str(write(tmp_path / "j.jsonl", judgment())), "--source", "court")
    registry = open_registry(db_url)
    try:
        before = sql(registry, "SELECT * FROM restrictions")
        sql_write(registry, "DELETE FROM restrictions")
        code, out, _ = cli("recompute")
        after = sql(registry, "SELECT * FROM restrictions")
    finally:
        registry.close()
    assert code == 0
    assert "recomputed 1 subjects, 1 restrictions" in out
    assert after == before


def test_a_database_without_the_schema_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    for args in (["check", "11010519491231002X", "--mode", "air"], ["audit", "verify"]):
        monkeypatch.setattr(sys, "argv", ["trustledger", "--db", url, *args])
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert err.strip().count("\n") == 0
        assert "run `trustledger init`" in err


def test_records_correct_and_withdraw_by_case_ref_then_refuse_and_exit_2(
    cli, tmp_path: Path
) -> None:
    cli("keys", "create", "--role", "source", "--name", "rail", "--types", "rail.*")
    cli("keys", "create", "--role", "source", "--name", "metro", "--types", "rail.*")
    path = write(tmp_path / "in.jsonl", body(case_ref="C-1"))
    assert cli("import", str(path), "--source", "rail")[0] == 0
    fix = ("records", "correct", "--case-ref", "C-1", "--source", "rail")
    code, out, _ = cli(*fix, "--decided-on", "2026-10-21", "--reason", "Typo", "--json")
    answer = orjson.loads(out)
    assert (code, answer["created"], answer["changes"]) == (0, True, {"decided_on": "2026-10-21"})
    code, out, _ = cli(*fix, "--decided-on", "2026-10-21", "--reason", "Typo")
    assert (code, out.startswith("already done")) == (0, True)
    code, _, err = cli(
        "records", "withdraw", answer["record_id"], "--source", "metro", "--reason", "x"
    )
    assert (code, "error: record_id: only the source that submitted" in err) == (2, True)
    code, out, _ = cli(
        "records", "withdraw", answer["record_id"], "--source", "rail", "--reason", "Quashed"
    )
    assert (code, "withdrew record" in out) == (0, True)
    code, _, err = cli(*fix, "--evidence-ref", "e-9", "--reason", "late")
    assert (code, "can no longer be corrected" in err) == (2, True)
    code, _, err = cli(*fix, "--reason", "nothing named")
    assert (code, "error: changes:" in err) == (2, True)
    code, out, _ = cli("explain", body()["subject"])
    assert "withdrawn by its source: does not count" in out
    assert "corrected by its source: date of the decision: 2026-10-20 -> 2026-10-21" in out
    assert "withdrawn by its source, no longer counts: Quashed" in out


def test_import_takes_correct_and_withdraw_lines_beside_new_records(cli, tmp_path: Path) -> None:
    cli("keys", "create", "--role", "source", "--name", "rail", "--types", "rail.*")
    path = write(
        tmp_path / "mixed.jsonl",
        body(case_ref="M-1"),
        {"action": "correct", "case_ref": "M-1", "changes": {"evidence_ref": "e2"}, "reason": "r"},
        {"action": "withdraw", "case_ref": "M-1", "reason": "quashed"},
        {"action": "withdraw", "case_ref": "M-404", "reason": "?"},
    )
    code, out, _ = cli("import", str(path), "--source", "rail")
    assert (code, out) == (
        1,
        "4 lines: 3 imported, 0 already present, 1 rejected, 3 notices issued\n",
    )
    code, out, _ = cli("import", str(path), "--source", "rail")
    assert (code, "0 imported, 3 already present" in out) == (1, True)
