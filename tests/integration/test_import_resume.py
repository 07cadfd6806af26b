"""A bulk import killed with SIGKILL mid-way loads the rest on a rerun: none twice, none lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tests.factories import body, ric_number
from tests.integration.conftest import sql
from trustledger.bootstrap import Registry

ROOT = Path(__file__).resolve().parents[2]
LINES = 3000
BAD = {17: {"decided_on": "2099-01-01"}, 1234: {"subject": "123"}, 2999: {"type": "air.smoking"}}


def run_cli(db_url: str, *args: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    command = [sys.executable, "-m", "tests.integration.cli_main", "--db", db_url, *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def count(registry: Registry, statement: str) -> int:
    return int(sql(registry, statement)[0][0])


@pytest.mark.slow
def test_a_rerun_after_sigkill_loads_the_rest_exactly_once(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    registry.keys.create(role="source", name="rail", types=["rail.*"])
    path = tmp_path / "big.jsonl"
    with path.open("wb") as f:
        for n in range(1, LINES + 1):
            data = body(subject=ric_number(), case_ref=f"K-{n}") | BAD.get(n, {})
            f.write(orjson.dumps(data) + b"\n")
    first = run_cli(db_url, "import", str(path), "--source", "rail", "--chunk", "50")
    deadline = time.monotonic() + 60
    while count(registry, "SELECT count(*) FROM records") < 200:
        assert first.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL
    loaded = count(registry, "SELECT count(*) FROM records")
    assert 200 <= loaded < LINES - len(BAD), "kill it mid-import"

    rerun = run_cli(db_url, "import", str(path), "--source", "rail", "--chunk", "50")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 1, err.decode()
    good = LINES - len(BAD)
    assert f"{good - loaded} imported, {loaded} already present, 3 rejected" in out.decode()
    assert count(registry, "SELECT count(*) FROM records") == good
    assert count(registry, "SELECT count(DISTINCT case_ref) FROM records") == good
    assert count(registry, "SELECT count(*) FROM events WHERE kind = 'recorded'") == good
    assert count(registry, "SELECT count(*) FROM events WHERE kind = 'notice_issued'") == good
    assert count(registry, "SELECT count(*) FROM subject_state") == good
    assert count(registry, "SELECT count(*) FROM restrictions WHERE status = 'pending'") == good
    rejects = [orjson.loads(x) for x in Path(f"{path}.rejects.jsonl").read_bytes().splitlines()]
    assert [r["line"] for r in rejects] == sorted(BAD)
    assert registry.audit.verify().intact
