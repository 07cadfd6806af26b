"""An API server in a subprocess (uvicorn on a free port) over a fresh SQLite database."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from trustledger.bootstrap import Registry, open_registry


@dataclass
class Server:
    url: str
    keys: dict[str, str]
    registry: Registry
    db_url: str

    def client(self, role: str | None = None, *, key: str | None = None) -> httpx.Client:
        secret = key or (self.keys[role] if role else None)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def subject_key(self, number: str) -> str:
        return self.registry.keys.create(role="subject", name=number, actor="test").secret

    def count(self, table: str) -> int:
        """Rows in a table, by plain SQL: what a test asserts nothing was written to."""
        with self.registry.engine.connect() as conn:
            value = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            conn.rollback()
        return int(value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db_url: str, log: Path, *, command: list[str] | None = None, **env: str
) -> tuple[subprocess.Popen[bytes], str]:
    """A server on a free port: uvicorn, or `command` followed by `--port PORT`."""
    port = free_port()
    cmd = (
        [*command, "--port", str(port)]
        if command
        else [
            sys.executable,
            "-m",
            "uvicorn",
            "trustledger.api.app:app_from_environment",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
    )
    environ = os.environ | {"TRUSTLEDGER_DB": db_url} | env
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=environ, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded machine starts slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"server did not start: {log.read_text()}")


def make_keys(registry: Registry) -> dict[str, str]:
    court = ["court.*", "social_insurance.*", "tax.*", "rail.*", "air.*"]
    return {
        "source": registry.keys.create(role="source", name="court-test", types=court).secret,
        "rail_source": registry.keys.create(
            role="source", name="rail-only", types=["rail.*"]
        ).secret,
        "checker": registry.keys.create(role="checker", name="ticketing").secret,
        "officer": registry.keys.create(role="officer", name="officer-1").secret,
        "auditor": registry.keys.create(role="auditor", name="auditor-1").secret,
    }


@contextlib.contextmanager
def serving(tmp: Path, **env: str) -> Iterator[Server]:
    """A server over a fresh SQLite database in `tmp`, with these environment settings."""
    db_url = f"sqlite:///{tmp / 'api.db'}"
    registry = open_registry(db_url)
    registry.migrate()
    keys = make_keys(registry)
    proc, url = start_server(db_url, tmp / "server.log", **env)
    try:
        yield Server(url, keys, registry, db_url)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        registry.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("api")) as running:
        yield running


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem with this status and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body
