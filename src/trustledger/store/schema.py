"""Bring a database to the latest schema by running the Alembic migrations in the package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from trustledger.services.progress import Advance

SCRIPT_LOCATION = "trustledger.store:migrations"
# A long migration's progress: each phase's name and size in, the `advance` of its bar out.
Progress = Callable[[str, int], Advance]


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def migrate(engine: Engine, revision: str = "head", **attributes: Any) -> str:
    """Upgrade to `revision` (all migrations by default) and return the revision now current.

    `attributes` reach the migrations: `keyring` (a KeyringSource: 0010 seals with it, else it
    loads the configured one), `progress` (phase name and size -> `advance`, for a bar) and
    `seal_batch` (subjects a committed batch of 0010, 200 by default)."""
    config = _config()
    config.attributes.update(attributes)
    # Alembic begins the transaction itself (env.py), so that a migration may commit part way
    # (0008 converts letters in batches, each committed, and resumes where a stopped run left).
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        conn.commit()
    return current_revision(engine) or "base"


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()
