"""Secrets made once into a file that every worker and restart then reads (mode 0600)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The file's stripped text; if there is no file yet, `make()` written there first."""
    if not path.exists():
        # Written aside, then linked into place: a worker starting at the same moment either
        # wins the link or reads the winner's secret, never a half-written file.
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(make() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def beside_database(db_url: str, suffix: str, fallback: str) -> Path:
    """`<database file><suffix>` for a SQLite file database, else `fallback` in the cwd."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database:
        return Path(f"{url.database}{suffix}")
    return Path(fallback)
