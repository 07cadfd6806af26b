"""Checks for ticketing systems: one journey (GET) or a batch of up to 10,000 subjects (POST).

Both are answered by the lean ASGI layer in check_route.py, in front of the app. The batch route
here takes the bodies that layer passes on (not in BatchCheckIn's form), so that FastAPI's
validation names their fault. GET has no FastAPI route (every GET is answered in front of it):
its OpenAPI entry is built here from the same models, CheckQuery and CheckOut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from trustledger.api.auth import Checker
from trustledger.api.check_batch import answer_batch
from trustledger.api.schemas import BatchCheckIn, BatchCheckOut, CheckOut, CheckQuery
from trustledger.api.state import state_of

router = APIRouter(tags=["checks"])

CHECK_DESCRIPTION = """May this subject travel by this mode and class on this date? Answered from memory.

A denial names the rule code, the last day barred and where to appeal; nothing else about the
subject is disclosed. Answered by the lean endpoint in check_route.py."""


@router.post("/v1/check", response_model=BatchCheckOut)
async def check_batch(request: Request, principal: Checker, body: BatchCheckIn) -> Response:
    """Check up to 10,000 subjects for one journey; all or nothing on invalid numbers.

    The lean endpoint in check_route.py answers a body in BatchCheckIn's form itself and passes
    any other here, where its validation names the fault; both answer through `answer_batch`.
    """
    state = state_of(request)
    on = body.on or state.clock.today()
    answer = answer_batch(state, principal.name, body.subjects, body.mode, body.class_, on)
    return Response(answer, media_type="application/json")


def check_operation() -> dict[str, Any]:
    """GET /v1/check's OpenAPI operation: its parameters are CheckQuery's fields, its answer
    CheckOut (the component schemas are added by `documented`)."""
    schema = CheckQuery.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": field,
        }
        if "description" in field:
            parameter["description"] = field["description"]
        parameters.append(parameter)
    answer = {"application/json": {"schema": {"$ref": "#/components/schemas/CheckOut"}}}
    return {
        "tags": ["checks"],
        "summary": "Check",
        "description": CHECK_DESCRIPTION,
        "operationId": "check_v1_check_get",
        "parameters": parameters,
        "responses": {"200": {"description": "Successful Response", "content": answer}},
    }


def documented(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """`app.openapi` with GET /v1/check's entry added: what FastAPI generates, plus that."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema["paths"].setdefault("/v1/check", {})["get"] = check_operation()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["CheckOut"] = CheckOut.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            app.openapi_schema = schema
        return app.openapi_schema

    return openapi
