"""PostgreSQL clusters of a test's own (a primary, a streaming standby), on free ports.

Tests that restart or stop PostgreSQL do it to these, never to the machine's (RECIPES.md). They
need root (the clusters run as the `postgres` user) and PostgreSQL 15's binaries: without them
the test skips with the reason, except under CI=true, where it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.api.conftest import free_port

BIN = Path(os.environ.get("TRUSTLEDGER_PG_BIN", "/usr/lib/postgresql/15/bin"))


def require_own_clusters() -> None:
    """Skip (fail under CI=true) when this machine cannot run clusters of a test's own."""
    problem = None
    if os.geteuid() != 0:
        problem = "clusters of a test's own run as the postgres user: run the tests as root"
    elif not (BIN / "initdb").exists():
        problem = f"no PostgreSQL binaries in {BIN} (apt-get install postgresql-15)"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)


def _as_postgres(*args: str | Path) -> None:
    cmd = ["runuser", "-u", "postgres", "--", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {done.stdout}{done.stderr}")


@dataclass
class Cluster:
    data: Path
    port: int
    sockets: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.sockets}"
        _as_postgres(
            BIN / "pg_ctl", "-D", self.data, "-o", opts, "-l", f"{self.data}.log", "-w", "start"
        )

    def stop(self) -> None:
        _as_postgres(BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        opts = f"-p {self.port} -k {self.sockets}"
        _as_postgres(
            BIN / "pg_ctl",
            "-D",
            self.data,
            "-o",
            opts,
            "-l",
            f"{self.data}.log",
            "-m",
            "fast",
            "-w",
            "restart",
        )

    def sql(self, query: str) -> list[tuple[object, ...]]:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            return list(conn.execute(query))


@contextmanager
def own_clusters(*, standby: bool = False) -> Iterator[tuple[Cluster, Cluster | None]]:
    """A primary (and, if asked, a standby streaming from it); both stopped and removed after."""
    require_own_clusters()
    root = Path(tempfile.mkdtemp(prefix="trustledger-pg-", dir="/tmp"))
    shutil.chown(root, "postgres", "postgres")
    primary = Cluster(root / "p", free_port(), root)
    started: list[Cluster] = []
    try:
        _as_postgres(BIN / "initdb", "-D", primary.data, "-A", "trust", "-U", "postgres")
        with (primary.data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        started.append(primary)
        second = None
        if standby:
            second = Cluster(root / "s", free_port(), root)
            _as_postgres(
                BIN / "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                primary.port,
                "-U",
                "postgres",
                "-D",
                second.data,
                "-R",
                "-X",
                "stream",
            )
            second.start()
            started.append(second)
        yield primary, second
    finally:
        for cluster in reversed(started):
            with contextlib.suppress(RuntimeError):  # stopped by the test already
                cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def wait_until(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {seconds} s"
        time.sleep(0.05)
