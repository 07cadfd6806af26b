"""The tables, SQLAlchemy 2 declarative; migrations create them and a test keeps both in step."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trustledger.store.stamps import Stamp

# SQLite only makes an INTEGER PRIMARY KEY an alias of the rowid (and AUTOINCREMENT needs one).
SeqType = BigInteger().with_variant(Integer(), "sqlite")
JsonType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class EventRow(Base):
    """The append-only log; `seq` is the global order others follow (a trigger refuses changes)."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "subject", "seq"), {"sqlite_autoincrement": True})

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    on: Mapped[date] = mapped_column(Date)
    record_id: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    actor: Mapped[str] = mapped_column(String(128))
    # Read by the log's leaves only: on SQLite an integer since issue 17 (store/stamps.py).
    created_at: Mapped[datetime] = mapped_column(Stamp())
    # The personal part of `data` (domain/personal_data.py), sealed by the data key of the subject and
    # the event's record (or the subject's own): `subject` is then the pseudonym, not the number.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class RecordRow(Base):
    """One row per record, keyed by its id, which (source, case_ref) determine
    (domain.submissions.record_id_for): the primary key is the idempotency key. Looked up by
    subject too."""

    __tablename__ = "records"
    __table_args__ = (Index(None, "subject"),)

    record_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    # Keyed hashes (MasterKey.keyed_hash), as their 32 bytes since 0015.
    case_ref: Mapped[bytes] = mapped_column(LargeBinary(32))
    subject: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    payload_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    recorded_on: Mapped[date] = mapped_column(Date)


class SubjectStateRow(Base):
    """Derived: a subject's score and band as of the last time it was evaluated."""

    __tablename__ = "subject_state"
    __table_args__ = (Index(None, "next_change_on"),)

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(32))
    review_due: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[date] = mapped_column(Date)
    # The day the state changes by the calendar alone (see domain.derived.Derived): the sweep's key.
    next_change_on: Mapped[date | None] = mapped_column(Date)
    # The subject's pseudonym in the append-only tables: followers of the log map an event to
    # the subject it changed here, with no key (a replica has none).
    pseudonym: Mapped[str | None] = mapped_column(String(32), index=True)


class RestrictionRow(Base):
    """Derived: every restriction a subject's records or review cases lead to, with dates."""

    __tablename__ = "restrictions"
    # No index on compact_key: the check index reads it in a scan of the table (0013).
    __table_args__ = (Index(None, "subject"),)

    restriction_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    compact_key: Mapped[int] = mapped_column(BigInteger)
    scopes: Mapped[str] = mapped_column(String(64))  # sorted, comma-separated: "air,rail_premium"
    reason: Mapped[str] = mapped_column(String(64))
    legal_basis: Mapped[str] = mapped_column(Text)
    record_id: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(40))
    noticed_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    appeal_by: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32))
    # Its barring span (domain.barring), stored so that the check index, the statistics and the
    # transitions read one answer to "does it bar on day d": null dates and mask 0 if it never bars.
    first_barred: Mapped[date | None] = mapped_column(Date)
    last_barred: Mapped[date | None] = mapped_column(Date)
    scope_mask: Mapped[int] = mapped_column(Integer, server_default="0")


class ReviewCaseRow(Base):
    """Derived: review cases opened when a score fell below the threshold, and their decisions."""

    __tablename__ = "review_cases"
    __table_args__ = (Index(None, "subject"),)

    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
    below: Mapped[int] = mapped_column(Integer)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))


class AppealRow(Base):
    """Derived: appeals, so officers can list the pending and the overdue ones."""

    __tablename__ = "appeals"
    __table_args__ = (Index(None, "subject"), Index(None, "deadline"))

    appeal_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(40))
    filed_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))


class ErasureCaseRow(Base):
    """Derived: subjects' requests to erase a record early, so officers can list those undecided."""

    __tablename__ = "erasure_cases"
    __table_args__ = (Index(None, "subject"), Index(None, "deadline"))

    case_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(40))
    filed_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(32))


class NoticeRow(Base):
    """The outbox: each notice's letter as issued and its delivery; the event log has the fact."""

    __tablename__ = "notices"
    __table_args__ = (Index(None, "subject"), Index(None, "status", "next_attempt_at"))

    notice_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    subject_line: Mapped[str] = mapped_column(Text)
    # Plaintext only until delivered (the outbox must be able to resend it), then NULL.
    access_code: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime())
    channel: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime())
    # The language it is written in (NULL: issued before letters had one).
    language: Mapped[str | None] = mapped_column(String(16))
    # What it stated (the letter's facts, no access code), to write it in another language.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    # A letter is kept as its facts and the version of the templates it was written with, and
    # written again when read (docs/store.md); one from before facts were kept, as its words
    # (text, NUL, HTML in UTF-8), zlib-compressed, in `kept`. Either way `sha256` is the hash of
    # the letter as issued, its access code masked (services.due_process.letters.letter_sha256).
    template_version: Mapped[str | None] = mapped_column(String(8))
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Until a letter written when first read is sent and hashed: the hash of its facts and row
    # (services.due_process.letters.facts_sha256), taken when issued; its 32 bytes since 0018.
    facts_sha256: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    kept: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The letter's facts and kept words and its access code, sealed like an event's personal data.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)


class ContactRow(Base):
    """Where to send a subject's notices: personal data kept apart from the append-only log."""

    __tablename__ = "contacts"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(DateTime())
    # The address sealed by the subject's data key (then `email` is NULL and `subject` the pseudonym).
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The language the subject's letters are written in (NULL: the deployment's).
    language: Mapped[str | None] = mapped_column(String(16))


class ApiKeyRow(Base):
    """API keys, stored as SHA-256; `types` are the fnmatch patterns a source may submit."""

    __tablename__ = "api_keys"
    __table_args__ = (Index(None, "name", "role"),)

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    types: Mapped[list[str]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime | None] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime())
    regions: Mapped[list[str]] = mapped_column(JsonType)
    sources: Mapped[list[str]] = mapped_column(JsonType)


class KeyChangeRow(Base):
    """Append-only: each revocation, rotation or expiry change; servers follow it by `seq`."""

    __tablename__ = "key_changes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32))
    change: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime())


class AuditRow(Base):
    """The audit chain: each entry's hash covers its fields and the previous entry's hash.

    The hashes are stored as their 32 bytes; the chain's canonical form hashes their hex."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "subject"),)

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(Text)
    # Compared and sorted by no query: on SQLite an integer since issue 17 (store/stamps.py).
    at: Mapped[datetime] = mapped_column(Stamp())
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogLeafRow(Base):
    """The transparency log's leaves in order: which event or audit entry, and its leaf hash."""

    __tablename__ = "log_leaves"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(8))  # "event" or "audit"
    ref: Mapped[int] = mapped_column(BigInteger)  # the event's or the audit entry's seq
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogNodeRow(Base):
    """Perfect subtrees of the log above the leaves: (level, idx) covers idx*2^level, +2^level."""

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LogCheckpointRow(Base):
    """Every checkpoint the log signed, as the signed note it served."""

    __tablename__ = "log_checkpoints"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    issued_at: Mapped[datetime] = mapped_column(DateTime())
    note: Mapped[str] = mapped_column(Text)


class DataKeyRow(Base):
    """Data keys, wrapped by a version of their bucket's key-encryption key (store/vault.py).

    The one table whose rows are deleted: destroying a key erases what it sealed (an `erased`
    event in the log says so). `scope` is "" for the subject's own key, else a record id."""

    __tablename__ = "data_keys"
    # On SQLite the rows live in the primary key's b-tree, not beside a copy of it (0014).
    __table_args__ = ({"sqlite_with_rowid": False},)

    pseudonym: Mapped[str] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    # No creation time since 0019: nothing read it.


class RegistryRow(Base):
    """This registry's identity: which entries of the vault file are its own (one row)."""

    __tablename__ = "registry"

    registry_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime())


TABLES = Base.metadata.tables
events = TABLES["events"]
records = TABLES["records"]
subject_state = TABLES["subject_state"]
restrictions = TABLES["restrictions"]
review_cases = TABLES["review_cases"]
appeals = TABLES["appeals"]
erasure_cases = TABLES["erasure_cases"]
notices = TABLES["notices"]
contacts = TABLES["contacts"]
api_keys = TABLES["api_keys"]
key_changes = TABLES["key_changes"]
audit_log = TABLES["audit_log"]
log_leaves = TABLES["log_leaves"]
log_nodes = TABLES["log_nodes"]
log_checkpoints = TABLES["log_checkpoints"]
data_keys = TABLES["data_keys"]
registry = TABLES["registry"]
