"""Database errors as trustledger's: any failure of the database is `Unavailable` (a 503).

The store is the edge where SQLAlchemy's exceptions are known; whatever the database says when it
restarts, runs out of disk or refuses a write on a standby, the caller gets one error class with a
one-line reason, and the transaction it interrupted was rolled back (nothing half-written).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from trustledger.domain.errors import Unavailable

# What the database says, lower-cased, and what a person should read instead.
REASONS = (
    (
        "disk is full",
        "the disk is full; nothing was written, and writes resume once space is freed",
    ),
    (
        "no space left",
        "the disk is full; nothing was written, and writes resume once space is freed",
    ),
    ("read-only transaction", "it is a read-only standby; send writes to the primary"),
    ("readonly database", "it is read-only; send writes to the primary"),
    ("no such table", "it has no trustledger schema (or an old one); run `trustledger init`"),
)


def unavailable(exc: DBAPIError) -> Unavailable:
    """The `Unavailable` a database error means, naming the reason in one line."""
    said = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__
    lowered = said.lower()
    if "relation" in lowered and "does not exist" in lowered:
        return Unavailable(f"database: {REASONS[-1][1]}")
    reason = next((why for clue, why in REASONS if clue in lowered), said)
    return Unavailable(f"database: {reason}")
