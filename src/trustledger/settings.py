"""Settings from the environment (TRUSTLEDGER_*), validated once at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trustledger.domain.texts import LANGUAGES, Language
from trustledger.i18n.negotiation import parse_language


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRUSTLEDGER_", extra="ignore")

    db: str = "sqlite:///trustledger.db"
    identity_scheme: str = "cn-ric"
    # The language of letters and of pages whose reader chose none (TRUSTLEDGER_LANGUAGE).
    # None: Simplified Chinese under the `cn-ric` scheme, English otherwise.
    language: Language | None = None
    # None: the default rulebook shipped as package data.
    rulebook: Path | None = None
    appeal_url: str = "/portal"
    # Signs the pages' session cookies. None: a random secret kept in `secret_file` (default: next
    # to a SQLite database, else ./trustledger.secret), so every worker and restart shares it.
    secret: str | None = None
    secret_file: Path | None = None
    # Where notice letters are sent from (the outbox's SMTP mailer).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "notices@trustledger.invalid"
    # The server sends due letters every minute; off where another process runs the outbox.
    deliver_notices: bool = True
    # Concurrent single-record submissions share one transaction (services/intake/write_queue.py); off,
    # each commits alone.
    group_commit: bool = True
    # Failed sign-ins are counted in this process unless this names a Redis server
    # (redis://host:port/db; any other value: redis://127.0.0.1:6379/0), shared by every server.
    redis: str | None = None
    redis_prefix: str = "trustledger"
    # `serve --replica`: checks, the event feed and /healthz from `db`, a read-only standby;
    # writes are refused, and check denials are audited on `primary` (its URL) when given.
    replica: bool = False
    primary: str | None = None
    # The check index's snapshot: a server starts from it when it is there (then follows the
    # events after its seq), and the sweep writes it. None: start by loading from the database.
    snapshot: Path | None = None
    # The transparency log's signing key (note signer format), or the file it is kept in: made
    # on first start next to a SQLite database, else ./trustledger-log.key. Never in the database.
    log_key: str | None = None
    log_key_file: Path | None = None
    # The log's name in its checkpoints (a new key file is made under this name).
    log_origin: str = "trustledger.invalid/log"
    # The master key of personal data (32 bytes, URL-safe base64), or the file it is kept in:
    # made on first start next to a SQLite database, else ./trustledger-master.key. And the vault
    # of key-encryption keys (store/vault.py). Neither is ever in the database.
    master_key: str | None = None
    master_key_file: Path | None = None
    vault_file: Path | None = None
    # The server signs a checkpoint at least this often.
    checkpoint_seconds: float = 60.0

    @field_validator("language", mode="before")
    @classmethod
    def _known_language(cls, value: object) -> Language | None:
        if value is None or value == "":
            return None
        found = parse_language(str(value))
        if found is None:
            tags = ", ".join(lang.value for lang in LANGUAGES)
            raise ValueError(f"TRUSTLEDGER_LANGUAGE must be one of {tags}, not {value!r}")
        return found

    def deployment_language(self, scheme: str) -> Language:
        """TRUSTLEDGER_LANGUAGE, else the language of the people an identity scheme numbers."""
        if self.language is not None:
            return self.language
        return Language.ZH_HANS if scheme == "cn-ric" else Language.EN
