"""Checks for ticketing systems: one journey (GET) or a batch of up to 10,000 subjects (POST)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from trustledger.api.auth import Checker
from trustledger.api.check_batch import answer_batch
from trustledger.api.check_route import answer_check
from trustledger.api.schemas import BatchCheckIn, BatchCheckOut, CheckOut
from trustledger.api.state import state_of

router = APIRouter(tags=["checks"])


@router.get("/v1/check", response_model=CheckOut)
def check(
    request: Request,
    principal: Checker,
    subject: Annotated[str, Query(examples=["11010519491231002X"])],
    mode: Annotated[Literal["air", "rail"], Query()],
    class_: Annotated[Literal["standard", "premium"], Query(alias="class")] = "standard",
    on: Annotated[date | None, Query(description="Travel date; default today")] = None,
) -> Response:
    """May this subject travel by this mode and class on this date? Answered from memory.

    A denial names the rule code, the last day barred and where to appeal; nothing else about the
    subject is disclosed. The app serves this path with the lean endpoint in check_route.py,
    added before this route; both answer through `answer_check`.
    """
    state = state_of(request)
    return answer_check(state, principal.name, subject, mode, class_, on or state.clock.today())


@router.post("/v1/check", response_model=BatchCheckOut)
async def check_batch(request: Request, principal: Checker, body: BatchCheckIn) -> Response:
    """Check up to 10,000 subjects for one journey; all or nothing on invalid numbers.

    The lean endpoint in check_route.py answers a body in the plain form itself and passes any
    other here, where its validation names the fault; both answer through `answer_batch`.
    """
    state = state_of(request)
    on = body.on or state.clock.today()
    answer = answer_batch(state, principal.name, body.subjects, body.mode, body.class_, on)
    return Response(answer, media_type="application/json")
