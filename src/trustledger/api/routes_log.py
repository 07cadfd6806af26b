"""The transparency log over HTTP: the latest signed checkpoint, inclusion and consistency proofs.

Hashes are lowercase hex; the checkpoint's `note` is the C2SP signed note a witness keeps.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query, Request

from trustledger.api.auth import Auditor, LogReader
from trustledger.api.schemas import CheckpointOut, ConsistencyOut, InclusionOut
from trustledger.api.state import state_of

router = APIRouter(tags=["audit"])


@router.get("/v1/audit/checkpoint")
def checkpoint(request: Request, principal: LogReader) -> CheckpointOut:
    """The log's latest signed checkpoint, after logging every entry written until now.

    A read-only replica answers the latest checkpoint the primary stored (at most a minute old),
    or 503 before there is one: logging and signing are writes."""
    state = state_of(request)
    log = state.registry.log
    cp = log.latest() if state.registry.settings.replica else log.checkpoint()
    return CheckpointOut(
        origin=log.key.name,
        size=cp.size,
        root=base64.b64encode(cp.root).decode(),
        time=cp.issued_at.isoformat() + "Z",
        note=cp.note,
        key=log.key.text(),
    )


@router.get("/v1/audit/inclusion")
def inclusion(
    request: Request,
    principal: LogReader,
    leaf: Annotated[int, Query(ge=0, le=2**62, description="The leaf's index, from 0")],
    size: Annotated[
        int | None, Query(ge=1, le=2**62, description="Tree size; default the latest checkpoint's")
    ] = None,
) -> InclusionOut:
    """The audit path proving a leaf is in the tree of `size` leaves (RFC 9162 2.1.3).

    A subject key gets proofs of entries about itself only."""
    subject = principal.name if principal.role == "subject" else None
    proof = state_of(request).registry.log.inclusion(leaf, size, subject=subject)
    return InclusionOut(
        leaf=proof.leaf,
        size=proof.size,
        kind=proof.kind,
        ref=proof.ref,
        leaf_hash=proof.leaf_hash.hex(),
        path=[h.hex() for h in proof.path],
    )


@router.get("/v1/audit/consistency")
def consistency(
    request: Request,
    principal: Auditor,
    first: Annotated[int, Query(alias="from", ge=0, le=2**62, description="The older size")],
    second: Annotated[int, Query(alias="to", ge=0, le=2**62, description="The newer size")],
) -> ConsistencyOut:
    """The proof that the tree of `to` leaves extends the tree of `from` (RFC 9162 2.1.4)."""
    path = state_of(request).registry.log.consistency(first, second)
    return ConsistencyOut(first=first, second=second, path=[h.hex() for h in path])
