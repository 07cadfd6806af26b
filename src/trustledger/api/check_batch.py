"""The batch check's answer, shared by the lean endpoint and the FastAPI route, built as bytes.

A batch of 1,000 is mostly allowed subjects, and building a dict and encoding it per subject cost
more than checking them. The allowed items are written into a byte matrix in a few numpy steps;
orjson encodes only the denied ones. The bytes equal orjson's encoding of the items' dicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import orjson
from pydantic import ValidationError

from trustledger.api.schemas import BatchCheckIn
from trustledger.api.state import AppState
from trustledger.checks import Denial
from trustledger.checks.numbers import ascii_matrix

Batch = tuple[list[str], str, str, date | None]  # subjects, mode, class, on (None: today)


_OPEN, _CLOSE = b'{"results":[', b"]}"
_BEFORE = np.frombuffer(b'{"subject":"', dtype=np.uint8)
_AFTER = np.frombuffer(b'","allowed":true},', dtype=np.uint8)
# Characters orjson writes as they are: printable ASCII but for the quote and the backslash.
_PLAIN = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')


def answer_batch(
    state: AppState, checker: str, subjects: Sequence[str], mode: str, seat_class: str, on: date
) -> bytes:
    """Check a batch and account for it: the shared body of both routes."""
    numbers, barred, bars = state.checks.bar_many(subjects, mode, seat_class, on=on)
    state.check_log.allowed_check(checker, len(subjects) - len(barred))
    if barred:
        denied = [numbers[i] for i in barred]
        state.check_log.denied_many(checker, denied, [b.reason for b in bars], mode, on.isoformat())
    return results_json(subjects, barred, bars, appeal=state.checks.appeal)


def plain_batch(body: bytes) -> Batch | None:
    """(subjects, mode, class, on) of a body BatchCheckIn accepts, read by that same model (one
    statement of the rules); None for anything else, which the FastAPI route then validates and
    names the fault of."""
    try:
        batch = BatchCheckIn.model_validate_json(body)
    except ValidationError:
        return None
    return batch.subjects, batch.mode, batch.class_, batch.on


def results_json(
    subjects: Sequence[str], barred: Sequence[int], bars: Sequence[Denial], *, appeal: str
) -> bytes:
    """`{"results": [{subject, allowed, reason?, until?, appeal?}, ...]}`, as orjson encodes it;
    `barred` in ascending order."""
    allowed = _allowed_rows(subjects)
    if allowed is None:
        return orjson.dumps({"results": _items(subjects, barred, bars, appeal)})
    width = allowed.shape[1]
    rows = memoryview(allowed.tobytes())
    parts: list[bytes | memoryview] = [_OPEN]
    done = 0
    for i, bar in zip(barred, bars, strict=True):
        parts.append(rows[done * width : i * width])
        parts.append(orjson.dumps(_denied(subjects[i], bar, appeal)))
        parts.append(b",")
        done = i + 1
    # Every item so far ends with a comma; the last one's is dropped.
    if done < len(subjects):
        parts.append(rows[done * width : -1])
    elif len(parts) > 1:
        parts.pop()
    parts.append(_CLOSE)
    return b"".join(parts)


def _allowed_rows(subjects: Sequence[str]) -> np.ndarray[Any, np.dtype[np.uint8]] | None:
    """Each subject's allowed item and its comma as a row of bytes; None unless every subject
    has the same length and only characters JSON takes as they are."""
    width = len(subjects[0]) if subjects else 0
    chars = ascii_matrix(subjects, width)
    if chars is None or chars.tobytes().translate(None, _PLAIN):
        return None
    rows = np.empty((len(subjects), len(_BEFORE) + width + len(_AFTER)), dtype=np.uint8)
    rows[:, : len(_BEFORE)] = _BEFORE
    rows[:, len(_BEFORE) : len(_BEFORE) + width] = chars
    rows[:, len(_BEFORE) + width :] = _AFTER
    return rows


def _denied(subject: str, bar: Denial, appeal: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "allowed": False,
        "reason": bar.reason,
        "until": bar.until,
        "appeal": appeal,
    }


def _items(
    subjects: Sequence[str], barred: Sequence[int], bars: Sequence[Denial], appeal: str
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [{"subject": s, "allowed": True} for s in subjects]
    for i, bar in zip(barred, bars, strict=True):
        items[i] = _denied(subjects[i], bar, appeal)
    return items
