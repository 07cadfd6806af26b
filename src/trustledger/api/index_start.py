"""How a server's check index starts: from its snapshot when there is one, else from the database.

Starting from a snapshot maps its arrays and follows the events after its seq before the first
check is answered, so a replica answers as current as one that loaded everything. A snapshot
that cannot be read, or stamped past the database's last event (another database's), is passed
over with a warning and the index is loaded from the database as before.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from trustledger.domain.errors import InvalidInput
from trustledger.services.checking.feed import CheckFeed
from trustledger.store.snapshot_files import read_snapshot, write_snapshot

log = structlog.get_logger()


def start_index(feed: CheckFeed, snapshot: Path | None) -> str:
    """Fill `feed` with the index; returns where it came from: "snapshot" or "database"."""
    if snapshot is not None and Path(snapshot).exists():
        try:
            held = read_snapshot(snapshot)
        except InvalidInput as exc:
            log.warning("check_index.snapshot_unreadable", path=str(snapshot), reason=exc.detail)
        else:
            if held.seq <= feed.last_seq():
                feed.start_from(held.index, seq=held.seq, restrictions=held.restrictions)
                feed.catch_up()
                return "snapshot"
            log.warning("check_index.snapshot_ahead", path=str(snapshot), seq=held.seq)
    feed.load()
    return "database"


def save_index(feed: CheckFeed, path: Path) -> tuple[int, int]:
    """Write the feed's index as a snapshot; returns (restrictions, seq)."""
    index, seq = feed.held()
    return write_snapshot(index, path, seq=seq), seq
