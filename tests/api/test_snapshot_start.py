"""A server starts from the check index's snapshot (`trustledger snapshot`, or the sweep's), then
follows the events written after the snapshot's seq before it answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx

from tests.api.conftest import start_server
from tests.api.test_faults import fresh_registry, stop
from tests.api.test_flow import court_record
from tests.api.test_standby_replica import ON, TRUSTLEDGER
from tests.factories import ric_number


def cli(db_url: str, *args: str) -> str:
    done = subprocess.run(
        [TRUSTLEDGER, "--db", db_url, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_server_started_from_a_snapshot_answers_for_records_before_and_after_it(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'snap.db'}"
    keys = fresh_registry(db_url)
    source = {"Authorization": f"Bearer {keys['source']}"}
    checker = {"Authorization": f"Bearer {keys['checker']}"}
    writer, url_w = start_server(db_url, tmp_path / "writer.log")
    try:
        before, after = ric_number(), ric_number()
        body = court_record(before, case_ref="snap-before")
        assert httpx.post(f"{url_w}/v1/records", json=body, headers=source).status_code == 201
        snap = tmp_path / "index.snapshot"
        said = cli(db_url, "snapshot", "--out", str(snap))
        stamp = json.loads((snap / "meta.json").read_text())
        assert f"at event seq {stamp['seq']}" in said
        assert stamp["restrictions"] == 1
        body = court_record(after, case_ref="snap-after")
        assert httpx.post(f"{url_w}/v1/records", json=body, headers=source).status_code == 201
        last_seq = httpx.get(f"{url_w}/healthz").json()["seq"]
        assert last_seq > stamp["seq"]
        reader, url_r = start_server(
            db_url, tmp_path / "reader.log", TRUSTLEDGER_SNAPSHOT=str(snap)
        )
        try:
            health = httpx.get(f"{url_r}/healthz").json()
            assert health["index"] == "snapshot"
            assert health["seq"] >= last_seq  # followed what came after the snapshot first
            for subject in (before, after):
                params = {"subject": subject, "mode": "air", "on": ON}
                answer = httpx.get(f"{url_r}/v1/check", params=params, headers=checker).json()
                assert answer["allowed"] is False, subject
        finally:
            stop(reader)
        swept = tmp_path / "swept.snapshot"
        assert "snapshot: 2 restrictions" in cli(db_url, "sweep", "--snapshot", str(swept))
        assert json.loads((swept / "meta.json").read_text())["seq"] >= last_seq
    finally:
        stop(writer)


def test_a_snapshot_of_another_database_is_passed_over_for_a_load(tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    keys = fresh_registry(other)
    snap = tmp_path / "other.snapshot"
    cli(other, "snapshot", "--out", str(snap))
    meta = snap / "meta.json"
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"seq": 10**9}))  # far ahead
    proc, url = start_server(other, tmp_path / "server.log", TRUSTLEDGER_SNAPSHOT=str(snap))
    try:
        assert httpx.get(f"{url}/healthz").json()["index"] == "database"
        checker = {"Authorization": f"Bearer {keys['checker']}"}
        params = {"subject": ric_number(), "mode": "air"}
        assert httpx.get(f"{url}/v1/check", params=params, headers=checker).status_code == 200
    finally:
        stop(proc)
