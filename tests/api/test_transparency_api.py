"""The transparency log over HTTP, and a witness keeping its checkpoints from a live server."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from tests.api.conftest import Server, make_keys, problem, start_server
from tests.api.test_due_process import sql
from tests.api.test_flow import court_record
from tests.factories import ric_number
from tests.integration.conftest import sql_write
from trustledger.bootstrap import open_registry
from trustledger.cli.app import main
from trustledger.domain.checkpoints import open_note, parse_verifier_key
from trustledger.domain.merkle import verify_consistency, verify_inclusion


def submit(server: Server, n: int = 1) -> list[str]:
    numbers = [ric_number() for _ in range(n)]
    with server.client("source") as source:
        for number in numbers:
            assert source.post("/v1/records", json=court_record(number)).status_code == 201
    return numbers


def checkpoint(server: Server) -> tuple[dict[str, object], object]:
    with server.client("auditor") as auditor:
        r = auditor.get("/v1/audit/checkpoint")
    assert r.status_code == 200, r.text
    body = r.json()
    return body, open_note(body["note"], parse_verifier_key(body["key"]))


def test_the_checkpoint_is_signed_and_covers_what_was_just_written(server: Server) -> None:
    submit(server)
    body, cp = checkpoint(server)
    leaves = sql(server, "SELECT count(*) FROM events")[0][0]
    leaves += sql(server, "SELECT count(*) FROM audit_log WHERE seq <= "
                  "(SELECT max(ref) FROM log_leaves WHERE kind = 'audit')")[0][0]  # fmt: skip
    assert cp.size == body["size"] == leaves  # type: ignore[attr-defined]
    assert cp.origin == body["origin"]  # type: ignore[attr-defined]


def test_an_inclusion_proof_verifies_against_the_checkpoint(server: Server) -> None:
    submit(server)
    _, cp = checkpoint(server)
    with server.client("auditor") as auditor:
        r = auditor.get("/v1/audit/inclusion", params={"leaf": 3, "size": cp.size})  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    proof = r.json()
    path = [bytes.fromhex(h) for h in proof["path"]]
    leaf = bytes.fromhex(proof["leaf_hash"])
    assert verify_inclusion(leaf, 3, cp.size, path, cp.root)  # type: ignore[attr-defined]


def test_a_consistency_proof_verifies_between_two_checkpoints(server: Server) -> None:
    submit(server)
    _, old = checkpoint(server)
    submit(server, 2)
    _, new = checkpoint(server)
    params = {"from": old.size, "to": new.size}  # type: ignore[attr-defined]
    with server.client("auditor") as auditor:
        r = auditor.get("/v1/audit/consistency", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["from"] == old.size  # type: ignore[attr-defined]
    path = [bytes.fromhex(h) for h in r.json()["path"]]
    assert verify_consistency(old.size, new.size, old.root, new.root, path)  # type: ignore[attr-defined]


def test_a_subject_gets_proofs_about_itself_and_no_one_else(server: Server) -> None:
    mine, other = submit(server, 2)
    checkpoint(server)
    rows = sql(server, "SELECT l.idx, e.subject FROM log_leaves l JOIN events e "
               "ON l.kind = 'event' AND l.ref = e.seq")  # fmt: skip
    pseudonym = server.registry.keyring.master.pseudonym  # events name subjects so
    own = next(r[0] for r in rows if r[1] == pseudonym(mine))
    theirs = next(r[0] for r in rows if r[1] == pseudonym(other))
    with server.client(key=server.subject_key(mine)) as subject:
        assert subject.get("/v1/audit/inclusion", params={"leaf": own}).status_code == 200
        problem(subject.get("/v1/audit/inclusion", params={"leaf": theirs}), 403)
        problem(subject.get("/v1/audit/consistency", params={"from": 1, "to": 2}), 403)


def test_a_proof_outside_the_tree_is_refused_naming_the_field(server: Server) -> None:
    checkpoint(server)
    with server.client("auditor") as auditor:
        too_big = auditor.get("/v1/audit/inclusion", params={"leaf": 0, "size": 10**9})
        assert "size" in problem(too_big, 422)["detail"]
        backwards = auditor.get("/v1/audit/consistency", params={"from": 5, "to": 2})
        assert "from" in problem(backwards, 422)["detail"]
        assert auditor.get("/v1/audit/inclusion", params={"leaf": -1}).status_code == 422


def run_witness(server: Server, state: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    args = ["trustledger", "audit", "witness", server.url, "--state", str(state)]
    monkeypatch.setattr(sys, "argv", [*args, "--api-key", server.keys["auditor"]])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_a_witness_keeps_each_checkpoint_that_extends_the_last(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "witness.jsonl"
    assert run_witness(server, state, monkeypatch) == 0
    submit(server)
    assert run_witness(server, state, monkeypatch) == 0
    lines = [orjson.loads(x) for x in state.read_text().splitlines()]
    key = parse_verifier_key(lines[0]["key"])
    sizes = [open_note(x["note"], key).size for x in lines[1:]]
    assert len(sizes) == 2
    assert sizes[0] < sizes[1]


def test_a_witness_refuses_a_checkpoint_signed_by_another_key(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustledger.store.log_key import new_signer_text, parse_signer

    state = tmp_path / "witness.jsonl"
    other = parse_signer(new_signer_text("trustledger.invalid/log")).key.text()
    state.write_text(orjson.dumps({"key": other}).decode() + "\n")
    assert run_witness(server, state, monkeypatch) == 2
    assert len(state.read_text().splitlines()) == 1


def test_a_witness_refuses_a_log_rebuilt_behind_its_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'own.db'}")
    registry.migrate()
    proc, url = start_server(registry.db_url, tmp_path / "server.log")
    try:
        server = Server(url, make_keys(registry), registry, registry.db_url)
        submit(server, 3)
        state = tmp_path / "witness.jsonl"
        assert run_witness(server, state, monkeypatch) == 0
        kept = state.read_text()
        # The insider empties the log and lets the server build it anew: leaves in another order.
        for table in ("log_leaves", "log_nodes", "log_checkpoints"):
            for verb in ("update", "delete"):
                sql_write(registry, f"DROP TRIGGER {table}_no_{verb}")
            sql_write(registry, f"DELETE FROM {table}")
        submit(server)
        assert run_witness(server, state, monkeypatch) == 1
        assert state.read_text() == kept
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        registry.close()
